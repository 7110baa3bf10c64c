//===- deepnet.cpp - DeepNorm transformer layer ---------------------------===//
#include "deepnet.hpp"

#include <cmath>

namespace fgcc::nn {

namespace {

/// The depth of a single stack (one of the counts is zero), or 0 for an
/// encoder-decoder.
int64_t single_stack_depth(int64_t encoder_layers, int64_t decoder_layers) {
  TORCH_CHECK(encoder_layers >= 0 && decoder_layers >= 0 && encoder_layers + decoder_layers > 0,
              "deepnet: layer counts must be non-negative and not both zero");
  if (encoder_layers == 0 || decoder_layers == 0)
    return encoder_layers + decoder_layers;
  return 0;
}

} // namespace

double deepnet_alpha(int64_t encoder_layers, int64_t decoder_layers) {
  if (int64_t n = single_stack_depth(encoder_layers, decoder_layers))
    return std::pow(2.0 * n, 0.25);
  return std::pow(3.0 * decoder_layers, 0.25);
}

double deepnet_beta(int64_t encoder_layers, int64_t decoder_layers) {
  if (int64_t n = single_stack_depth(encoder_layers, decoder_layers))
    return std::pow(8.0 * n, -0.25);
  return std::pow(12.0 * decoder_layers, -0.25);
}

double deepnet_encoder_alpha(int64_t encoder_layers, int64_t decoder_layers) {
  return 0.81 * std::pow(std::pow(double(encoder_layers), 4) * double(decoder_layers), 1.0 / 16);
}

double deepnet_encoder_beta(int64_t encoder_layers, int64_t decoder_layers) {
  return 0.87 * std::pow(std::pow(double(encoder_layers), 4) * double(decoder_layers), -1.0 / 16);
}

DeepnetLayerOptions::DeepnetLayerOptions(std::function<torch::nn::AnyModule()> feedforward_factory,
                                         std::function<torch::nn::AnyModule()> attention_factory,
                                         std::function<torch::nn::AnyModule()> norm_factory)
    : feedforward_factory_(std::move(feedforward_factory)), attention_factory_(std::move(attention_factory)),
      norm_factory_(std::move(norm_factory)) {}

DeepnetLayerImpl::DeepnetLayerImpl(const DeepnetLayerOptions &options_)
    : TransformerLayerImplBase(options_, "DeepnetLayer") {
  reset();
}

torch::Tensor DeepnetLayerImpl::forward(const torch::Tensor &x, const torch::Tensor &attn_mask,
                                        const torch::Tensor &position_ids) {
  return forward_plain(x, attn_mask, position_ids);
}

torch::Tensor DeepnetLayerImpl::combine(const torch::Tensor &x, const AttentionStep &attention_step) {
  const double alpha = options.alpha();
  torch::Tensor residual = residual_dropout(x);
  torch::Tensor h = norm1.forward(alpha * residual + dropout(attention_step(x)));
  residual = residual_dropout(h);
  return norm2.forward(alpha * residual + dropout(feedforward.forward(h)));
}

} // namespace fgcc::nn
