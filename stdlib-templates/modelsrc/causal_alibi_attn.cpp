//===- causal_alibi_attn.cpp - Causal attention with ALiBi biases ---------===//
#include "causal_alibi_attn.hpp"

#include <limits>

namespace fgcc::nn {

torch::Tensor initial_alibi_slopes(int64_t num_heads, bool alt_alibi_init) {
  // Exponents spread evenly over [0, 7] from the first head to the last; a
  // single head gets exponent 0.
  torch::Tensor h = torch::arange(num_heads, torch::kFloat);
  torch::Tensor exponent = num_heads > 1 ? h * (7.0 / double(num_heads - 1)) : torch::zeros_like(h);
  if (!alt_alibi_init)
    return torch::pow(2.0, -exponent);
  torch::Tensor slopes = torch::pow(2.0, -(1.0 + exponent));
  slopes.slice(0, num_heads / 2).zero_();
  return slopes;
}

CausalAlibiAttnOptions::CausalAlibiAttnOptions(int64_t d_model, int64_t num_heads)
    : d_model_(d_model), num_heads_(num_heads) {}

CausalAlibiAttnImpl::CausalAlibiAttnImpl(const CausalAlibiAttnOptions &options_)
    : MultiheadAttnImplBase(options_, "CausalAlibiAttn") {
  reset();
}

void CausalAlibiAttnImpl::reset() {
  reset_projections();
  torch::Tensor slopes = initial_alibi_slopes(options.num_heads(), options.alt_alibi_init());
  alibi_slopes = options.trainable_alibi() ? register_parameter("alibi_slopes", slopes)
                                           : register_buffer("alibi_slopes", slopes);
}

void CausalAlibiAttnImpl::reset_slopes() {
  torch::NoGradGuard no_grad;
  alibi_slopes.copy_(initial_alibi_slopes(options.num_heads(), options.alt_alibi_init()));
}

void CausalAlibiAttnImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::CausalAlibiAttn(d_model=" << options.d_model() << ", num_heads=" << options.num_heads()
         << ", num_kv_heads=" << kv_heads_ << ", bias=" << (options.bias() ? "true" : "false")
         << ", trainable_alibi=" << (options.trainable_alibi() ? "true" : "false")
         << ", alt_alibi_init=" << (options.alt_alibi_init() ? "true" : "false") << ")";
}

torch::Tensor CausalAlibiAttnImpl::alibi_bias(int64_t seq_len) const {
  auto opts = torch::TensorOptions().dtype(alibi_slopes.scalar_type()).device(alibi_slopes.device());
  torch::Tensor i = torch::arange(seq_len, opts).view({seq_len, 1});
  torch::Tensor j = torch::arange(seq_len, opts).view({1, seq_len});
  // The causal -inf goes in after the product: a zero slope times -inf
  // would be NaN.
  torch::Tensor bias = alibi_slopes.view({-1, 1, 1}) * (j - i);
  return bias.masked_fill((j > i).unsqueeze(0), -std::numeric_limits<double>::infinity());
}

torch::Tensor CausalAlibiAttnImpl::forward(const torch::Tensor &x, const torch::Tensor & /*attn_mask*/,
                                           const torch::Tensor & /*position_ids*/) {
  auto [q, k, v] = project_heads(x);
  return attend(q, k, v, alibi_bias(x.size(1)).unsqueeze(0).to(x.scalar_type()));
}

} // namespace fgcc::nn
