//===- chunked_causal_loss.hpp - Next-token cross-entropy by vocabulary chunks -*- C++ -*-===//
//
// CausalLoss computed without a full softmax: the log-sum-exp of each row
// of logits is taken over the vocabulary in chunks of `chunk_size` columns,
// in two passes, as the reference's ChunkedCausalLoss does:
//
//   m_i    = max_c max_j logits[i, c_j]                (pass 1, per chunk)
//   lse_i  = m_i + log(sum_c sum_j exp(logits[i, c_j] - m_i))   (pass 2)
//   loss_i = lse_i - logits[i, label_i]
//   loss   = mean of loss_i over the labels that are not ignore_index
//
// with the same shift as CausalLoss (position t predicts label t + 1), in
// float32 (or wider). The value equals CausalLoss up to rounding.
//
// Why chunks: with a large vocabulary the plain loss holds several tensors
// the size of the logits at once (the shifted copy, the float32 upcast of
// narrower logits, the softmax kept for backward). Here the backward pass is
// written by hand (a custom autograd function) and goes chunk by chunk too,
//
//   d loss / d logits[i, j] = (exp(logits[i, j] - lse_i) - [j == label_i]) / count
//
// so only the logits themselves, one float per row (lse) and the labels are
// kept; the shift is a view, each chunk is upcast on its own, and the
// gradient is the only tensor of the logits' size it allocates. Ignored
// positions, and the last one, get a zero gradient. It is not twice
// differentiable.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

namespace fgcc::nn {

/// Options for `ChunkedCausalLoss`.
struct ChunkedCausalLossOptions {
  /// Columns of the vocabulary processed at a time; positive.
  TORCH_ARG(int64_t, chunk_size) = 4096;
  /// Labels with this value do not count, neither in the sum nor in the mean.
  TORCH_ARG(int64_t, ignore_index) = -100;
};

/// Shifted cross-entropy over a batch of sequences, by vocabulary chunks.
class ChunkedCausalLossImpl : public torch::nn::Cloneable<ChunkedCausalLossImpl> {
public:
  /// Throws std::runtime_error for a chunk_size below 1.
  explicit ChunkedCausalLossImpl(const ChunkedCausalLossOptions &options_ = {});

  /// Checks the options (there is no state to build).
  void reset() override;
  /// Writes the options, as LibTorch's modules do.
  void pretty_print(std::ostream &stream) const override;

  /// `logits` [B, T, V], `labels` [B, T] (integer) -> scalar mean loss
  /// (NaN when every label is ignored, like CausalLoss).
  torch::Tensor forward(const torch::Tensor &logits, const torch::Tensor &labels);

  /// The options the loss was built with.
  ChunkedCausalLossOptions options;
};

TORCH_MODULE(ChunkedCausalLoss);

/// The mean next-token cross-entropy of `logits` [B, T, V] (any floating
/// dtype; computed in at least float32) against `labels` [B, T]: logits at
/// t against the label at t + 1, skipping labels equal to `ignore_index`,
/// by chunks of `chunk_size` columns, with the chunked backward described
/// in the file comment. Throws std::runtime_error for a chunk_size below 1.
torch::Tensor chunked_causal_cross_entropy(const torch::Tensor &logits, const torch::Tensor &labels, int64_t chunk_size,
                                           int64_t ignore_index = -100);

} // namespace fgcc::nn
