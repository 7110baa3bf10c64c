//===- lr_scheduler.cpp - Base of the fgrt LR schedulers -------------------===//
//
// Epoch bookkeeping and checkpoints; see fgrt/optim/lr_scheduler.hpp.
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/lr_scheduler.hpp"

#include "optimizer_support.hpp"

namespace fgrt::optim {

namespace {

/// lrs as a float64 tensor: archives store tensors, and float64 keeps them
/// exact.
torch::Tensor to_tensor(const std::vector<double> &values) { return torch::tensor(values, torch::kFloat64); }

/// The inverse of to_tensor.
std::vector<double> to_vector(const torch::Tensor &tensor) {
  torch::Tensor contiguous = tensor.to(torch::kFloat64).contiguous();
  return std::vector<double>(contiguous.data_ptr<double>(), contiguous.data_ptr<double>() + contiguous.numel());
}

} // namespace

LRScheduler::LRScheduler(torch::optim::Optimizer &optimizer) : optimizer_(optimizer) {
  for (const auto &group : optimizer_.param_groups())
    base_lrs_.push_back(group.options().get_lr());
}

void LRScheduler::initial_step() { apply_epoch(0); }

void LRScheduler::step() {
  // A scheduler that never set epoch 0 would silently skip it; that is a bug
  // of the concrete class, not of the configuration.
  if (last_epoch_ < 0)
    throw std::logic_error(kind() + ": step() on a scheduler whose constructor did not call initial_step()");
  apply_epoch(last_epoch_ + 1);
}

void LRScheduler::apply_epoch(int64_t epoch) {
  last_epoch_ = epoch;
  last_lr_.clear();
  auto &groups = optimizer_.param_groups();
  for (size_t i = 0; i < groups.size(); ++i) {
    last_lr_.push_back(lr_at(base_lrs_[i], epoch));
    groups[i].options().set_lr(last_lr_.back());
  }
}

void LRScheduler::save(torch::serialize::OutputArchive &archive) const {
  detail::write_value(archive, "kind", kind());
  detail::write_value(archive, "last_epoch", last_epoch_);
  archive.write("base_lrs", to_tensor(base_lrs_));
  archive.write("last_lr", to_tensor(last_lr_));
}

void LRScheduler::load(torch::serialize::InputArchive &archive) {
  std::string saved_kind;
  torch::Tensor base_lrs, last_lr;
  int64_t last_epoch = 0;
  try {
    saved_kind = detail::read_value<std::string>(archive, "kind");
    last_epoch = detail::read_value<int64_t>(archive, "last_epoch");
    archive.read("base_lrs", base_lrs);
    archive.read("last_lr", last_lr);
  } catch (const std::exception &error) {
    throw std::runtime_error(kind() + ": cannot load the scheduler state: " + error.what());
  }
  // The group lrs of another schedule would be applied silently otherwise.
  if (saved_kind != kind())
    throw std::runtime_error(kind() + ": the checkpoint holds the state of a " + saved_kind + " scheduler");
  if (base_lrs.numel() != int64_t(base_lrs_.size()) || last_lr.numel() != int64_t(base_lrs_.size()))
    throw std::runtime_error(kind() + ": the checkpoint schedules " + std::to_string(base_lrs.numel()) +
                             " param groups, the optimizer has " + std::to_string(base_lrs_.size()));
  // Only now, after every check, is the scheduler changed: a refused
  // checkpoint leaves it as it was.
  last_epoch_ = last_epoch;
  base_lrs_ = to_vector(base_lrs);
  last_lr_ = to_vector(last_lr);
  auto &groups = optimizer_.param_groups();
  for (size_t i = 0; i < groups.size(); ++i)
    groups[i].options().set_lr(last_lr_[i]);
}

} // namespace fgrt::optim
