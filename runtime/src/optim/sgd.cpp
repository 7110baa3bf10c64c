//===- sgd.cpp - Forgather's plain SGD -------------------------------------===//
//
// The update rule is documented in fgrt/optim/sgd.hpp.
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/sgd.hpp"

#include "optimizer_support.hpp"

namespace fgrt::optim {

SGDOptions::SGDOptions(double lr) : lr_(lr) {}

void SGDOptions::serialize(torch::serialize::OutputArchive &archive) const { detail::write_value(archive, "lr", lr()); }

void SGDOptions::serialize(torch::serialize::InputArchive &archive) { lr(detail::read_value<double>(archive, "lr")); }

SGD::SGD(std::vector<torch::optim::OptimizerParamGroup> param_groups, SGDOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<SGDOptions>(defaults)) {
  detail::validate_groups<SGDOptions>(
      *this, [](const SGDOptions &options) { detail::require_option(options.lr() >= 0, "SGD", "lr", "must be >= 0"); });
}

SGD::SGD(std::vector<torch::Tensor> params, SGDOptions defaults)
    : SGD(detail::single_group(std::move(params)), std::move(defaults)) {}

torch::Tensor SGD::step(LossClosure closure) {
  return detail::step_each_param<SGDOptions>(*this, closure, [](const SGDOptions &options, torch::Tensor &param) {
    torch::Tensor master = detail::master_copy(param);
    master.add_(param.grad().to(master.scalar_type()), -options.lr());
    detail::store_master(param, master);
  });
}

// SGD keeps no state, so the base state type (whose serialize is never
// reached for an empty map) stands in for a state class of its own.
void SGD::save(torch::serialize::OutputArchive &archive) const {
  detail::save_optimizer<torch::optim::OptimizerParamState, SGDOptions>(archive, *this);
}

void SGD::load(torch::serialize::InputArchive &archive) {
  detail::load_optimizer<torch::optim::OptimizerParamState, SGDOptions>("SGD", archive, *this);
}

} // namespace fgrt::optim
