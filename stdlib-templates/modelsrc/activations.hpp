//===- activations.hpp - Pointwise activations chosen by name --*- C++ -*-===//
//
// Configs name the activation of a feedforward block ("relu", "silu",
// "gelu" ...) instead of passing a module, so that one string option selects
// ReLU MLPs, SwiGLU, ReGLU or GEGLU. The functions are stateless, so a plain
// std::function is all a layer needs to hold.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>

namespace fgcc::nn {

/// A pointwise activation function.
using ActivationFn = std::function<torch::Tensor(const torch::Tensor &)>;

/// The activation called `name`: "relu", "silu" (or "swish"), "gelu" (exact,
/// erf form), "gelu_tanh" (tanh approximation), "tanh", "sigmoid" or
/// "identity". Throws c10::Error, listing the known names, for any other.
ActivationFn activation_by_name(const std::string &name);

} // namespace fgcc::nn
