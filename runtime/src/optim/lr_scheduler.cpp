//===- lr_scheduler.cpp - The base of fgrt's learning-rate schedulers -----===//
#include "fgrt/optim/lr_scheduler.hpp"

#include <stdexcept>

namespace fgrt::optim {

LRScheduler::LRScheduler(torch::optim::Optimizer &optimizer) : optimizer_(optimizer) {
  for (const auto &group : optimizer.param_groups())
    base_lrs_.push_back(group.options().get_lr());
}

void LRScheduler::step() {
  ++last_epoch_;
  apply();
}

void LRScheduler::apply() {
  std::vector<double> lrs = compute_lrs(last_epoch_);
  auto &groups = optimizer_.param_groups();
  if (lrs.size() != groups.size())
    throw std::logic_error("LRScheduler: " + std::to_string(lrs.size()) + " learning rates for " +
                           std::to_string(groups.size()) + " parameter groups");
  for (size_t i = 0; i < groups.size(); ++i)
    groups[i].options().set_lr(lrs[i]);
}

std::vector<double> LRScheduler::last_lr() const {
  std::vector<double> lrs;
  for (const auto &group : optimizer_.param_groups())
    lrs.push_back(group.options().get_lr());
  return lrs;
}

void LRScheduler::save(torch::serialize::OutputArchive &archive) const {
  archive.write("last_epoch", torch::tensor(last_epoch_, torch::kLong));
  archive.write("base_lrs", torch::tensor(base_lrs_, torch::kDouble));
}

void LRScheduler::load(torch::serialize::InputArchive &archive) {
  torch::Tensor epoch, base;
  archive.read("last_epoch", epoch);
  archive.read("base_lrs", base);
  if (base.numel() != static_cast<int64_t>(base_lrs_.size()))
    throw std::runtime_error("scheduler state: " + std::to_string(base.numel()) + " base learning rates for " +
                             std::to_string(base_lrs_.size()) + " parameter groups");
  last_epoch_ = epoch.item<int64_t>();
  for (size_t i = 0; i < base_lrs_.size(); ++i)
    base_lrs_[i] = base[static_cast<int64_t>(i)].item<double>();
  apply();
}

} // namespace fgrt::optim
