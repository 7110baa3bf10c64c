//===- single_head_alibi_attn.hpp - One-head attention with an ALiBi bias -*- C++ -*-===//
//
// SingleHeadAttn with attention with linear biases (ALiBi) for positions,
// as the reference's SingleHeadAlibiAttn:
//
//   scores = x W_qk x^T / sqrt(d_model) + slope * (j - i)
//   probs  = softmax(causal(scores))      -inf for keys j after query i
//   out    = dropout(probs) value_linear(x)
//
// One scalar slope (0.5 by default) penalises a key by its distance to the
// query. With trainable_alibi (the default, as in the reference) the slope
// is a parameter `alibi_slope` of shape [1], started at slope_init; without
// it the slope is the constant slope_init and the module has no state for
// it (the reference keeps a plain float). Unlike SingleHeadAttn, the
// probabilities are not clamped. Position ids and any external mask are
// ignored: only causal masking is supported, and there is no KV cache.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

namespace fgcc::nn {

/// Options for `SingleHeadAlibiAttn`.
struct SingleHeadAlibiAttnOptions {
  /* implicit */ SingleHeadAlibiAttnOptions(int64_t d_model);

  /// Model width (the width of the single head).
  TORCH_ARG(int64_t, d_model);
  /// Whether the two linear layers have biases (the QK bias is unused).
  TORCH_ARG(bool, bias) = false;
  /// Dropout on the attention probabilities, in training only.
  TORCH_ARG(double, dropout) = 0.0;
  /// The slope of the distance penalty, or its initial value when trained.
  TORCH_ARG(double, slope_init) = 0.5;
  /// Learn the slope (a parameter `alibi_slope`) instead of keeping it fixed.
  TORCH_ARG(bool, trainable_alibi) = true;
};

/// Causal single-head self-attention with a linear distance penalty.
class SingleHeadAlibiAttnImpl : public torch::nn::Cloneable<SingleHeadAlibiAttnImpl> {
public:
  /// Builds the two linears and, with trainable_alibi, the slope.
  explicit SingleHeadAlibiAttnImpl(const SingleHeadAlibiAttnOptions &options_);

  /// (Re)registers query_key_linear, value_linear and alibi_slope.
  void reset() override;
  /// Sets a trainable slope back to slope_init.
  void reset_slope();
  /// Writes the options, as LibTorch's modules do.
  void pretty_print(std::ostream &stream) const override;

  /// `x` [B, T, d_model] -> [B, T, d_model]. `attn_mask` and
  /// `position_ids` are accepted for interface compatibility and ignored.
  torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &attn_mask = {},
                        const torch::Tensor &position_ids = {});

  /// The bias [T, T] added to the scores, slope * (j - i), in `dtype`
  /// (before the causal mask, so positive above the diagonal).
  torch::Tensor alibi_bias(int64_t seq_len, torch::ScalarType dtype) const;

  /// The options the attention was built with.
  SingleHeadAlibiAttnOptions options;
  /// W_qk of the scores (its bias, if any, is unused).
  torch::nn::Linear query_key_linear{nullptr};
  /// The values' projection.
  torch::nn::Linear value_linear{nullptr};
  /// The trained slope [1]; undefined without trainable_alibi.
  torch::Tensor alibi_slope;

protected:
  FORWARD_HAS_DEFAULT_ARGS({1, torch::nn::AnyValue(torch::Tensor())}, {2, torch::nn::AnyValue(torch::Tensor())})
};

TORCH_MODULE(SingleHeadAlibiAttn);

} // namespace fgcc::nn
