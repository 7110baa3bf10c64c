//===- glu_feedforward.cpp - Gated linear unit feedforward block ----------===//
#include "glu_feedforward.hpp"

namespace fgcc::nn {

GLUFeedforwardLayerOptions::GLUFeedforwardLayerOptions(int64_t d_model, int64_t d_feedforward)
    : d_model_(d_model), d_feedforward_(d_feedforward) {}

GLUFeedforwardLayerImpl::GLUFeedforwardLayerImpl(const GLUFeedforwardLayerOptions &options_) : options(options_) {
  reset();
}

void GLUFeedforwardLayerImpl::reset() {
  activation_ = activation_by_name(options.activation());
  // The reference's order (up, gate, down) is kept: the regex inits draw
  // random numbers in parameter order.
  auto linear = [](int64_t in, int64_t out) {
    return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(false));
  };
  up_proj = register_module("up_proj", linear(options.d_model(), options.d_feedforward()));
  gate_proj = register_module("gate_proj", linear(options.d_model(), options.d_feedforward()));
  down_proj = register_module("down_proj", linear(options.d_feedforward(), options.d_model()));
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
}

void GLUFeedforwardLayerImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::GLUFeedforwardLayer(d_model=" << options.d_model() << ", d_feedforward="
         << options.d_feedforward() << ", activation=" << options.activation() << ", dropout=" << options.dropout()
         << ")";
}

torch::Tensor GLUFeedforwardLayerImpl::forward(const torch::Tensor &x) {
  return down_proj(dropout(up_proj(x) * activation_(gate_proj(x))));
}

} // namespace fgcc::nn
