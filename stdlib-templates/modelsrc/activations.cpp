//===- activations.cpp - Pointwise activations chosen by name -------------===//
#include "activations.hpp"

#include <map>

namespace fgcc::nn {

namespace {

namespace F = torch::nn::functional;

/// The table of known activations. A function-local static keeps the
/// initialisation order safe for callers in other static initialisers.
const std::map<std::string, ActivationFn> &activations() {
  static const std::map<std::string, ActivationFn> table = {
      {"relu", [](const torch::Tensor &x) { return torch::relu(x); }},
      {"silu", [](const torch::Tensor &x) { return F::silu(x); }},
      {"swish", [](const torch::Tensor &x) { return F::silu(x); }},
      {"gelu", [](const torch::Tensor &x) { return F::gelu(x); }},
      {"gelu_tanh", [](const torch::Tensor &x) { return F::gelu(x, F::GELUFuncOptions().approximate("tanh")); }},
      {"tanh", [](const torch::Tensor &x) { return torch::tanh(x); }},
      {"sigmoid", [](const torch::Tensor &x) { return torch::sigmoid(x); }},
      {"identity", [](const torch::Tensor &x) { return x; }},
  };
  return table;
}

/// "name1, name2, ..." for the error message.
std::string known_names() {
  std::string known;
  for (const auto &entry : activations())
    known += (known.empty() ? "" : ", ") + entry.first;
  return known;
}

} // namespace

ActivationFn activation_by_name(const std::string &name) {
  auto found = activations().find(name);
  TORCH_CHECK(found != activations().end(), "unknown activation '", name, "'; known activations: ", known_names());
  return found->second;
}

} // namespace fgcc::nn
