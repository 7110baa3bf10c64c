//===- lr_scheduler.hpp - Base of the fgrt LR schedulers -------*- C++ -*-===//
//
// LibTorch 1.13 has only StepLR; this base gives the schedulers of this area
// PyTorch's semantics:
//
//   - construction records each param group's current lr as its base lr and
//     sets the lr of epoch 0 (PyTorch's initial step);
//   - step() advances last_epoch by one and sets every group's lr;
//   - last_lr() is what the last step (or the construction) set.
//
// Every schedule here is a closed form lr_at(base_lr, epoch), PyTorch's
// `_get_closed_form_lr`: the lr depends only on the epoch, never on the
// previous lr, so a resumed run cannot drift from an uninterrupted one and
// schedules compose (SequentialLR evaluates its children directly).
//
// save()/load() keep last_epoch, the base lrs and the last lrs; load() also
// writes the last lrs back into the optimizer, so a run resumed with an
// optimizer whose load() does not restore lrs (torch's built-ins) still
// continues identically.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace fgrt::optim {

/// Base of the LR schedulers (see the file comment).
class LRScheduler {
public:
  /// Records the base lrs of `optimizer`'s groups. The optimizer must outlive
  /// the scheduler.
  explicit LRScheduler(torch::optim::Optimizer &optimizer);
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler &) = delete;
  LRScheduler &operator=(const LRScheduler &) = delete;

  /// Advances to the next epoch (optimizer step) and sets every group's lr.
  void step();
  /// The lrs the last step (or the construction) set, one per group.
  const std::vector<double> &last_lr() const { return last_lr_; }
  /// Number of step() calls since construction (0 right after it).
  int64_t last_epoch() const { return last_epoch_; }
  /// The lr of each group when the scheduler was built.
  const std::vector<double> &base_lrs() const { return base_lrs_; }
  /// The lr a group with base lr `base_lr` has at `epoch` under this schedule.
  virtual double lr_at(double base_lr, int64_t epoch) const = 0;
  /// The schedule's class name, stored in checkpoints to catch mismatches.
  virtual std::string kind() const = 0;

  /// Writes the scheduler's state (kind, last_epoch, base and last lrs).
  virtual void save(torch::serialize::OutputArchive &archive) const;
  /// Restores what `save` wrote and re-applies the last lrs to the
  /// optimizer. Throws std::runtime_error for a checkpoint of another kind
  /// or group count.
  virtual void load(torch::serialize::InputArchive &archive);

protected:
  /// Sets the lrs of epoch 0. Every concrete scheduler calls it at the end of
  /// its constructor (a base constructor cannot call the virtual lr_at).
  void initial_step();
  /// The optimizer whose groups are scheduled.
  torch::optim::Optimizer &optimizer() { return optimizer_; }

private:
  void apply_epoch(int64_t epoch);

  torch::optim::Optimizer &optimizer_;
  std::vector<double> base_lrs_;
  std::vector<double> last_lr_;
  int64_t last_epoch_ = -1;
};

/// Builds a scheduler on an optimizer (used by SequentialLR for its children).
using LRSchedulerFactory = std::function<std::unique_ptr<LRScheduler>(torch::optim::Optimizer &)>;

} // namespace fgrt::optim
