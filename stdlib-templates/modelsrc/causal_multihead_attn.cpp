//===- causal_multihead_attn.cpp - Causal multi-head attention ------------===//
#include "causal_multihead_attn.hpp"

#include "attention_interface.hpp"
#include "causal_mask.hpp"

#include <cmath>

namespace fgcc::nn {

CausalMultiheadAttnOptions::CausalMultiheadAttnOptions(int64_t d_model, int64_t num_heads)
    : d_model_(d_model), num_heads_(num_heads) {}

CausalMultiheadAttnImpl::CausalMultiheadAttnImpl(const CausalMultiheadAttnOptions &options_) : options(options_) {
  reset();
}

void CausalMultiheadAttnImpl::reset() {
  const int64_t d_model = options.d_model(), heads = options.num_heads();
  TORCH_CHECK(heads > 0 && d_model % heads == 0, "CausalMultiheadAttn: d_model ", d_model,
              " is not divisible by num_heads ", heads);
  d_head_ = d_model / heads;
  kv_heads_ = options.num_kv_heads().value_or(heads);
  TORCH_CHECK(kv_heads_ > 0 && heads % kv_heads_ == 0, "CausalMultiheadAttn: num_heads ", heads,
              " is not divisible by num_kv_heads ", kv_heads_);

  auto linear = [&](int64_t in, int64_t out) {
    return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(options.bias()));
  };
  query_linear = register_module("query_linear", linear(d_model, heads * d_head_));
  key_linear = register_module("key_linear", linear(d_model, kv_heads_ * d_head_));
  value_linear = register_module("value_linear", linear(d_model, kv_heads_ * d_head_));
  output_linear = register_module("output_linear", linear(heads * d_head_, d_model));

  q_norm = k_norm = torch::nn::AnyModule();
  if (options.qk_norm_factory()) {
    q_norm = options.qk_norm_factory()(d_head_);
    k_norm = options.qk_norm_factory()(d_head_);
    register_module("q_norm", q_norm.ptr());
    register_module("k_norm", k_norm.ptr());
  }
  // options.pos_encoder() is deliberately not registered: it is shared by
  // all layers and holds no state to save or train.
}

void CausalMultiheadAttnImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::CausalMultiheadAttn(d_model=" << options.d_model() << ", num_heads=" << options.num_heads()
         << ", num_kv_heads=" << kv_heads_ << ", bias=" << (options.bias() ? "true" : "false")
         << ", dropout=" << options.dropout() << ", rope=" << (options.pos_encoder() ? "true" : "false") << ")";
}

torch::Tensor CausalMultiheadAttnImpl::forward(const torch::Tensor &x, const torch::Tensor &attn_mask,
                                               const torch::Tensor &position_ids) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == options.d_model(), "CausalMultiheadAttn: expected [B, T, ",
              options.d_model(), "], got ", x.sizes());
  const int64_t batch = x.size(0), seq_len = x.size(1), heads = options.num_heads();

  // Heads stay in dimension 2 until after the QK-norm and RoPE, which both
  // work on [B, T, H, D].
  torch::Tensor q = query_linear(x).view({batch, seq_len, heads, d_head_});
  torch::Tensor k = key_linear(x).view({batch, seq_len, kv_heads_, d_head_});
  torch::Tensor v = value_linear(x).view({batch, seq_len, kv_heads_, d_head_});
  if (!q_norm.is_empty()) {
    q = q_norm.forward(q);
    k = k_norm.forward(k);
  }
  if (!options.pos_encoder().is_empty())
    std::tie(q, k) = options.pos_encoder()->forward(q, k, position_ids);

  torch::Tensor mask = attn_mask.defined()
                           ? attn_mask
                           : causal_mask(batch, seq_len, {}, {}, {}, x.options().dtype(x.scalar_type()));
  const int64_t n_rep = heads / kv_heads_;
  torch::Tensor out = eager_attention(q.transpose(1, 2), repeat_kv(k.transpose(1, 2), n_rep),
                                      repeat_kv(v.transpose(1, 2), n_rep), mask, 1.0 / std::sqrt(double(d_head_)),
                                      options.dropout(), is_training());
  return output_linear(out.reshape({batch, seq_len, heads * d_head_}));
}

} // namespace fgcc::nn
