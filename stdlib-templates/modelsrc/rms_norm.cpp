//===- rms_norm.cpp - Root-mean-square normalisation ----------------------===//
#include "rms_norm.hpp"

#include <limits>

namespace fgcc::nn {

namespace {

/// torch.finfo(dtype).eps for the floating dtypes a model runs in.
double machine_epsilon(torch::ScalarType dtype) {
  double eps = 0;
  AT_DISPATCH_FLOATING_TYPES_AND2(torch::kHalf, torch::kBFloat16, dtype, "machine_epsilon",
                                  [&] { eps = static_cast<double>(std::numeric_limits<scalar_t>::epsilon()); });
  return eps;
}

} // namespace

RMSNormOptions::RMSNormOptions(int64_t normalized_shape) : normalized_shape_(normalized_shape) {}

RMSNormImpl::RMSNormImpl(const RMSNormOptions &options_) : options(options_) { reset(); }

void RMSNormImpl::reset() {
  TORCH_CHECK(options.normalized_shape() > 0, "RMSNorm: normalized_shape must be positive, got ",
              options.normalized_shape());
  weight = torch::Tensor();
  if (options.elementwise_affine())
    weight = register_parameter("weight", torch::empty({options.normalized_shape()}));
  reset_parameters();
}

void RMSNormImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  if (weight.defined())
    weight.fill_(1.0);
}

void RMSNormImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::RMSNorm(" << options.normalized_shape();
  if (options.eps())
    stream << ", eps=" << *options.eps();
  stream << ", elementwise_affine=" << (options.elementwise_affine() ? "true" : "false") << ")";
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor &x) {
  TORCH_CHECK(x.dim() >= 1 && x.size(-1) == options.normalized_shape(), "RMSNorm: expected the last dimension to be ",
              options.normalized_shape(), ", got input of shape ", x.sizes());
  double eps = options.eps().value_or(machine_epsilon(x.scalar_type()));
  // The mean of squares of bf16/fp16 activations loses too much precision,
  // so the statistics run in at least float32.
  torch::Tensor wide = x.to(torch::promote_types(x.scalar_type(), torch::kFloat));
  torch::Tensor normed = (wide * torch::rsqrt(wide.pow(2).mean(-1, /*keepdim=*/true) + eps)).to(x.scalar_type());
  return weight.defined() ? normed * weight : normed;
}

} // namespace fgcc::nn
