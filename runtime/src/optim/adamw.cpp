//===- adamw.cpp - Forgather's AdamW ---------------------------------------===//
//
// The update rule is documented in fgrt/optim/adamw.hpp.
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/adamw.hpp"

#include "optimizer_support.hpp"

#include <cmath>

namespace fgrt::optim {

AdamWOptions::AdamWOptions(double lr) : lr_(lr) {}

void AdamWOptions::serialize(torch::serialize::OutputArchive &archive) const {
  detail::write_value(archive, "lr", lr());
  detail::write_value(archive, "betas", betas());
  detail::write_value(archive, "eps", eps());
  detail::write_value(archive, "weight_decay", weight_decay());
}

void AdamWOptions::serialize(torch::serialize::InputArchive &archive) {
  lr(detail::read_value<double>(archive, "lr"));
  betas(detail::read_value<HyperparameterPair>(archive, "betas"));
  eps(detail::read_value<double>(archive, "eps"));
  weight_decay(detail::read_value<double>(archive, "weight_decay"));
}

void AdamWParamState::serialize(torch::serialize::OutputArchive &archive) const {
  detail::write_value(archive, "step", step());
  archive.write("exp_avg", exp_avg());
  archive.write("exp_avg_sq", exp_avg_sq());
}

void AdamWParamState::serialize(torch::serialize::InputArchive &archive) {
  step(detail::read_value<int64_t>(archive, "step"));
  archive.read("exp_avg", exp_avg());
  archive.read("exp_avg_sq", exp_avg_sq());
}

namespace {

/// Throws for an out-of-range option of one group.
void validate_adamw_options(const AdamWOptions &options) {
  detail::require_option(options.lr() >= 0, "AdamW", "lr", "must be >= 0");
  detail::require_option(options.eps() >= 0, "AdamW", "eps", "must be >= 0");
  detail::require_option(options.weight_decay() >= 0, "AdamW", "weight_decay", "must be >= 0");
  detail::require_betas("AdamW", options.betas());
}

/// The rule of the file comment on one parameter.
void update_param(const AdamWOptions &options, AdamWParamState &state, torch::Tensor &param) {
  auto [beta1, beta2] = options.betas();
  const double lr = options.lr();
  const int64_t t = state.step() + 1;
  state.step(t);

  // Everything runs on the master copy, so for bf16 parameters the decay
  // and the update are rounded once, together, at the end.
  torch::Tensor master = detail::master_copy(param);
  torch::Tensor grad = param.grad().to(master.scalar_type());
  if (options.weight_decay() > 0)
    master.add_(master, -lr * options.weight_decay());
  state.exp_avg().lerp_(grad, 1.0 - beta1);
  state.exp_avg_sq().lerp_(grad.square(), 1.0 - beta2);
  // eps on the uncorrected sqrt(v): the reference's placement (see header).
  torch::Tensor update = state.exp_avg() / (state.exp_avg_sq().sqrt() + options.eps());
  const double step_size = lr * std::sqrt(1.0 - std::pow(beta2, t)) / (1.0 - std::pow(beta1, t));
  master.add_(update, -step_size);
  detail::store_master(param, master);
}

} // namespace

AdamW::AdamW(std::vector<torch::optim::OptimizerParamGroup> param_groups, AdamWOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdamWOptions>(defaults)) {
  detail::validate_groups<AdamWOptions>(*this, validate_adamw_options);
}

AdamW::AdamW(std::vector<torch::Tensor> params, AdamWOptions defaults)
    : AdamW(detail::single_group(std::move(params)), std::move(defaults)) {}

torch::Tensor AdamW::step(LossClosure closure) {
  return detail::step_each_param<AdamWOptions>(*this, closure, [&](const AdamWOptions &options, torch::Tensor &param) {
    // Moments in the working dtype: fp32 for bf16 parameters, whose 8-bit
    // mantissa could not hold (1 − beta2)·g² increments.
    auto &state = detail::state_of<AdamWParamState>(state_, param, [&](AdamWParamState &fresh) {
      auto moments = torch::zeros_like(param, param.options().dtype(detail::working_dtype(param)));
      fresh.exp_avg(moments);
      fresh.exp_avg_sq(moments.clone());
    });
    update_param(options, state, param);
  });
}

void AdamW::save(torch::serialize::OutputArchive &archive) const {
  detail::save_optimizer<AdamWParamState, AdamWOptions>(archive, *this);
}

void AdamW::load(torch::serialize::InputArchive &archive) {
  detail::load_optimizer<AdamWParamState, AdamWOptions>("AdamW", archive, *this);
}

} // namespace fgrt::optim
