//===- pre_ln_layer.hpp - Pre-norm transformer layer -----------*- C++ -*-===//
//
//   r = RD(x);  x = r + D(attention(norm1(x)))
//   r = RD(x);  x = r + D(feedforward(norm2(x)))
//
// D is the layer dropout on each block's output and RD the residual dropout
// on the residual stream. The norms sit inside the residual branches, so
// the stream itself is never normalised; a pre-LN model therefore ends with
// a final norm (LayerStack's post_norm_factory).
//
// The blocks come from factories, one call per layer, so that a config can
// describe the layer once and the stack can build it N times.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "transformer_layer_base.hpp"

#include <torch/torch.h>

#include <functional>

namespace fgcc::nn {

/// Options for `PreLNLayer`.
struct PreLNLayerOptions {
  PreLNLayerOptions(std::function<torch::nn::AnyModule()> feedforward_factory,
                    std::function<torch::nn::AnyModule()> attention_factory,
                    std::function<torch::nn::AnyModule()> norm_factory);

  /// Builds the feedforward block: a module with forward(x).
  TORCH_ARG(std::function<torch::nn::AnyModule()>, feedforward_factory);
  /// Builds the attention block: a module with
  /// forward(x, attn_mask, position_ids).
  TORCH_ARG(std::function<torch::nn::AnyModule()>, attention_factory);
  /// Builds each of the two norms (LayerNorm, RMSNorm ...).
  TORCH_ARG(std::function<torch::nn::AnyModule()>, norm_factory);
  /// Dropout on the output of each block, in training only (the config's
  /// layer_dropout).
  TORCH_ARG(double, dropout) = 0.1;
  /// Dropout on the residual stream before each block, in training only.
  TORCH_ARG(double, residual_dropout) = 0.0;
};

/// Transformer layer with the norms before attention and feedforward.
class PreLNLayerImpl : public detail::TransformerLayerImplBase<PreLNLayerImpl, PreLNLayerOptions> {
public:
  explicit PreLNLayerImpl(const PreLNLayerOptions &options_);

  /// `x` [B, T, d_model] -> [B, T, d_model]; `attn_mask` and
  /// `position_ids` are handed to the attention block.
  torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &attn_mask = {},
                        const torch::Tensor &position_ids = {});

protected:
  torch::Tensor combine(const torch::Tensor &x, const AttentionStep &attention_step) override;
};

TORCH_MODULE(PreLNLayer);

} // namespace fgcc::nn
