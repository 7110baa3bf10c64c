//===- single_head_attn.cpp - One-head attention with a merged QK matrix --===//
#include "single_head_attn.hpp"

#include <cmath>
#include <limits>

namespace fgcc::nn {

namespace detail {

torch::nn::Linear square_linear(int64_t d_model, bool bias) {
  return torch::nn::Linear(torch::nn::LinearOptions(d_model, d_model).bias(bias));
}

torch::Tensor bilinear_scores(const torch::Tensor &x, const torch::Tensor &query_key_weight, const char *attn_name) {
  const int64_t d_model = query_key_weight.size(0);
  TORCH_CHECK(x.dim() == 3 && x.size(2) == d_model, attn_name, ": expected [B, T, ", d_model, "], got ", x.sizes());
  return torch::matmul(torch::matmul(x, query_key_weight), x.transpose(1, 2)) / std::sqrt(static_cast<double>(d_model));
}

torch::Tensor mask_future(const torch::Tensor &scores) {
  const int64_t seq_len = scores.size(-1);
  torch::Tensor future = torch::ones({seq_len, seq_len}, scores.options().dtype(torch::kBool)).triu(1);
  return scores.masked_fill(future, -std::numeric_limits<double>::infinity());
}

} // namespace detail

SingleHeadAttnOptions::SingleHeadAttnOptions(int64_t d_model) : d_model_(d_model) {}

SingleHeadAttnImpl::SingleHeadAttnImpl(const SingleHeadAttnOptions &options_) : options(options_) { reset(); }

void SingleHeadAttnImpl::reset() {
  query_key_linear = register_module("query_key_linear", detail::square_linear(options.d_model(), options.bias()));
  value_linear = register_module("value_linear", detail::square_linear(options.d_model(), options.bias()));
}

void SingleHeadAttnImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::SingleHeadAttn(d_model=" << options.d_model() << ", bias=" << (options.bias() ? "true" : "false")
         << ", dropout=" << options.dropout() << ")";
}

torch::Tensor SingleHeadAttnImpl::forward(const torch::Tensor &x, const torch::Tensor & /*attn_mask*/,
                                          const torch::Tensor & /*position_ids*/) {
  torch::Tensor scores = detail::mask_future(detail::bilinear_scores(x, query_key_linear->weight, "SingleHeadAttn"));
  torch::Tensor probs = torch::softmax(scores, -1).clamp_min(1e-10);
  probs = torch::dropout(probs, options.dropout(), is_training());
  return torch::matmul(probs, value_linear(x));
}

} // namespace fgcc::nn
