//===- pre_ln_layer.cpp - Pre-norm transformer layer ----------------------===//
#include "pre_ln_layer.hpp"

namespace fgcc::nn {

PreLNLayerOptions::PreLNLayerOptions(std::function<torch::nn::AnyModule()> feedforward_factory,
                                     std::function<torch::nn::AnyModule()> attention_factory,
                                     std::function<torch::nn::AnyModule()> norm_factory)
    : feedforward_factory_(std::move(feedforward_factory)), attention_factory_(std::move(attention_factory)),
      norm_factory_(std::move(norm_factory)) {}

PreLNLayerImpl::PreLNLayerImpl(const PreLNLayerOptions &options_)
    : TransformerLayerImplBase(options_, "PreLNLayer") {
  reset();
}

torch::Tensor PreLNLayerImpl::forward(const torch::Tensor &x, const torch::Tensor &attn_mask,
                                      const torch::Tensor &position_ids) {
  return forward_plain(x, attn_mask, position_ids);
}

torch::Tensor PreLNLayerImpl::combine(const torch::Tensor &x, const AttentionStep &attention_step) {
  torch::Tensor residual = residual_dropout(x);
  torch::Tensor h = residual + dropout(attention_step(norm1.forward(x)));
  residual = residual_dropout(h);
  return residual + dropout(feedforward.forward(norm2.forward(h)));
}

} // namespace fgcc::nn
