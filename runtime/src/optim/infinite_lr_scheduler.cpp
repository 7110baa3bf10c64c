//===- infinite_lr_scheduler.cpp - The infinite LR schedule ----------------===//
//
// The phases are documented in fgrt/optim/infinite_lr_scheduler.hpp.
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/infinite_lr_scheduler.hpp"

#include "optimizer_support.hpp"

#include <cmath>

namespace fgrt::optim {

InfiniteLRScheduler::InfiniteLRScheduler(torch::optim::Optimizer &optimizer, InfiniteLRSchedulerOptions options)
    : LRScheduler(optimizer), options_(options) {
  const char *owner = "InfiniteLRScheduler";
  detail::require_option(options_.warmup_steps() >= 0, owner, "warmup_steps", "must be >= 0");
  detail::require_option(options_.cooldown_steps() >= 0, owner, "cooldown_steps", "must be >= 0");
  detail::require_option(options_.constant_lr() > 0, owner, "constant_lr", "must be > 0");
  detail::require_option(options_.min_lr() > 0, owner, "min_lr", "must be > 0");
  detail::require_option(options_.tau() > 0, owner, "tau", "must be > 0");
  detail::require_option(options_.checkpoint_step() < 0 ||
                             options_.checkpoint_step() >= options_.warmup_steps() + options_.cooldown_steps(),
                         owner, "checkpoint_step",
                         "must be negative (no annealing) or >= warmup_steps + cooldown_steps");
  initial_step();
}

double InfiniteLRScheduler::lr_at(double base_lr, int64_t epoch) const {
  const int64_t warmup = options_.warmup_steps(), cooldown = options_.cooldown_steps();
  const double constant = options_.constant_lr();
  if (epoch < warmup)
    return base_lr * double(epoch) / double(warmup);
  if (epoch < warmup + cooldown)
    return constant + (base_lr - constant) / 2.0 * (1.0 + std::cos(M_PI * double(epoch - warmup) / double(cooldown)));
  if (options_.checkpoint_step() >= 0 && epoch >= options_.checkpoint_step()) {
    const double since = double(epoch - options_.checkpoint_step());
    return options_.min_lr() + (constant - options_.min_lr()) * std::exp(-since / options_.tau());
  }
  return cooldown > 0 ? constant : base_lr;
}

} // namespace fgrt::optim
