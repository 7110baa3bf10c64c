//===- single_head_alibi_attn.cpp - One-head attention with an ALiBi bias -===//
#include "single_head_alibi_attn.hpp"

#include "single_head_attn.hpp"

namespace fgcc::nn {

SingleHeadAlibiAttnOptions::SingleHeadAlibiAttnOptions(int64_t d_model) : d_model_(d_model) {}

SingleHeadAlibiAttnImpl::SingleHeadAlibiAttnImpl(const SingleHeadAlibiAttnOptions &options_) : options(options_) {
  reset();
}

void SingleHeadAlibiAttnImpl::reset() {
  // The reference's order: the two linears, then the slope. It fixes the
  // state-dict order and the order in which initialisers draw.
  query_key_linear = register_module("query_key_linear", detail::square_linear(options.d_model(), options.bias()));
  value_linear = register_module("value_linear", detail::square_linear(options.d_model(), options.bias()));
  alibi_slope = torch::Tensor();
  if (options.trainable_alibi())
    alibi_slope = register_parameter("alibi_slope", torch::full({1}, options.slope_init()));
}

void SingleHeadAlibiAttnImpl::reset_slope() {
  if (!alibi_slope.defined())
    return;
  torch::NoGradGuard no_grad;
  alibi_slope.fill_(options.slope_init());
}

void SingleHeadAlibiAttnImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::SingleHeadAlibiAttn(d_model=" << options.d_model()
         << ", bias=" << (options.bias() ? "true" : "false") << ", dropout=" << options.dropout()
         << ", slope_init=" << options.slope_init()
         << ", trainable_alibi=" << (options.trainable_alibi() ? "true" : "false") << ")";
}

torch::Tensor SingleHeadAlibiAttnImpl::alibi_bias(int64_t seq_len, torch::ScalarType dtype) const {
  auto opts = torch::TensorOptions().dtype(dtype).device(query_key_linear->weight.device());
  torch::Tensor distance =
      torch::arange(seq_len, opts).view({1, seq_len}) - torch::arange(seq_len, opts).view({seq_len, 1});
  // A trained slope keeps its gradient; a fixed one is a plain number.
  return alibi_slope.defined() ? distance * alibi_slope.to(dtype) : distance * options.slope_init();
}

torch::Tensor SingleHeadAlibiAttnImpl::forward(const torch::Tensor &x, const torch::Tensor & /*attn_mask*/,
                                               const torch::Tensor & /*position_ids*/) {
  torch::Tensor scores = detail::bilinear_scores(x, query_key_linear->weight, "SingleHeadAlibiAttn");
  scores = detail::mask_future(scores + alibi_bias(x.size(1), x.scalar_type()));
  torch::Tensor probs = torch::dropout(torch::softmax(scores, -1), options.dropout(), is_training());
  return torch::matmul(probs, value_linear(x));
}

} // namespace fgcc::nn
