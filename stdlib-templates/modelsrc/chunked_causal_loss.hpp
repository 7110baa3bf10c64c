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
// with the same shift as CausalLoss (position t predicts label t + 1) and
// the same upcast to float32. The value equals CausalLoss up to rounding.
//
// Why chunks: with a large vocabulary a softmax over [B T, V] doubles the
// memory of the logits. The backward pass here is written by hand (a
// custom autograd function) and also goes chunk by chunk,
//
//   d loss / d logits[i, j] = (exp(logits[i, j] - lse_i) - [j == label_i]) / count
//
// so only the logits, one float per row (lse) and the labels are kept for
// it; ignored rows get a zero gradient. It is not twice differentiable.
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
  void pretty_print(std::ostream &stream) const override;

  /// `logits` [B, T, V], `labels` [B, T] (integer) -> scalar mean loss
  /// (NaN when every label is ignored, like CausalLoss).
  torch::Tensor forward(const torch::Tensor &logits, const torch::Tensor &labels);

  /// The options the loss was built with.
  ChunkedCausalLossOptions options;
};

TORCH_MODULE(ChunkedCausalLoss);

/// The mean cross-entropy of `predictions` [N, V] (floating) against
/// `targets` [N] (int64) by chunks of `chunk_size` columns, skipping
/// targets equal to `ignore_index`; differentiable in `predictions` with
/// the chunked backward described in the file comment. Throws
/// std::runtime_error for a chunk_size below 1.
torch::Tensor chunked_cross_entropy(const torch::Tensor &predictions, const torch::Tensor &targets, int64_t chunk_size,
                                    int64_t ignore_index);

} // namespace fgcc::nn
