//===- post_ln_layer.cpp - Post-norm transformer layer --------------------===//
#include "post_ln_layer.hpp"

namespace fgcc::nn {

PostLNLayerOptions::PostLNLayerOptions(std::function<torch::nn::AnyModule()> feedforward_factory,
                                       std::function<torch::nn::AnyModule()> attention_factory,
                                       std::function<torch::nn::AnyModule()> norm_factory)
    : feedforward_factory_(std::move(feedforward_factory)), attention_factory_(std::move(attention_factory)),
      norm_factory_(std::move(norm_factory)) {}

PostLNLayerImpl::PostLNLayerImpl(const PostLNLayerOptions &options_)
    : TransformerLayerImplBase(options_, "PostLNLayer") {
  reset();
}

torch::Tensor PostLNLayerImpl::forward(const torch::Tensor &x, const torch::Tensor &attn_mask,
                                       const torch::Tensor &position_ids) {
  return forward_plain(x, attn_mask, position_ids);
}

torch::Tensor PostLNLayerImpl::combine(const torch::Tensor &x, const AttentionStep &attention_step) {
  torch::Tensor residual = residual_dropout(x);
  torch::Tensor h = norm1.forward(residual + dropout(attention_step(x)));
  residual = residual_dropout(h);
  return norm2.forward(residual + dropout(feedforward.forward(h)));
}

} // namespace fgcc::nn
