//===- adamw.hpp - Forgather's AdamW --------------------------*- C++ -*-===//
//
// The AdamW of the reference trainer, which differs from torch's in where eps
// goes and in its defaults. For step t of a parameter p with gradient g:
//
//   p -= lr * weight_decay * p                  (decoupled decay, first)
//   m  = lerp(m, g,  1 - beta1)
//   v  = lerp(v, g², 1 - beta2)
//   u  = m / (sqrt(v) + eps)                    (eps on the UNcorrected sqrt(v))
//   p -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * u
//
// torch's AdamW adds eps to the bias-corrected sqrt(v̂) instead; with eps = 0
// the two agree. fp16/bf16 parameters are updated through an fp32 copy (m and
// v are kept in fp32 too) and rounded back once per step, so small updates
// are not lost to the parameter's precision.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/optim/common.hpp"

#include <torch/torch.h>

#include <tuple>
#include <vector>

namespace fgrt::optim {

/// Hyperparameters of AdamW (per parameter group).
struct AdamWOptions : public torch::optim::OptimizerCloneableOptions<AdamWOptions> {
  /// Options with learning rate `lr` and the other fields at their defaults
  /// (implicit, as LibTorch's, so that a bare lr converts).
  AdamWOptions(double lr = 1e-3);
  /// Learning rate.
  TORCH_ARG(double, lr) = 1e-3;
  /// Decay rates of the first and second moment averages.
  TORCH_ARG(HyperparameterPair, betas) = std::make_tuple(0.9, 0.999);
  /// Added to sqrt(v) before dividing (the reference's default, not torch's 1e-8).
  TORCH_ARG(double, eps) = 1e-6;
  /// Decoupled weight decay coefficient (scaled by lr).
  TORCH_ARG(double, weight_decay) = 0.0;

public:
  /// Reads the options from a checkpoint.
  void serialize(torch::serialize::InputArchive &archive) override;
  /// Writes the options into a checkpoint.
  void serialize(torch::serialize::OutputArchive &archive) const override;
  /// The learning rate, for LR schedulers.
  double get_lr() const override { return lr(); }
  /// Sets the learning rate, for LR schedulers.
  void set_lr(const double new_lr) override { lr(new_lr); }
};

/// What AdamW keeps per parameter.
struct AdamWParamState : public torch::optim::OptimizerCloneableParamState<AdamWParamState> {
  /// Number of updates taken (t of the bias correction).
  TORCH_ARG(int64_t, step) = 0;
  /// First moment average m (fp32 for fp16/bf16 parameters).
  TORCH_ARG(torch::Tensor, exp_avg);
  /// Second moment average v (fp32 for fp16/bf16 parameters).
  TORCH_ARG(torch::Tensor, exp_avg_sq);

public:
  /// Reads the state from a checkpoint.
  void serialize(torch::serialize::InputArchive &archive) override;
  /// Writes the state into a checkpoint.
  void serialize(torch::serialize::OutputArchive &archive) const override;
};

/// Forgather's AdamW (see the file comment for the rule).
class AdamW : public torch::optim::Optimizer {
public:
  /// Optimizes `param_groups`; groups without options get `defaults`.
  /// Throws std::runtime_error for an out-of-range option.
  explicit AdamW(std::vector<torch::optim::OptimizerParamGroup> param_groups, AdamWOptions defaults = {});
  /// Optimizes `params` as one group.
  explicit AdamW(std::vector<torch::Tensor> params, AdamWOptions defaults = {});

  /// One update of every parameter that has a gradient; returns the
  /// closure's loss (or an undefined tensor without a closure).
  torch::Tensor step(LossClosure closure = nullptr) override;
  /// Writes the state of every parameter and the group options.
  void save(torch::serialize::OutputArchive &archive) const override;
  /// Restores what `save` wrote; parameters are matched by position.
  void load(torch::serialize::InputArchive &archive) override;
};

} // namespace fgrt::optim
