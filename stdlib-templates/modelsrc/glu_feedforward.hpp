//===- glu_feedforward.hpp - Gated linear unit feedforward block -*- C++ -*-===//
//
//   y = down_proj(dropout(up_proj(x) * act(gate_proj(x))))
//
// The activation names the variant: SiLU gives SwiGLU (llama, mistral,
// qwen3), ReLU gives ReGLU (deepone), GELU gives GEGLU. No biases.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "activations.hpp"

#include <torch/torch.h>

#include <string>

namespace fgcc::nn {

/// Options for `GLUFeedforwardLayer`.
struct GLUFeedforwardLayerOptions {
  GLUFeedforwardLayerOptions(int64_t d_model, int64_t d_feedforward);

  /// Width of the input and the output.
  TORCH_ARG(int64_t, d_model);
  /// Width of the gated hidden layer (the config's intermediate_size).
  TORCH_ARG(int64_t, d_feedforward);
  /// Activation of the gate, by name: "silu" (SwiGLU), "relu" (ReGLU),
  /// "gelu" or "gelu_tanh" (GEGLU), "tanh", "sigmoid" or "identity".
  TORCH_ARG(std::string, activation) = "silu";
  /// Dropout on the gated hidden layer, in training only.
  TORCH_ARG(double, dropout) = 0.1;
};

/// Gated feedforward block.
class GLUFeedforwardLayerImpl : public torch::nn::Cloneable<GLUFeedforwardLayerImpl> {
public:
  explicit GLUFeedforwardLayerImpl(const GLUFeedforwardLayerOptions &options_);

  void reset() override;
  void pretty_print(std::ostream &stream) const override;

  /// [..., d_model] -> [..., d_model].
  torch::Tensor forward(const torch::Tensor &x);

  GLUFeedforwardLayerOptions options;
  torch::nn::Linear up_proj{nullptr};
  torch::nn::Linear gate_proj{nullptr};
  torch::nn::Linear down_proj{nullptr};
  torch::nn::Dropout dropout{nullptr};

private:
  ActivationFn activation_;
};

TORCH_MODULE(GLUFeedforwardLayer);

} // namespace fgcc::nn
