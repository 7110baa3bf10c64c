//===- pre_ln_layer.cpp - Pre-norm transformer layer ----------------------===//
#include "pre_ln_layer.hpp"

#include "module_utils.hpp"

namespace fgcc::nn {

PreLNLayerOptions::PreLNLayerOptions(std::function<torch::nn::AnyModule()> feedforward_factory,
                                     std::function<torch::nn::AnyModule()> attention_factory,
                                     std::function<torch::nn::AnyModule()> norm_factory)
    : feedforward_factory_(std::move(feedforward_factory)), attention_factory_(std::move(attention_factory)),
      norm_factory_(std::move(norm_factory)) {}

PreLNLayerImpl::PreLNLayerImpl(const PreLNLayerOptions &options_) : options(options_) { reset(); }

void PreLNLayerImpl::reset() {
  // Registration order fixes the order of parameters(), which the weight
  // initialisers walk while drawing random numbers: keep the reference's.
  feedforward = build_block(*this, "feedforward", options.feedforward_factory(), "PreLNLayer");
  attention = build_block(*this, "attention", options.attention_factory(), "PreLNLayer");
  norm1 = build_block(*this, "norm1", options.norm_factory(), "PreLNLayer");
  norm2 = build_block(*this, "norm2", options.norm_factory(), "PreLNLayer");
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
  residual_dropout = register_module("residual_dropout", torch::nn::Dropout(options.residual_dropout()));
}

torch::Tensor PreLNLayerImpl::forward(const torch::Tensor &x, const torch::Tensor &attn_mask,
                                      const torch::Tensor &position_ids) {
  torch::Tensor residual = residual_dropout(x);
  torch::Tensor h = residual + dropout(attention.forward(norm1.forward(x), attn_mask, position_ids));
  residual = residual_dropout(h);
  return residual + dropout(feedforward.forward(norm2.forward(h)));
}

} // namespace fgcc::nn
