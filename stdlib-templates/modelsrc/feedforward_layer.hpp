//===- feedforward_layer.hpp - Two-layer MLP of a transformer block -*- C++ -*-===//
//
//   y = linear2(act(dropout(linear1(x))))
//
// The vanilla transformer's feedforward block. The dropout sits *before*
// the activation, as in the reference (for ReLU and dropout the order does
// not change the result; for other activations it does).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "activations.hpp"

#include <torch/torch.h>

#include <string>

namespace fgcc::nn {

/// Options for `FeedforwardLayer`.
struct FeedforwardLayerOptions {
  FeedforwardLayerOptions(int64_t d_model, int64_t d_feedforward);

  /// Width of the input and the output.
  TORCH_ARG(int64_t, d_model);
  /// Width of the hidden layer (the config's intermediate_size).
  TORCH_ARG(int64_t, d_feedforward);
  /// Activation between the two layers, by name: "relu", "silu", "gelu",
  /// "gelu_tanh", "tanh", "sigmoid" or "identity".
  TORCH_ARG(std::string, activation) = "relu";
  /// Dropout on the hidden layer, in training only (the config's
  /// activation_dropout).
  TORCH_ARG(double, dropout) = 0.1;
  /// Whether both linear layers have biases.
  TORCH_ARG(bool, bias) = true;
};

/// Position-wise two-layer perceptron.
class FeedforwardLayerImpl : public torch::nn::Cloneable<FeedforwardLayerImpl> {
public:
  explicit FeedforwardLayerImpl(const FeedforwardLayerOptions &options_);

  void reset() override;
  void pretty_print(std::ostream &stream) const override;

  /// [..., d_model] -> [..., d_model].
  torch::Tensor forward(const torch::Tensor &x);

  FeedforwardLayerOptions options;
  torch::nn::Linear linear1{nullptr};
  torch::nn::Linear linear2{nullptr};
  torch::nn::Dropout dropout{nullptr};

private:
  ActivationFn activation_;
};

TORCH_MODULE(FeedforwardLayer);

} // namespace fgcc::nn
