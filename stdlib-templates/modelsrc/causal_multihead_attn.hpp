//===- causal_multihead_attn.hpp - Causal multi-head attention -*- C++ -*-===//
//
// The attention of every preset but deepone:
//
//   q, k, v = query_linear(x), key_linear(x), value_linear(x)   [B, T, H*, D]
//   q, k    = q_norm(q), k_norm(k)           optional, per head (qwen3)
//   q, k    = pos_encoder(q, k, position_ids)  optional (RoPE)
//   out     = output_linear(eager_attention(q, repeat_kv(k), repeat_kv(v)))
//
// Grouped-query attention uses fewer key/value heads than query heads
// (num_kv_heads divides num_heads); each group of query heads shares one.
// The scale is 1/sqrt(d_head) and the output projection has no activation.
//
// With a KVCache (forward_cached), the keys and values of the new tokens,
// rotated at their absolute positions, are appended to the cache, and the
// new queries attend to everything in it: the key of a token, once rotated,
// never changes, which is what makes the cache exact with RoPE.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "kv_cache.hpp"
#include "multihead_attn_base.hpp"
#include "rotary_embeddings.hpp"

#include <torch/torch.h>

#include <functional>

namespace fgcc::nn {

/// Options for `CausalMultiheadAttn`.
struct CausalMultiheadAttnOptions {
  CausalMultiheadAttnOptions(int64_t d_model, int64_t num_heads);

  /// Model width; each head has d_model / num_heads features.
  TORCH_ARG(int64_t, d_model);
  /// Number of query heads.
  TORCH_ARG(int64_t, num_heads);
  /// Number of key/value heads for grouped-query attention; it must divide
  /// num_heads. Unset means num_heads (plain multi-head attention).
  TORCH_ARG(c10::optional<int64_t>, num_kv_heads) = c10::nullopt;
  /// Whether the four projections have biases.
  TORCH_ARG(bool, bias) = false;
  /// Dropout on the attention probabilities, in training only
  /// (the config's attention_dropout).
  TORCH_ARG(double, dropout) = 0.0;
  /// Builds the per-head norm of queries and keys (qwen3's QK-norm), called
  /// once for each with the head width, e.g. an RMSNorm partial. Unset: no
  /// QK-norm.
  TORCH_ARG(std::function<torch::nn::AnyModule(int64_t)>, qk_norm_factory) = nullptr;
  /// Relative position encoder applied to queries and keys after the
  /// QK-norm, shared by all layers (not a submodule). Empty: none.
  TORCH_ARG(RotaryPE, pos_encoder) = nullptr;
};

/// Causal multi-head (or grouped-query) self-attention with optional
/// QK-norm and rotary embeddings.
class CausalMultiheadAttnImpl
    : public detail::MultiheadAttnImplBase<CausalMultiheadAttnImpl, CausalMultiheadAttnOptions>,
      public detail::CachedForward {
public:
  explicit CausalMultiheadAttnImpl(const CausalMultiheadAttnOptions &options_);

  void reset() override;
  void pretty_print(std::ostream &stream) const override;

  /// `x` [B, T, d_model] -> [B, T, d_model]. `attn_mask` is an additive
  /// mask broadcastable to [B, H, T, T] (see causal_mask.hpp); undefined
  /// means a plain causal mask. `position_ids` [B, T] goes to pos_encoder.
  torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &attn_mask = {},
                        const torch::Tensor &position_ids = {});

  /// forward() for the tokens after those in `cache` at `layer` (see
  /// detail::CachedForward): RoPE rotates at `position_ids`, by default
  /// the absolute positions past + 0 .. past + T-1; undefined `attn_mask`
  /// lets each new query attend to every cached key and to the new keys up
  /// to its own.
  torch::Tensor forward_cached(const torch::Tensor &x, const torch::Tensor &attn_mask,
                               const torch::Tensor &position_ids, KVCache &cache, int64_t layer) override;

  /// The QK-norms; empty without a qk_norm_factory.
  torch::nn::AnyModule q_norm;
  torch::nn::AnyModule k_norm;
};

TORCH_MODULE(CausalMultiheadAttn);

} // namespace fgcc::nn
