//===- post_ln_layer.cpp - Post-norm transformer layer --------------------===//
#include "post_ln_layer.hpp"

#include "module_utils.hpp"

namespace fgcc::nn {

PostLNLayerOptions::PostLNLayerOptions(std::function<torch::nn::AnyModule()> feedforward_factory,
                                       std::function<torch::nn::AnyModule()> attention_factory,
                                       std::function<torch::nn::AnyModule()> norm_factory)
    : feedforward_factory_(std::move(feedforward_factory)), attention_factory_(std::move(attention_factory)),
      norm_factory_(std::move(norm_factory)) {}

PostLNLayerImpl::PostLNLayerImpl(const PostLNLayerOptions &options_) : options(options_) { reset(); }

void PostLNLayerImpl::reset() {
  // Same registration order as PreLNLayer (and the reference).
  feedforward = build_block(*this, "feedforward", options.feedforward_factory(), "PostLNLayer");
  attention = build_block(*this, "attention", options.attention_factory(), "PostLNLayer");
  norm1 = build_block(*this, "norm1", options.norm_factory(), "PostLNLayer");
  norm2 = build_block(*this, "norm2", options.norm_factory(), "PostLNLayer");
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
  residual_dropout = register_module("residual_dropout", torch::nn::Dropout(options.residual_dropout()));
}

torch::Tensor PostLNLayerImpl::forward(const torch::Tensor &x, const torch::Tensor &attn_mask,
                                       const torch::Tensor &position_ids) {
  torch::Tensor residual = residual_dropout(x);
  torch::Tensor h = norm1.forward(residual + dropout(attention.forward(x, attn_mask, position_ids)));
  residual = residual_dropout(h);
  return norm2.forward(residual + dropout(feedforward.forward(h)));
}

} // namespace fgcc::nn
