//===- causal_alibi_attn.hpp - Causal attention with ALiBi biases -*- C++ -*-===//
//
// Attention with linear biases (ALiBi) instead of position embeddings: head
// h adds slope_h * (j - i) to the score of query i for key j (a penalty that
// grows with distance), and -inf for keys after the query.
//
// Slopes follow the reference, not the paper's 2^(-8(h+1)/H):
//
//   default         slope_h = 2^(-7h/(H-1))         1 for head 0, 1/128 last
//   alt_alibi_init  slope_h = 2^-(1 + 7h/(H-1)), and heads h >= H/2 get 0
//                   (position-agnostic heads)
//
// With trainable_alibi the slopes are a parameter `alibi_slopes` (deepone
// sets both flags); otherwise a buffer of that name. Position ids and any
// external mask are ignored: only causal masking is supported.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "multihead_attn_base.hpp"

#include <torch/torch.h>

namespace fgcc::nn {

/// Options for `CausalAlibiAttn`.
struct CausalAlibiAttnOptions {
  CausalAlibiAttnOptions(int64_t d_model, int64_t num_heads);

  /// Model width; each head has d_model / num_heads features.
  TORCH_ARG(int64_t, d_model);
  /// Number of query heads (and of slopes).
  TORCH_ARG(int64_t, num_heads);
  /// Number of key/value heads for grouped-query attention; it must divide
  /// num_heads. Unset means num_heads.
  TORCH_ARG(c10::optional<int64_t>, num_kv_heads) = c10::nullopt;
  /// Whether the four projections have biases (deepone sets false).
  TORCH_ARG(bool, bias) = true;
  /// Dropout on the attention probabilities, in training only.
  TORCH_ARG(double, dropout) = 0.0;
  /// Learn the slopes (a parameter) instead of keeping them fixed (a buffer).
  TORCH_ARG(bool, trainable_alibi) = false;
  /// Use the alternative slopes: halved, with the upper half of the heads
  /// at zero.
  TORCH_ARG(bool, alt_alibi_init) = false;
};

/// Causal self-attention with per-head linear distance penalties.
class CausalAlibiAttnImpl : public detail::MultiheadAttnImplBase<CausalAlibiAttnImpl, CausalAlibiAttnOptions> {
public:
  explicit CausalAlibiAttnImpl(const CausalAlibiAttnOptions &options_);

  void reset() override;
  /// Sets the slopes back to their initial values.
  void reset_slopes();
  void pretty_print(std::ostream &stream) const override;

  /// `x` [B, T, d_model] -> [B, T, d_model]. `attn_mask` and
  /// `position_ids` are accepted for interface compatibility and ignored.
  torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &attn_mask = {},
                        const torch::Tensor &position_ids = {});

  /// The bias [H, T, T] added to the scores: slope_h * (j - i) for j <= i,
  /// -inf above the diagonal.
  torch::Tensor alibi_bias(int64_t seq_len) const;

  /// One slope per head [H]; a parameter or a buffer (see trainable_alibi).
  torch::Tensor alibi_slopes;
};

TORCH_MODULE(CausalAlibiAttn);

/// The initial slopes [num_heads] (see the file comment).
torch::Tensor initial_alibi_slopes(int64_t num_heads, bool alt_alibi_init);

} // namespace fgcc::nn
