//===- post_ln_layer.hpp - Post-norm transformer layer ---------*- C++ -*-===//
//
//   r = RD(x);  x = norm1(r + D(attention(x)))
//   r = RD(x);  x = norm2(r + D(feedforward(x)))
//
// The original transformer's layer: the norms sit on the residual stream
// after each sum. D is the layer dropout on each block's output and RD the
// residual dropout on the residual stream. The vanilla causal_lm preset uses
// it with LayerNorm.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "transformer_layer_base.hpp"

#include <torch/torch.h>

#include <functional>

namespace fgcc::nn {

/// Options for `PostLNLayer`.
struct PostLNLayerOptions {
  PostLNLayerOptions(std::function<torch::nn::AnyModule()> feedforward_factory,
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

/// Transformer layer with the norms after each residual sum.
class PostLNLayerImpl : public detail::TransformerLayerImplBase<PostLNLayerImpl, PostLNLayerOptions> {
public:
  explicit PostLNLayerImpl(const PostLNLayerOptions &options_);

  /// `x` [B, T, d_model] -> [B, T, d_model]; `attn_mask` and
  /// `position_ids` are handed to the attention block.
  torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &attn_mask = {},
                        const torch::Tensor &position_ids = {});

protected:
  torch::Tensor combine(const torch::Tensor &x, const AttentionStep &attention_step) override;
};

TORCH_MODULE(PostLNLayer);

} // namespace fgcc::nn
