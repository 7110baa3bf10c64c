//===- rms_norm.hpp - Root-mean-square normalisation -----------*- C++ -*-===//
//
//   y = x * rsqrt(mean(x^2 over the last dimension) + eps) * weight
//
// The norm of llama, mistral, qwen3 (also on each head's queries and keys)
// and deepone. LibTorch 1.13 has neither torch::nn::RMSNorm nor at::rms_norm,
// so this is the module of torch.nn.RMSNorm over the last dimension, with the
// same parameter name (`weight`) and the same default epsilon.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

namespace fgcc::nn {

/// Options for `RMSNorm`.
struct RMSNormOptions {
  /* implicit */ RMSNormOptions(int64_t normalized_shape);

  /// Size of the last dimension, over which the root mean square is taken
  /// (the model width, or the head width for a QK-norm).
  TORCH_ARG(int64_t, normalized_shape);
  /// Added to the mean square before the square root. Unset means the
  /// machine epsilon of the input's dtype, like torch.nn.RMSNorm(eps=None).
  TORCH_ARG(c10::optional<double>, eps) = c10::nullopt;
  /// Whether to learn a per-feature scale `weight`, initialised to ones.
  TORCH_ARG(bool, elementwise_affine) = true;
};

/// Root-mean-square normalisation over the last dimension. The statistics
/// are computed in float32 (or wider) whatever the input's dtype, and the
/// result is cast back before the weight is applied, as HF's llama does.
class RMSNormImpl : public torch::nn::Cloneable<RMSNormImpl> {
public:
  explicit RMSNormImpl(const RMSNormOptions &options_);

  void reset() override;
  /// Sets the weight back to ones.
  void reset_parameters();
  void pretty_print(std::ostream &stream) const override;

  /// `x` is [..., normalized_shape]; the result has the same shape and dtype.
  torch::Tensor forward(const torch::Tensor &x);

  RMSNormOptions options;
  /// The learned scale [normalized_shape]; undefined without elementwise_affine.
  torch::Tensor weight;
};

TORCH_MODULE(RMSNorm);

} // namespace fgcc::nn
