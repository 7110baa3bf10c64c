//===- infinite_lr_scheduler.hpp - The infinite LR schedule ----*- C++ -*-===//
//
// The schedule of "Beyond Cosine Decay" (arXiv 2503.02844) as the reference
// trainer implements it, with e = last_epoch, W = warmup_steps,
// C = cooldown_steps and base = the group's base lr:
//
//   e < W           base · e / W                        (0 at step 0: the
//                                                         first update is a no-op)
//   W <= e < W + C  const + (base − const)/2 · (1 + cos(π (e − W) / C))
//   e >= cs >= 0    min + (const − min) · exp(−(e − cs) / tau)
//                   (anneal after checkpoint_step cs; disabled when cs < 0)
//   otherwise       const, or base when C = 0
//
// where const = constant_lr and min = min_lr. The phases are tested in that
// order, so annealing starts no earlier than the end of the cooldown
// (checkpoint_step must be >= W + C when set).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/optim/lr_scheduler.hpp"

namespace fgrt::optim {

/// Options of InfiniteLRScheduler.
struct InfiniteLRSchedulerOptions {
  /// Steps of linear warmup from 0 to the base lr.
  TORCH_ARG(int64_t, warmup_steps) = 0;
  /// Steps of cosine decay from the base lr to constant_lr.
  TORCH_ARG(int64_t, cooldown_steps) = 0;
  /// The lr of the constant ("infinite") phase.
  TORCH_ARG(double, constant_lr) = 3.75e-5;
  /// The lr the annealing phase decays towards.
  TORCH_ARG(double, min_lr) = 1e-8;
  /// Time constant (in steps) of the exponential annealing.
  TORCH_ARG(double, tau) = 1e4;
  /// Step at which annealing starts; negative disables annealing.
  TORCH_ARG(int64_t, checkpoint_step) = -1;
};

/// Warmup, cosine cooldown, constant phase, optional exponential anneal.
class InfiniteLRScheduler : public LRScheduler {
public:
  /// Throws std::runtime_error for an invalid option.
  InfiniteLRScheduler(torch::optim::Optimizer &optimizer, InfiniteLRSchedulerOptions options);
  /// The rule of the file comment.
  double lr_at(double base_lr, int64_t epoch) const override;
  /// "InfiniteLRScheduler".
  std::string kind() const override { return "InfiniteLRScheduler"; }

private:
  InfiniteLRSchedulerOptions options_;
};

} // namespace fgrt::optim
