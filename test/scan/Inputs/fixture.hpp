// A component header in fgcc's own convention (XOptions with TORCH_ARG
// fields, XImpl : Cloneable<XImpl>, TORCH_MODULE(X)), scanned by
// test/scan/fixture-golden.test. Its manifest is Inputs/fixture.manifest.json.
#pragma once

#include <torch/arg.h>
#include <torch/enum.h>
#include <torch/expanding_array.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <string>
#include <tuple>
#include <vector>

namespace fgcc::nn {

/// Options for the `Mlp` module.
struct MlpOptions {
  MlpOptions(int64_t d_model, int64_t d_hidden);
  /// Width of the input and the output.
  TORCH_ARG(int64_t, d_model);
  /// Width of the hidden layer.
  TORCH_ARG(int64_t, d_hidden);
  /// Dropout probability.
  TORCH_ARG(double, dropout) = 0.1;
  TORCH_ARG(std::string, activation) = "gelu";
  TORCH_ARG(bool, bias) = true;
};

/// A two-layer perceptron.
class MlpImpl : public torch::nn::Cloneable<MlpImpl> {
public:
  explicit MlpImpl(const MlpOptions &options);
  void reset() override;
  torch::Tensor forward(torch::Tensor x);
  MlpOptions options;
};

/// Holder for `MlpImpl`.
TORCH_MODULE(Mlp);

/**
 * Options for a 2-D patch embedding: one value per category the checker
 * knows about.
 */
struct PatchEmbedOptions {
  PatchEmbedOptions(torch::ExpandingArray<2> patch_size, int64_t channels = 3);
  TORCH_ARG(torch::ExpandingArray<2>, patch_size);
  TORCH_ARG(int64_t, channels);
  TORCH_ARG(torch::ExpandingArray<2>, stride) = 4;
  TORCH_ARG(torch::ExpandingArray<2>, dilation) = {1, 2};
  TORCH_ARG(std::vector<int64_t>, grid) = {};
  TORCH_ARG(std::vector<double>, scales) = {0.5, 2};
  TORCH_ARG(c10::optional<double>, max_norm) = c10::nullopt;
  TORCH_ARG(c10::optional<int64_t>, padding_idx) = 7;
  typedef c10::variant<torch::enumtype::kReLU, torch::enumtype::kGELU> activation_t;
  /// Activation after the projection.
  TORCH_ARG(activation_t, activation) = torch::kGELU;
  typedef std::tuple<double, double> betas_t;
  TORCH_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  TORCH_ARG(float, scale) = 1;
  TORCH_ARG(unsigned, seed) = 2u * 21u;
  TORCH_ARG(torch::Tensor, init) = torch::Tensor();
};

/// A plain class with default constructor arguments.
class Warmup {
public:
  enum class Shape { Linear, Cosine };
  Warmup(int64_t steps, double start_factor = 1.0 / 4, std::string name = "warmup",
         Shape shape = Shape::Cosine);
  Warmup(const Warmup &) = default;

private:
  Warmup(); // not callable, not listed
};

/// Free functions are not components.
inline double scaled(double x, double factor = 2.0) { return x * factor; }

} // namespace fgcc::nn

namespace fgcc::detail {
/// Implementation namespaces are skipped.
struct HiddenOptions {
  TORCH_ARG(int64_t, n) = 1;
};
} // namespace fgcc::detail

/// A class at global scope: listed unless --namespace is given.
struct GlobalOptions {
  TORCH_ARG(bool, verbose) = false;
};
