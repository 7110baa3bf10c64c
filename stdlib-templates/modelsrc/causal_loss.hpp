//===- causal_loss.hpp - Next-token cross-entropy --------------*- C++ -*-===//
//
// The loss of a causal language model called without labels: the logits at
// position t predict the label at t + 1.
//
//   loss = cross_entropy(logits[:, :-1], labels[:, 1:], ignore_index)
//
// averaged over the labels that are not ignore_index (-100: padding and
// prompt tokens). The logits are upcast to float32 (if narrower) first.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

namespace fgcc::nn {

/// Options for `CausalLoss`.
struct CausalLossOptions {
  /// Labels with this value do not count, neither in the sum nor in the mean.
  TORCH_ARG(int64_t, ignore_index) = -100;
};

/// Shifted cross-entropy over a batch of sequences.
class CausalLossImpl : public torch::nn::Cloneable<CausalLossImpl> {
public:
  explicit CausalLossImpl(const CausalLossOptions &options_ = {});

  void reset() override {}
  void pretty_print(std::ostream &stream) const override;

  /// `logits` [B, T, V], `labels` [B, T] (integer) -> scalar mean loss
  /// (NaN when every label is ignored, like PyTorch's cross-entropy).
  torch::Tensor forward(const torch::Tensor &logits, const torch::Tensor &labels);

  CausalLossOptions options;
};

TORCH_MODULE(CausalLoss);

} // namespace fgcc::nn
