//===- sgd.hpp - Forgather's plain SGD -------------------------*- C++ -*-===//
//
// Gradient descent without momentum, dampening or weight decay:
//
//   p -= lr * g
//
// It keeps no per-parameter state; a checkpoint holds only the group options
// (the lr a scheduler may have changed). fp16/bf16 parameters are updated
// through an fp32 copy, like the other optimizers of this area.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <vector>

namespace fgrt::optim {

/// Hyperparameters of SGD (per parameter group).
struct SGDOptions : public torch::optim::OptimizerCloneableOptions<SGDOptions> {
  /// Options with learning rate `lr`.
  SGDOptions(double lr = 1e-3);
  /// Learning rate.
  TORCH_ARG(double, lr) = 1e-3;

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

/// Forgather's SGD: `p -= lr * g`.
class SGD : public torch::optim::Optimizer {
public:
  /// Optimizes `param_groups`; groups without options get `defaults`.
  explicit SGD(std::vector<torch::optim::OptimizerParamGroup> param_groups, SGDOptions defaults = {});
  /// Optimizes `params` as one group.
  explicit SGD(std::vector<torch::Tensor> params, SGDOptions defaults = {});

  /// One update of every parameter that has a gradient.
  torch::Tensor step(LossClosure closure = nullptr) override;
  /// Writes the group options (SGD has no per-parameter state).
  void save(torch::serialize::OutputArchive &archive) const override;
  /// Restores what `save` wrote.
  void load(torch::serialize::InputArchive &archive) override;
};

} // namespace fgrt::optim
