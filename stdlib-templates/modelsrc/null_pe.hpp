//===- null_pe.hpp - The absent absolute position encoding -----*- C++ -*-===//
//
//   NullPE(x, position_ids) = x
//
// A positional encoder that adds nothing, as the reference's NullPE, so that
// a config can say "no absolute position encoding" with a component instead
// of leaving InputEncoder's positional_encoder out (models with RoPE or
// ALiBi, or none at all). It has no parameters and no buffers: a model with
// a NullPE has the state dict of one without a positional encoder.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

namespace fgcc::nn {

/// Options for `NullPE`: there is nothing to configure.
struct NullPEOptions {};

/// The identity, in the place of a positional encoder.
class NullPEImpl : public torch::nn::Cloneable<NullPEImpl> {
public:
  /// A NullPE; the options are there for the library's uniform interface.
  explicit NullPEImpl(const NullPEOptions &options_ = {});

  /// Nothing to build.
  void reset() override {}
  /// Writes "fgcc::nn::NullPE()".
  void pretty_print(std::ostream &stream) const override;

  /// Returns `x` [B, T, d] itself; `position_ids` is accepted for the
  /// positional encoders' interface and ignored.
  torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &position_ids = {});

  /// The (empty) options the encoder was built with.
  NullPEOptions options;

protected:
  FORWARD_HAS_DEFAULT_ARGS({1, torch::nn::AnyValue(torch::Tensor())})
};

TORCH_MODULE(NullPE);

} // namespace fgcc::nn
