//===- deepnet.hpp - DeepNorm transformer layer ----------------*- C++ -*-===//
//
// DeepNet (arXiv 2203.00555) trains very deep post-LN transformers by
// up-weighting the residual and down-scaling some initial weights:
//
//   r = RD(x);  x = norm1(alpha * r + D(attention(x)))
//   r = RD(x);  x = norm2(alpha * r + D(feedforward(x)))
//
// alpha comes from deepnet_alpha() and the matching init gain beta (for the
// feedforward, value and output projections, see deepnet_weight_init in
// init_weights.hpp) from deepnet_beta(). The deepone preset uses this layer
// with RMSNorm, ALiBi attention and a ReGLU feedforward.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "transformer_layer_base.hpp"

#include <torch/torch.h>

#include <functional>

namespace fgcc::nn {

/// The residual multiplier alpha for a model with `encoder_layers` encoder
/// and `decoder_layers` decoder layers. A single stack of N layers (either
/// count zero) gets (2N)^(1/4); an encoder-decoder's decoder gets
/// (3M)^(1/4) (use deepnet_encoder_alpha for its encoder).
double deepnet_alpha(int64_t encoder_layers, int64_t decoder_layers);
/// The init gain beta matching deepnet_alpha: (8N)^(-1/4) for a single
/// stack, (12M)^(-1/4) for an encoder-decoder's decoder.
double deepnet_beta(int64_t encoder_layers, int64_t decoder_layers);
/// An encoder-decoder's encoder: alpha = 0.81 (N^4 M)^(1/16).
double deepnet_encoder_alpha(int64_t encoder_layers, int64_t decoder_layers);
/// An encoder-decoder's encoder: beta = 0.87 (N^4 M)^(-1/16).
double deepnet_encoder_beta(int64_t encoder_layers, int64_t decoder_layers);

/// Options for `DeepnetLayer`.
struct DeepnetLayerOptions {
  DeepnetLayerOptions(std::function<torch::nn::AnyModule()> feedforward_factory,
                      std::function<torch::nn::AnyModule()> attention_factory,
                      std::function<torch::nn::AnyModule()> norm_factory);

  /// Builds the feedforward block: a module with forward(x).
  TORCH_ARG(std::function<torch::nn::AnyModule()>, feedforward_factory);
  /// Builds the attention block: a module with
  /// forward(x, attn_mask, position_ids).
  TORCH_ARG(std::function<torch::nn::AnyModule()>, attention_factory);
  /// Builds each of the two norms.
  TORCH_ARG(std::function<torch::nn::AnyModule()>, norm_factory);
  /// Residual multiplier, usually deepnet_alpha(num_hidden_layers, 0).
  TORCH_ARG(double, alpha) = 1.0;
  /// Dropout on the output of each block, in training only.
  TORCH_ARG(double, dropout) = 0.1;
  /// Dropout on the residual stream before each block, in training only.
  TORCH_ARG(double, residual_dropout) = 0.0;
};

/// Post-norm transformer layer with an alpha-scaled residual.
class DeepnetLayerImpl : public detail::TransformerLayerImplBase<DeepnetLayerImpl, DeepnetLayerOptions> {
public:
  explicit DeepnetLayerImpl(const DeepnetLayerOptions &options_);

  /// `x` [B, T, d_model] -> [B, T, d_model]; `attn_mask` and
  /// `position_ids` are handed to the attention block.
  torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &attn_mask = {},
                        const torch::Tensor &position_ids = {});

protected:
  torch::Tensor combine(const torch::Tensor &x, const AttentionStep &attention_step) override;
};

TORCH_MODULE(DeepnetLayer);

} // namespace fgcc::nn
