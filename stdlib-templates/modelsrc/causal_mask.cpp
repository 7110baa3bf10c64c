//===- causal_mask.cpp - Attention masks for causal language models -------===//
#include "causal_mask.hpp"

#include <limits>

namespace fgcc::nn {

namespace {

/// The lowest finite value of a floating dtype, which stands for -inf.
double lowest_value(torch::ScalarType dtype) {
  double lowest = 0;
  AT_DISPATCH_FLOATING_TYPES_AND2(torch::kHalf, torch::kBFloat16, dtype, "lowest_value",
                                  [&] { lowest = static_cast<double>(std::numeric_limits<scalar_t>::lowest()); });
  return lowest;
}

void check_batch_shape(const torch::Tensor &t, const char *what, int64_t batch_size, int64_t seq_len) {
  TORCH_CHECK(t.dim() == 2 && t.size(0) == batch_size && t.size(1) == seq_len, "causal_mask: ", what,
              " must be [", batch_size, ", ", seq_len, "], got ", t.sizes());
}

} // namespace

torch::Tensor document_ids(const torch::Tensor &position_ids) {
  torch::Tensor pos = position_ids.to(torch::kLong);
  // A token continues its document when its position is the previous one
  // plus one; the first token of a row always opens document 0.
  torch::Tensor step = pos.slice(1, 1) - pos.slice(1, 0, -1);
  torch::Tensor starts = torch::cat({torch::zeros_like(pos.slice(1, 0, 1)), (step != 1).to(torch::kLong)}, 1);
  return starts.cumsum(1);
}

torch::Tensor allowed_attention(int64_t batch_size, int64_t seq_len, const CausalMaskOptions &options,
                                const torch::Tensor &padding_mask, const torch::Tensor &position_ids,
                                torch::Device device) {
  auto long_opts = torch::TensorOptions().dtype(torch::kLong).device(device);
  torch::Tensor query = torch::arange(seq_len, long_opts).view({seq_len, 1});
  torch::Tensor key = torch::arange(seq_len, long_opts).view({1, seq_len});
  torch::Tensor allowed = (key <= query).unsqueeze(0).expand({batch_size, seq_len, seq_len});

  if (options.sliding_window()) {
    TORCH_CHECK(*options.sliding_window() > 0, "causal_mask: sliding_window must be positive");
    allowed = allowed.logical_and((query - key < *options.sliding_window()).unsqueeze(0));
  }
  if (padding_mask.defined()) {
    check_batch_shape(padding_mask, "padding_mask", batch_size, seq_len);
    // Padding hides keys only; a padded query still gets a (meaningless) row.
    allowed = allowed.logical_and((padding_mask.to(device) != 0).unsqueeze(1));
  }
  if (position_ids.defined()) {
    check_batch_shape(position_ids, "position_ids", batch_size, seq_len);
    torch::Tensor doc = document_ids(position_ids.to(device));
    allowed = allowed.logical_and(doc.unsqueeze(2) == doc.unsqueeze(1));
  }
  return allowed;
}

torch::Tensor causal_mask(int64_t batch_size, int64_t seq_len, const CausalMaskOptions &options,
                          const torch::Tensor &padding_mask, const torch::Tensor &position_ids,
                          torch::TensorOptions tensor_options) {
  torch::ScalarType dtype = c10::typeMetaToScalarType(tensor_options.dtype());
  torch::Tensor allowed =
      allowed_attention(batch_size, seq_len, options, padding_mask, position_ids, tensor_options.device());
  torch::Tensor mask = torch::zeros({batch_size, 1, seq_len, seq_len}, tensor_options);
  return mask.masked_fill(allowed.logical_not().unsqueeze(1), lowest_value(dtype));
}

torch::Tensor cached_causal_mask(int64_t batch_size, int64_t seq_len, int64_t past_len,
                                 const CausalMaskOptions &options, const torch::Tensor &padding_mask,
                                 torch::TensorOptions tensor_options) {
  TORCH_CHECK(past_len >= 0, "cached_causal_mask: negative past_len ", past_len);
  const int64_t key_len = past_len + seq_len;
  torch::ScalarType dtype = c10::typeMetaToScalarType(tensor_options.dtype());
  auto long_opts = torch::TensorOptions().dtype(torch::kLong).device(tensor_options.device());
  // Queries are numbered by absolute position, so that the rules are those
  // of causal_mask's rows past_len .. past_len + T - 1.
  torch::Tensor query = torch::arange(past_len, key_len, long_opts).view({seq_len, 1});
  torch::Tensor key = torch::arange(key_len, long_opts).view({1, key_len});
  torch::Tensor allowed = (key <= query).unsqueeze(0).expand({batch_size, seq_len, key_len});
  if (options.sliding_window()) {
    TORCH_CHECK(*options.sliding_window() > 0, "cached_causal_mask: sliding_window must be positive");
    allowed = allowed.logical_and((query - key < *options.sliding_window()).unsqueeze(0));
  }
  if (padding_mask.defined()) {
    check_batch_shape(padding_mask, "padding_mask", batch_size, key_len);
    allowed = allowed.logical_and((padding_mask.to(tensor_options.device()) != 0).unsqueeze(1));
  }
  torch::Tensor mask = torch::zeros({batch_size, 1, seq_len, key_len}, tensor_options);
  return mask.masked_fill(allowed.logical_not().unsqueeze(1), lowest_value(dtype));
}

} // namespace fgcc::nn
