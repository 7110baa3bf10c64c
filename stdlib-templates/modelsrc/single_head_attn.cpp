//===- single_head_attn.cpp - One-head attention with a merged QK matrix --===//
#include "single_head_attn.hpp"

#include <cmath>
#include <limits>

namespace fgcc::nn {

SingleHeadAttnOptions::SingleHeadAttnOptions(int64_t d_model) : d_model_(d_model) {}

SingleHeadAttnImpl::SingleHeadAttnImpl(const SingleHeadAttnOptions &options_) : options(options_) { reset(); }

void SingleHeadAttnImpl::reset() {
  const int64_t d = options.d_model();
  query_key_linear =
      register_module("query_key_linear", torch::nn::Linear(torch::nn::LinearOptions(d, d).bias(options.bias())));
  value_linear = register_module("value_linear", torch::nn::Linear(torch::nn::LinearOptions(d, d).bias(options.bias())));
}

void SingleHeadAttnImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::SingleHeadAttn(d_model=" << options.d_model() << ", bias=" << (options.bias() ? "true" : "false")
         << ", dropout=" << options.dropout() << ")";
}

torch::Tensor SingleHeadAttnImpl::forward(const torch::Tensor &x, const torch::Tensor & /*attn_mask*/,
                                          const torch::Tensor & /*position_ids*/) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == options.d_model(), "SingleHeadAttn: expected [B, T, ", options.d_model(),
              "], got ", x.sizes());
  const int64_t seq_len = x.size(1);
  torch::Tensor scores = torch::matmul(torch::matmul(x, query_key_linear->weight), x.transpose(1, 2)) /
                         std::sqrt(static_cast<double>(options.d_model()));
  torch::Tensor future = torch::ones({seq_len, seq_len}, x.options().dtype(torch::kBool)).triu(1);
  scores = scores.masked_fill(future, -std::numeric_limits<double>::infinity());
  torch::Tensor probs = torch::softmax(scores, -1).clamp_min(1e-10);
  probs = torch::dropout(probs, options.dropout(), is_training());
  return torch::matmul(probs, value_linear(x));
}

} // namespace fgcc::nn
