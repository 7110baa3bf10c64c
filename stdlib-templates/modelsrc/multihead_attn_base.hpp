//===- multihead_attn_base.hpp - What the multi-head attentions share -*- C++ -*-===//
//
// CausalMultiheadAttn and CausalAlibiAttn are one grouped-query attention
// with different position handling (an additive mask, optional QK-norm and
// RoPE; ALiBi biases). The common part lives here once:
//
//   reset_projections()  checks the head counts and registers query_linear,
//                        key_linear, value_linear and output_linear
//   project_heads(x)     q, k, v = the projections of x, split into heads
//   attend(q, k, v, m)   output_linear(eager_attention(q, repeat_kv(k),
//                        repeat_kv(v), m)) with the scale 1/sqrt(d_head)
//   attend_heads_first   the same for keys and values from a KVCache
//
// as a base in LibTorch's style for module families (ConvNdImpl,
// NormImplBase): a template over the concrete Impl, for Cloneable, and over
// its options, which must have d_model, num_heads, num_kv_heads, bias and
// dropout. The options structs keep their own TORCH_ARGs (see
// transformer_layer_base.hpp for why).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "attention_interface.hpp"

#include <torch/torch.h>

#include <cmath>
#include <tuple>

namespace fgcc::nn::detail {

/// The projections and the attention kernel of a causal grouped-query
/// attention. `Derived` adds its constructor, reset() (which calls
/// reset_projections() first), pretty_print() and forward().
template <typename Derived, typename Options>
class MultiheadAttnImplBase : public torch::nn::Cloneable<Derived> {
public:
  Options options;
  torch::nn::Linear query_linear{nullptr};
  torch::nn::Linear key_linear{nullptr};
  torch::nn::Linear value_linear{nullptr};
  torch::nn::Linear output_linear{nullptr};

protected:
  /// `attn_name` ("CausalMultiheadAttn" ...) starts the error messages.
  /// Derived constructors call reset(), as every module of the library
  /// does, once the object is complete.
  MultiheadAttnImplBase(const Options &options_, const char *attn_name)
      : options(options_), attn_name_(attn_name) {}

  /// Checks that num_heads divides d_model and num_kv_heads (unset:
  /// num_heads) divides num_heads, and registers the four projections.
  /// They come before the derived module's own parameters and buffers, in
  /// the reference's order, which fixes state-dict order and the order in
  /// which the weight initialisers draw random numbers.
  void reset_projections() {
    const int64_t d_model = options.d_model(), heads = options.num_heads();
    TORCH_CHECK(heads > 0 && d_model % heads == 0, attn_name_, ": d_model ", d_model,
                " is not divisible by num_heads ", heads);
    d_head_ = d_model / heads;
    kv_heads_ = options.num_kv_heads().value_or(heads);
    TORCH_CHECK(kv_heads_ > 0 && heads % kv_heads_ == 0, attn_name_, ": num_heads ", heads,
                " is not divisible by num_kv_heads ", kv_heads_);

    auto linear = [&](int64_t in, int64_t out) {
      return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(options.bias()));
    };
    query_linear = this->register_module("query_linear", linear(d_model, heads * d_head_));
    key_linear = this->register_module("key_linear", linear(d_model, kv_heads_ * d_head_));
    value_linear = this->register_module("value_linear", linear(d_model, kv_heads_ * d_head_));
    output_linear = this->register_module("output_linear", linear(heads * d_head_, d_model));
  }

  /// `x` [B, T, d_model] -> q [B, T, H, D], k and v [B, T, Hkv, D]. Heads
  /// stay in dimension 2, where the QK-norm and RoPE work; attend()
  /// moves them.
  std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> project_heads(const torch::Tensor &x) {
    TORCH_CHECK(x.dim() == 3 && x.size(2) == options.d_model(), attn_name_, ": expected [B, T, ", options.d_model(),
                "], got ", x.sizes());
    const int64_t batch = x.size(0), seq_len = x.size(1);
    // A braced list is evaluated left to right: q, k, v, as before the
    // split (autograd numbers its nodes in creation order).
    return {query_linear(x).view({batch, seq_len, options.num_heads(), d_head_}),
            key_linear(x).view({batch, seq_len, kv_heads_, d_head_}),
            value_linear(x).view({batch, seq_len, kv_heads_, d_head_})};
  }

  /// Attention of `q` [B, T, H, D] over `k`, `v` [B, T, Hkv, D] with the
  /// additive `mask` (see eager_attention), through output_linear:
  /// [B, T, d_model].
  torch::Tensor attend(const torch::Tensor &q, const torch::Tensor &k, const torch::Tensor &v,
                       const torch::Tensor &mask) {
    return attend_heads_first(q, k.transpose(1, 2), v.transpose(1, 2), mask);
  }

  /// attend() with `k` and `v` already in [B, Hkv, Tk, D], the layout of a
  /// KVCache, where Tk (cached and new keys) may exceed q's T.
  torch::Tensor attend_heads_first(const torch::Tensor &q, const torch::Tensor &k, const torch::Tensor &v,
                                   const torch::Tensor &mask) {
    const int64_t batch = q.size(0), seq_len = q.size(1), heads = options.num_heads();
    const int64_t n_rep = heads / kv_heads_;
    torch::Tensor out = eager_attention(q.transpose(1, 2), repeat_kv(k, n_rep), repeat_kv(v, n_rep), mask,
                                        1.0 / std::sqrt(double(d_head_)), options.dropout(), this->is_training());
    return output_linear(out.reshape({batch, seq_len, heads * d_head_}));
  }

  // Lets an AnyModule holding this attention be called with `x` alone.
  FORWARD_HAS_DEFAULT_ARGS({1, torch::nn::AnyValue(torch::Tensor())}, {2, torch::nn::AnyValue(torch::Tensor())})

  /// d_model / num_heads, and the number of key/value heads; set by
  /// reset_projections().
  int64_t d_head_ = 0;
  int64_t kv_heads_ = 0;

private:
  const char *attn_name_;
};

} // namespace fgcc::nn::detail
