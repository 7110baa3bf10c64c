//===- causal_alibi_attn.cpp - Causal attention with ALiBi biases ---------===//
#include "causal_alibi_attn.hpp"

#include "attention_interface.hpp"

#include <cmath>
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

CausalAlibiAttnImpl::CausalAlibiAttnImpl(const CausalAlibiAttnOptions &options_) : options(options_) { reset(); }

void CausalAlibiAttnImpl::reset() {
  const int64_t d_model = options.d_model(), heads = options.num_heads();
  TORCH_CHECK(heads > 0 && d_model % heads == 0, "CausalAlibiAttn: d_model ", d_model,
              " is not divisible by num_heads ", heads);
  d_head_ = d_model / heads;
  kv_heads_ = options.num_kv_heads().value_or(heads);
  TORCH_CHECK(kv_heads_ > 0 && heads % kv_heads_ == 0, "CausalAlibiAttn: num_heads ", heads,
              " is not divisible by num_kv_heads ", kv_heads_);

  auto linear = [&](int64_t in, int64_t out) {
    return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(options.bias()));
  };
  query_linear = register_module("query_linear", linear(d_model, heads * d_head_));
  key_linear = register_module("key_linear", linear(d_model, kv_heads_ * d_head_));
  value_linear = register_module("value_linear", linear(d_model, kv_heads_ * d_head_));
  output_linear = register_module("output_linear", linear(heads * d_head_, d_model));

  torch::Tensor slopes = initial_alibi_slopes(heads, options.alt_alibi_init());
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
  TORCH_CHECK(x.dim() == 3 && x.size(2) == options.d_model(), "CausalAlibiAttn: expected [B, T, ", options.d_model(),
              "], got ", x.sizes());
  const int64_t batch = x.size(0), seq_len = x.size(1), heads = options.num_heads();
  torch::Tensor q = query_linear(x).view({batch, seq_len, heads, d_head_}).transpose(1, 2);
  torch::Tensor k = key_linear(x).view({batch, seq_len, kv_heads_, d_head_}).transpose(1, 2);
  torch::Tensor v = value_linear(x).view({batch, seq_len, kv_heads_, d_head_}).transpose(1, 2);
  const int64_t n_rep = heads / kv_heads_;
  torch::Tensor bias = alibi_bias(seq_len).unsqueeze(0).to(x.scalar_type());
  torch::Tensor out = eager_attention(q, repeat_kv(k, n_rep), repeat_kv(v, n_rep), bias,
                                      1.0 / std::sqrt(double(d_head_)), options.dropout(), is_training());
  return output_linear(out.reshape({batch, seq_len, heads * d_head_}));
}

} // namespace fgcc::nn
