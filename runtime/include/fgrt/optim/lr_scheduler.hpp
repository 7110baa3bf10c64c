//===- lr_scheduler.hpp - The base of fgrt's learning-rate schedulers -*- C++ -*-===//
//
// LibTorch 1.13 has only StepLR, so fgrt has its own base class with
// PyTorch's semantics: a scheduler records the base lr of every parameter
// group of its optimizer; `last_epoch` counts the step() calls (0 after
// construction); each step sets every group's lr to compute_lrs(last_epoch).
// As in PyTorch, construction already applies epoch 0's lr: a derived class
// calls apply() at the end of its constructor, once its own fields are set
// (a base constructor cannot call the derived compute_lrs()).
//
// save()/load() carry last_epoch and the base lrs, so a resumed run sets the
// same lr at every step as an uninterrupted one; subclasses with more state
// extend both.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace fgrt::optim {

/// A learning-rate schedule over the parameter groups of one optimizer.
class LRScheduler {
public:
  /// Records each group's current lr as its base lr.
  explicit LRScheduler(torch::optim::Optimizer &optimizer);
  virtual ~LRScheduler() = default;

  /// Advances one epoch (one optimizer step) and sets the groups' lrs.
  void step();
  /// The lr of each group as last set.
  std::vector<double> last_lr() const;
  /// The number of step() calls since construction (or as restored).
  int64_t last_epoch() const { return last_epoch_; }

  /// Writes last_epoch and the base lrs into `archive`.
  virtual void save(torch::serialize::OutputArchive &archive) const;
  /// Restores what save() wrote and sets the lrs of that epoch.
  virtual void load(torch::serialize::InputArchive &archive);

protected:
  /// The lr of every group at `epoch`.
  virtual std::vector<double> compute_lrs(int64_t epoch) const = 0;
  /// Sets every group's lr to compute_lrs(last_epoch()).
  void apply();
  /// The groups' lrs when the scheduler was built.
  const std::vector<double> &base_lrs() const { return base_lrs_; }
  torch::optim::Optimizer &optimizer() const { return optimizer_; }

private:
  torch::optim::Optimizer &optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = 0;
};

} // namespace fgrt::optim
