//===- chunked_causal_loss.cpp - Next-token cross-entropy by vocabulary chunks -===//
#include "chunked_causal_loss.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace fgcc::nn {

namespace {

/// Rejects a chunk size that would never advance through the vocabulary.
void check_chunk_size(int64_t chunk_size, const char *who) {
  if (chunk_size < 1)
    throw std::runtime_error(std::string(who) + ": chunk_size must be positive, got " + std::to_string(chunk_size));
}

/// Calls `visit(begin, end)` for the column ranges [begin, end) of a
/// vocabulary of `vocab` columns cut into chunks of `chunk_size`.
template <typename Visit> void for_each_chunk(int64_t vocab, int64_t chunk_size, Visit visit) {
  for (int64_t begin = 0; begin < vocab; begin += chunk_size)
    visit(begin, std::min(vocab, begin + chunk_size));
}

/// The columns [begin, end) of `predictions` [B, T', V], in `dtype`: one
/// chunk upcast at a time, never the whole tensor.
torch::Tensor chunk_of(const torch::Tensor &predictions, int64_t begin, int64_t end, torch::ScalarType dtype) {
  return predictions.slice(2, begin, end).to(dtype);
}

/// The log-sum-exp over the last dimension of `predictions` [B, T', V], in
/// two passes over the chunks: the row maxima first, then the sums of
/// exp(x - max).
torch::Tensor chunked_logsumexp(const torch::Tensor &predictions, int64_t chunk_size, torch::ScalarType dtype) {
  const int64_t vocab = predictions.size(2);
  auto options = predictions.options().dtype(dtype);
  torch::Tensor row_max =
      torch::full({predictions.size(0), predictions.size(1)}, -std::numeric_limits<double>::infinity(), options);
  for_each_chunk(vocab, chunk_size, [&](int64_t begin, int64_t end) {
    row_max = torch::maximum(row_max, std::get<0>(chunk_of(predictions, begin, end, dtype).max(2)));
  });
  torch::Tensor sum = torch::zeros_like(row_max);
  for_each_chunk(vocab, chunk_size, [&](int64_t begin, int64_t end) {
    sum += torch::exp(chunk_of(predictions, begin, end, dtype) - row_max.unsqueeze(2)).sum(2);
  });
  return row_max + torch::log(sum);
}

/// The cross-entropy with the chunked forward and backward. It takes the
/// whole logits and shifts by views inside, so that its backward returns
/// the gradient of the logits directly (autograd's backward of a slice
/// would allocate another tensor of their size). Its forward runs without
/// autograd (inside a Function), so no per-chunk softmax is kept.
class ChunkedCausalCrossEntropy : public torch::autograd::Function<ChunkedCausalCrossEntropy> {
public:
  static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &logits,
                               const torch::Tensor &labels, int64_t chunk_size, int64_t ignore_index) {
    const torch::ScalarType dtype = torch::promote_types(logits.scalar_type(), torch::kFloat);
    torch::Tensor predictions = logits.slice(1, 0, -1);
    torch::Tensor targets = labels.slice(1, 1).to(torch::kLong);
    torch::Tensor lse = chunked_logsumexp(predictions, chunk_size, dtype);
    torch::Tensor kept = targets != ignore_index;
    // Ignored positions gather column 0 and are then zeroed by `kept`.
    torch::Tensor safe_targets = targets.masked_fill(~kept, 0);
    torch::Tensor target_logits = predictions.gather(2, safe_targets.unsqueeze(2)).squeeze(2).to(dtype);
    torch::Tensor count = kept.sum().to(dtype);
    ctx->save_for_backward({logits, safe_targets, kept, lse, count});
    ctx->saved_data["chunk_size"] = chunk_size;
    // 0 / 0 = NaN when every label is ignored, as F::cross_entropy gives.
    return ((lse - target_logits) * kept).sum() / count;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &logits = saved[0], &safe_targets = saved[1], &kept = saved[2], &lse = saved[3];
    const torch::Tensor &count = saved[4];
    const int64_t chunk_size = ctx->saved_data["chunk_size"].toInt();
    // Each kept position's softmax minus its one-hot target, scaled by the
    // incoming gradient over the number of kept positions; ignored ones get
    // 0 (also when none is kept, where the scale would be 0 / 0).
    torch::Tensor scale = torch::where(kept, grad_outputs[0] / count, torch::zeros_like(lse)).unsqueeze(2);
    torch::Tensor grad = torch::zeros_like(logits);
    torch::Tensor predictions = logits.slice(1, 0, -1), grad_predictions = grad.slice(1, 0, -1);
    torch::Tensor targets = safe_targets.unsqueeze(2);
    for_each_chunk(logits.size(2), chunk_size, [&](int64_t begin, int64_t end) {
      torch::Tensor chunk_grad = torch::exp(chunk_of(predictions, begin, end, lse.scalar_type()) - lse.unsqueeze(2));
      chunk_grad.mul_(scale);
      // The one-hot part, for the targets in this chunk, before rounding to
      // the logits' dtype: one rounding per element, as in the plain loss.
      torch::Tensor in_chunk = (targets >= begin) & (targets < end);
      chunk_grad.scatter_add_(2, (targets - begin).clamp(0, end - begin - 1), -scale * in_chunk);
      grad_predictions.slice(2, begin, end).copy_(chunk_grad);
    });
    return {grad, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

} // namespace

torch::Tensor chunked_causal_cross_entropy(const torch::Tensor &logits, const torch::Tensor &labels, int64_t chunk_size,
                                           int64_t ignore_index) {
  check_chunk_size(chunk_size, "chunked_causal_cross_entropy");
  TORCH_CHECK(
      logits.dim() == 3 && labels.dim() == 2 && logits.size(0) == labels.size(0) && logits.size(1) == labels.size(1),
      "ChunkedCausalLoss: expected logits [B, T, V] and labels [B, T], got ", logits.sizes(), " and ", labels.sizes());
  TORCH_CHECK(logits.is_floating_point(), "ChunkedCausalLoss: logits must be floating point, got ",
              logits.scalar_type());
  return ChunkedCausalCrossEntropy::apply(logits, labels, chunk_size, ignore_index);
}

ChunkedCausalLossImpl::ChunkedCausalLossImpl(const ChunkedCausalLossOptions &options_) : options(options_) { reset(); }

void ChunkedCausalLossImpl::reset() { check_chunk_size(options.chunk_size(), "ChunkedCausalLoss"); }

void ChunkedCausalLossImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::ChunkedCausalLoss(chunk_size=" << options.chunk_size()
         << ", ignore_index=" << options.ignore_index() << ")";
}

torch::Tensor ChunkedCausalLossImpl::forward(const torch::Tensor &logits, const torch::Tensor &labels) {
  return chunked_causal_cross_entropy(logits, labels, options.chunk_size(), options.ignore_index());
}

} // namespace fgcc::nn
