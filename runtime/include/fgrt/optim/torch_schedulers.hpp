//===- torch_schedulers.hpp - torch.optim.lr_scheduler ports ---*- C++ -*-===//
//
// Closed forms of three PyTorch schedulers, with e = last_epoch:
//
//   LinearLR           base · (start + (end − start) · min(e, total_iters) / total_iters)
//   CosineAnnealingLR  eta_min + (base − eta_min) · (1 + cos(π e / T_max)) / 2
//                      (the closed form; past T_max it keeps following the
//                      cosine, as torch's does)
//   SequentialLR       child k for milestones[k−1] <= e < milestones[k],
//                      evaluated at the local epoch e − milestones[k−1]
//                      (torch restarts a child with step(0) at its
//                      milestone, i.e. its closed form from 0)
//
// SequentialLR takes its children as factories: it builds each one on the
// optimizer after restoring the groups' initial lrs, so every child sees the
// same base lrs (torch's `initial_lr`), and evaluates them through lr_at.
// The children's own last_epoch is not used. The reference trainer's
// sequential_lr_factory is SequentialLR(LinearLR(0.05 -> 1 over the warmup),
// CosineAnnealingLR(T_max, eta_min 2e-4)).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/optim/lr_scheduler.hpp"

#include <vector>

namespace fgrt::optim {

/// Options of LinearLR (torch's defaults).
struct LinearLROptions {
  /// Multiplier of the base lr at epoch 0; in (0, 1].
  TORCH_ARG(double, start_factor) = 1.0 / 3.0;
  /// Multiplier reached at total_iters; in [0, 1].
  TORCH_ARG(double, end_factor) = 1.0;
  /// Epochs of the linear change.
  TORCH_ARG(int64_t, total_iters) = 5;
};

/// Linear change of the lr multiplier, then constant.
class LinearLR : public LRScheduler {
public:
  /// Throws std::runtime_error for an invalid option.
  LinearLR(torch::optim::Optimizer &optimizer, LinearLROptions options);
  /// The rule of the file comment.
  double lr_at(double base_lr, int64_t epoch) const override;
  /// "LinearLR".
  std::string kind() const override { return "LinearLR"; }

private:
  LinearLROptions options_;
};

/// Options of CosineAnnealingLR.
struct CosineAnnealingLROptions {
  /// Epochs of the half cosine from the base lr to eta_min; required.
  TORCH_ARG(int64_t, T_max) = 0;
  /// The lr at T_max.
  TORCH_ARG(double, eta_min) = 0.0;
};

/// Cosine annealing from the base lr to eta_min over T_max epochs.
class CosineAnnealingLR : public LRScheduler {
public:
  /// Throws std::runtime_error for an invalid option.
  CosineAnnealingLR(torch::optim::Optimizer &optimizer, CosineAnnealingLROptions options);
  /// The rule of the file comment.
  double lr_at(double base_lr, int64_t epoch) const override;
  /// "CosineAnnealingLR".
  std::string kind() const override { return "CosineAnnealingLR"; }

private:
  CosineAnnealingLROptions options_;
};

/// Options of SequentialLR.
struct SequentialLROptions {
  /// Builders of the child schedules, in order.
  TORCH_ARG(std::vector<LRSchedulerFactory>, schedulers) = {};
  /// Epochs at which the next child takes over; one fewer than schedulers,
  /// ascending.
  TORCH_ARG(std::vector<int64_t>, milestones) = {};
};

/// Child schedules one after another (see the file comment).
class SequentialLR : public LRScheduler {
public:
  /// Builds the children. Throws std::runtime_error for a milestone count
  /// that does not match, unsorted milestones or a factory returning null.
  SequentialLR(torch::optim::Optimizer &optimizer, SequentialLROptions options);
  /// The active child's lr at its local epoch.
  double lr_at(double base_lr, int64_t epoch) const override;
  /// "SequentialLR".
  std::string kind() const override { return "SequentialLR"; }

private:
  std::vector<int64_t> milestones_;
  std::vector<std::unique_ptr<LRScheduler>> children_;
};

} // namespace fgrt::optim
