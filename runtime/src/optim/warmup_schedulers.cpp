//===- warmup_schedulers.cpp - Hugging Face's warmup schedules -------------===//
//
// The multipliers are documented in fgrt/optim/warmup_schedulers.hpp.
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/warmup_schedulers.hpp"

#include "optimizer_support.hpp"

#include <algorithm>
#include <cmath>

namespace fgrt::optim {

namespace {

/// HF's warmup multiplier e / max(1, W), for e < W.
double warmup_fraction(int64_t epoch, int64_t warmup_steps) {
  return double(epoch) / double(std::max<int64_t>(1, warmup_steps));
}

/// Fraction of the post-warmup span done at `epoch`: (e − W) / max(1, T − W).
double decay_progress(int64_t epoch, int64_t warmup_steps, int64_t total_steps) {
  return double(epoch - warmup_steps) / double(std::max<int64_t>(1, total_steps - warmup_steps));
}

/// The checks LinearWarmupDecay and CosineWarmupDecay share.
void require_warmup_within_total(const char *owner, int64_t warmup_steps, int64_t total_steps) {
  detail::require_option(warmup_steps >= 0, owner, "warmup_steps", "must be >= 0");
  detail::require_option(total_steps > 0, owner, "total_steps", "must be > 0 (the number of training steps)");
  detail::require_option(total_steps >= warmup_steps, owner, "total_steps", "must be >= warmup_steps");
}

} // namespace

LinearWarmupDecay::LinearWarmupDecay(torch::optim::Optimizer &optimizer, LinearWarmupDecayOptions options)
    : LRScheduler(optimizer), options_(options) {
  require_warmup_within_total("LinearWarmupDecay", options_.warmup_steps(), options_.total_steps());
  initial_step();
}

double LinearWarmupDecay::lr_at(double base_lr, int64_t epoch) const {
  const int64_t warmup = options_.warmup_steps(), total = options_.total_steps();
  if (epoch < warmup)
    return base_lr * warmup_fraction(epoch, warmup);
  return base_lr * std::max(0.0, double(total - epoch) / double(std::max<int64_t>(1, total - warmup)));
}

CosineWarmupDecay::CosineWarmupDecay(torch::optim::Optimizer &optimizer, CosineWarmupDecayOptions options)
    : LRScheduler(optimizer), options_(options) {
  const char *owner = "CosineWarmupDecay";
  require_warmup_within_total(owner, options_.warmup_steps(), options_.total_steps());
  detail::require_option(options_.num_cycles() > 0, owner, "num_cycles", "must be > 0");
  detail::require_option(options_.min_lr_ratio() >= 0 && options_.min_lr_ratio() <= 1, owner, "min_lr_ratio",
                         "must lie in [0, 1]");
  initial_step();
}

double CosineWarmupDecay::lr_at(double base_lr, int64_t epoch) const {
  const int64_t warmup = options_.warmup_steps();
  if (epoch < warmup)
    return base_lr * warmup_fraction(epoch, warmup);
  const double progress = decay_progress(epoch, warmup, options_.total_steps());
  const double cosine = 0.5 * (1.0 + std::cos(M_PI * options_.num_cycles() * 2.0 * progress));
  const double floor = options_.min_lr_ratio();
  return base_lr * std::max(0.0, cosine * (1.0 - floor) + floor);
}

ConstantLR::ConstantLR(torch::optim::Optimizer &optimizer, ConstantLROptions options)
    : LRScheduler(optimizer), options_(options) {
  detail::require_option(options_.warmup_steps() >= 0, "ConstantLR", "warmup_steps", "must be >= 0");
  initial_step();
}

double ConstantLR::lr_at(double base_lr, int64_t epoch) const {
  return epoch < options_.warmup_steps() ? base_lr * warmup_fraction(epoch, options_.warmup_steps()) : base_lr;
}

} // namespace fgrt::optim
