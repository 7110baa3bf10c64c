//===- feedforward_layer.cpp - Two-layer MLP of a transformer block -------===//
#include "feedforward_layer.hpp"

namespace fgcc::nn {

FeedforwardLayerOptions::FeedforwardLayerOptions(int64_t d_model, int64_t d_feedforward)
    : d_model_(d_model), d_feedforward_(d_feedforward) {}

FeedforwardLayerImpl::FeedforwardLayerImpl(const FeedforwardLayerOptions &options_) : options(options_) { reset(); }

void FeedforwardLayerImpl::reset() {
  // Resolve the name first, so that a typo fails before any allocation.
  activation_ = activation_by_name(options.activation());
  linear1 = register_module(
      "linear1", torch::nn::Linear(torch::nn::LinearOptions(options.d_model(), options.d_feedforward()).bias(options.bias())));
  linear2 = register_module(
      "linear2", torch::nn::Linear(torch::nn::LinearOptions(options.d_feedforward(), options.d_model()).bias(options.bias())));
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
}

void FeedforwardLayerImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::FeedforwardLayer(d_model=" << options.d_model() << ", d_feedforward=" << options.d_feedforward()
         << ", activation=" << options.activation() << ", dropout=" << options.dropout()
         << ", bias=" << (options.bias() ? "true" : "false") << ")";
}

torch::Tensor FeedforwardLayerImpl::forward(const torch::Tensor &x) {
  return linear2(activation_(dropout(linear1(x))));
}

} // namespace fgcc::nn
