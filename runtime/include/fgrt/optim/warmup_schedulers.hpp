//===- warmup_schedulers.hpp - Hugging Face's warmup schedules -*- C++ -*-===//
//
// The schedules of transformers' get_scheduler() (what a trainer falls back
// to when no scheduler is configured), as multipliers of the base lr, with
// e = last_epoch, W = warmup_steps, T = total_steps:
//
//   warmup (all)       e < W: e / max(1, W)
//   LinearWarmupDecay  max(0, (T − e) / max(1, T − W))
//                      (get_linear_schedule_with_warmup)
//   CosineWarmupDecay  p = (e − W) / max(1, T − W)
//                      f = 0.5 (1 + cos(2π · num_cycles · p))
//                      max(0, f (1 − min_lr_ratio) + min_lr_ratio)
//                      (get_cosine_schedule_with_warmup; with min_lr_ratio,
//                      get_cosine_with_min_lr_schedule_with_warmup)
//   ConstantLR         1 (get_constant_schedule[_with_warmup]); this is NOT
//                      torch's ConstantLR(factor, total_iters)
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/optim/lr_scheduler.hpp"

namespace fgrt::optim {

/// Options of LinearWarmupDecay.
struct LinearWarmupDecayOptions {
  /// Steps of linear warmup from 0.
  TORCH_ARG(int64_t, warmup_steps) = 0;
  /// Step at which the lr reaches 0 (the run's number of steps); required.
  TORCH_ARG(int64_t, total_steps) = 0;
};

/// Linear warmup, then linear decay to 0 at total_steps.
class LinearWarmupDecay : public LRScheduler {
public:
  /// Throws std::runtime_error for an invalid option.
  LinearWarmupDecay(torch::optim::Optimizer &optimizer, LinearWarmupDecayOptions options);
  /// The rule of the file comment.
  double lr_at(double base_lr, int64_t epoch) const override;
  /// "LinearWarmupDecay".
  std::string kind() const override { return "LinearWarmupDecay"; }

private:
  LinearWarmupDecayOptions options_;
};

/// Options of CosineWarmupDecay.
struct CosineWarmupDecayOptions {
  /// Steps of linear warmup from 0.
  TORCH_ARG(int64_t, warmup_steps) = 0;
  /// Length of the run the cosine is stretched over; required.
  TORCH_ARG(int64_t, total_steps) = 0;
  /// Cosine periods over the decay (0.5: one half-wave down to the minimum).
  TORCH_ARG(double, num_cycles) = 0.5;
  /// Floor of the decay as a fraction of the base lr.
  TORCH_ARG(double, min_lr_ratio) = 0.0;
};

/// Linear warmup, then cosine decay (to min_lr_ratio · base).
class CosineWarmupDecay : public LRScheduler {
public:
  /// Throws std::runtime_error for an invalid option.
  CosineWarmupDecay(torch::optim::Optimizer &optimizer, CosineWarmupDecayOptions options);
  /// The rule of the file comment.
  double lr_at(double base_lr, int64_t epoch) const override;
  /// "CosineWarmupDecay".
  std::string kind() const override { return "CosineWarmupDecay"; }

private:
  CosineWarmupDecayOptions options_;
};

/// Options of ConstantLR.
struct ConstantLROptions {
  /// Steps of linear warmup from 0 (0: constant from the start).
  TORCH_ARG(int64_t, warmup_steps) = 0;
};

/// The base lr, after an optional linear warmup.
class ConstantLR : public LRScheduler {
public:
  /// Throws std::runtime_error for an invalid option.
  ConstantLR(torch::optim::Optimizer &optimizer, ConstantLROptions options);
  /// The rule of the file comment.
  double lr_at(double base_lr, int64_t epoch) const override;
  /// "ConstantLR".
  std::string kind() const override { return "ConstantLR"; }

private:
  ConstantLROptions options_;
};

} // namespace fgrt::optim
