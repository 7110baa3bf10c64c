//===- torch_schedulers.cpp - torch.optim.lr_scheduler ports ---------------===//
//
// The closed forms are documented in fgrt/optim/torch_schedulers.hpp.
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/torch_schedulers.hpp"

#include "optimizer_support.hpp"

#include <algorithm>
#include <cmath>

namespace fgrt::optim {

LinearLR::LinearLR(torch::optim::Optimizer &optimizer, LinearLROptions options)
    : LRScheduler(optimizer), options_(options) {
  detail::require_option(options_.start_factor() > 0 && options_.start_factor() <= 1, "LinearLR", "start_factor",
                         "must lie in (0, 1]");
  detail::require_option(options_.end_factor() >= 0 && options_.end_factor() <= 1, "LinearLR", "end_factor",
                         "must lie in [0, 1]");
  detail::require_option(options_.total_iters() >= 1, "LinearLR", "total_iters", "must be >= 1");
  initial_step();
}

// The closed form, where torch multiplies ratios step by step: equal up to
// a few ulps, and independent of the lr a previous step left behind.
double LinearLR::lr_at(double base_lr, int64_t epoch) const {
  const double done = double(std::min(epoch, options_.total_iters())) / double(options_.total_iters());
  return base_lr * (options_.start_factor() + (options_.end_factor() - options_.start_factor()) * done);
}

CosineAnnealingLR::CosineAnnealingLR(torch::optim::Optimizer &optimizer, CosineAnnealingLROptions options)
    : LRScheduler(optimizer), options_(options) {
  detail::require_option(options_.T_max() >= 1, "CosineAnnealingLR", "T_max", "must be >= 1");
  initial_step();
}

double CosineAnnealingLR::lr_at(double base_lr, int64_t epoch) const {
  const double eta_min = options_.eta_min();
  return eta_min + (base_lr - eta_min) * (1.0 + std::cos(M_PI * double(epoch) / double(options_.T_max()))) / 2.0;
}

SequentialLR::SequentialLR(torch::optim::Optimizer &optimizer, SequentialLROptions options)
    : LRScheduler(optimizer), milestones_(options.milestones()) {
  const auto &factories = options.schedulers();
  detail::require_option(!factories.empty(), "SequentialLR", "schedulers", "must not be empty");
  detail::require_option(milestones_.size() + 1 == factories.size(), "SequentialLR", "milestones",
                         "must have one entry fewer than schedulers (" + std::to_string(factories.size()) +
                             " schedulers, " + std::to_string(milestones_.size()) + " milestones)");
  detail::require_option(std::is_sorted(milestones_.begin(), milestones_.end()), "SequentialLR", "milestones",
                         "must be in ascending order");
  auto &groups = this->optimizer().param_groups();
  for (const auto &factory : factories) {
    // Each child records the initial lrs as its base, as torch's children
    // all read the groups' `initial_lr`.
    for (size_t i = 0; i < groups.size(); ++i)
      groups[i].options().set_lr(base_lrs()[i]);
    children_.push_back(factory ? factory(this->optimizer()) : nullptr);
    detail::require_option(children_.back() != nullptr, "SequentialLR", "schedulers",
                           "has an entry that built no scheduler");
  }
  initial_step();
}

// upper_bound: at a milestone the next child is active (torch's
// bisect_right), starting from its own epoch 0.
double SequentialLR::lr_at(double base_lr, int64_t epoch) const {
  const size_t active = std::upper_bound(milestones_.begin(), milestones_.end(), epoch) - milestones_.begin();
  const int64_t start = active == 0 ? 0 : milestones_[active - 1];
  return children_[active]->lr_at(base_lr, epoch - start);
}

} // namespace fgrt::optim
