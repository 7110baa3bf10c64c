//===- sinusoidal_pe.hpp - Absolute sinusoidal position encoding -*- C++ -*-===//
//
// The position encoding of "Attention Is All You Need", added to the token
// embeddings:
//
//   weight[pos, 2i]   = sin(pos / 10000^(2i/d_model))
//   weight[pos, 2i+1] = cos(pos / 10000^(2i/d_model))
//
// The table is a buffer named `weight`, so it is part of the state dict
// (`...positional_encoder.weight`), as in the reference.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

namespace fgcc::nn {

/// Options for `SinusoidalPE`.
struct SinusoidalPEOptions {
  SinusoidalPEOptions(int64_t d_model, int64_t max_sequence_length);

  /// Width of the embeddings the encoding is added to (even).
  TORCH_ARG(int64_t, d_model);
  /// Rows of the table: the largest position plus one (usually the
  /// tokenizer's model_max_length).
  TORCH_ARG(int64_t, max_sequence_length);
};

/// Adds the sinusoidal encoding of each token's position to `x`.
class SinusoidalPEImpl : public torch::nn::Cloneable<SinusoidalPEImpl> {
public:
  explicit SinusoidalPEImpl(const SinusoidalPEOptions &options_);

  void reset() override;
  void pretty_print(std::ostream &stream) const override;

  /// `x` is [B, T, d_model]. `position_ids` [B, T] selects the rows;
  /// undefined means 0 .. T-1.
  torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &position_ids = {});

  SinusoidalPEOptions options;
  /// The table [max_sequence_length, d_model].
  torch::Tensor weight;
};

TORCH_MODULE(SinusoidalPE);

} // namespace fgcc::nn
