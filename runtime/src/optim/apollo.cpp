//===- apollo.cpp - Apollo: SGD-like memory, AdamW-like steps --------------===//
//
// The update rule is documented in fgrt/optim/apollo.hpp; the step numbers
// in the comments below refer to it.
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/apollo.hpp"

#include "optimizer_support.hpp"

#include <cmath>

namespace fgrt::optim {

ApolloOptions::ApolloOptions(double lr) : lr_(lr) {}

void ApolloOptions::serialize(torch::serialize::OutputArchive &archive) const {
  detail::write_value(archive, "lr", lr());
  detail::write_value(archive, "betas", betas());
  detail::write_value(archive, "eps", eps());
  detail::write_value(archive, "weight_decay", weight_decay());
  detail::write_value(archive, "rank", rank());
  detail::write_value(archive, "scale", scale());
  detail::write_value(archive, "scale_front", scale_front());
  detail::write_value(archive, "update_steps", update_steps());
  detail::write_value(archive, "mini", mini());
  detail::write_value(archive, "projector", projector());
  detail::write_value(archive, "init", init());
  detail::write_value(archive, "lazy", lazy());
  detail::write_value(archive, "orthag", orthag());
  detail::write_value(archive, "seed", seed());
}

void ApolloOptions::serialize(torch::serialize::InputArchive &archive) {
  lr(detail::read_value<double>(archive, "lr"));
  betas(detail::read_value<HyperparameterPair>(archive, "betas"));
  eps(detail::read_value<double>(archive, "eps"));
  weight_decay(detail::read_value<double>(archive, "weight_decay"));
  rank(detail::read_value<int64_t>(archive, "rank"));
  scale(detail::read_value<double>(archive, "scale"));
  scale_front(detail::read_value<bool>(archive, "scale_front"));
  update_steps(detail::read_value<int64_t>(archive, "update_steps"));
  mini(detail::read_value<bool>(archive, "mini"));
  projector(detail::read_value<std::string>(archive, "projector"));
  init(detail::read_value<std::string>(archive, "init"));
  lazy(detail::read_value<bool>(archive, "lazy"));
  orthag(detail::read_value<std::string>(archive, "orthag"));
  seed(detail::read_value<int64_t>(archive, "seed"));
}

std::unique_ptr<SubspaceProjector> make_projector(const ApolloOptions &options, int64_t dim,
                                                  const std::string &proj_type) {
  if (options.projector() == "random")
    return std::make_unique<RandProjector>(RandProjectorOptions()
                                               .rank(options.rank())
                                               .dim(dim)
                                               .proj_type(proj_type)
                                               .update_steps(options.update_steps())
                                               .init(options.init())
                                               .lazy(options.lazy())
                                               .seed(options.seed()));
  if (options.projector() == "online_pca")
    return std::make_unique<OnlinePCAProjector>(OnlinePCAProjectorOptions()
                                                    .rank(options.rank())
                                                    .dim(dim)
                                                    .proj_type(proj_type)
                                                    .update_steps(options.update_steps())
                                                    .orthag(options.orthag())
                                                    .seed(options.seed()));
  throw std::runtime_error("Apollo: option 'projector' must be \"random\" or \"online_pca\", got \"" +
                           options.projector() + "\"");
}

ProjectorSlot::ProjectorSlot(const ProjectorSlot &other)
    : projector_(other.projector_ ? other.projector_->clone() : nullptr) {}

ProjectorSlot &ProjectorSlot::operator=(const ProjectorSlot &other) {
  if (this != &other)
    projector_ = other.projector_ ? other.projector_->clone() : nullptr;
  return *this;
}

// The projector goes into a sub-archive of its own: its fields depend on
// its kind, which load_projector reads back first.
void ApolloParamState::serialize(torch::serialize::OutputArchive &archive) const {
  detail::write_value(archive, "step", step());
  archive.write("exp_avg", exp_avg());
  archive.write("exp_avg_sq", exp_avg_sq());
  detail::write_optional_tensor(archive, "update_norm", update_norm());
  torch::serialize::OutputArchive projector_archive(archive.compilation_unit());
  projector()->save(projector_archive);
  archive.write("projector", projector_archive);
}

void ApolloParamState::serialize(torch::serialize::InputArchive &archive) {
  step(detail::read_value<int64_t>(archive, "step"));
  archive.read("exp_avg", exp_avg());
  archive.read("exp_avg_sq", exp_avg_sq());
  update_norm(detail::read_optional_tensor(archive, "update_norm"));
  torch::serialize::InputArchive projector_archive;
  archive.read("projector", projector_archive);
  projector(ProjectorSlot(load_projector(projector_archive)));
}

namespace {

/// Throws for an out-of-range option of one group.
void validate_apollo_options(const ApolloOptions &options) {
  detail::require_option(options.lr() >= 0, "Apollo", "lr", "must be >= 0");
  detail::require_option(options.eps() >= 0, "Apollo", "eps", "must be >= 0");
  detail::require_option(options.weight_decay() >= 0, "Apollo", "weight_decay", "must be >= 0");
  detail::require_option(options.scale() > 0, "Apollo", "scale", "must be > 0");
  detail::require_betas("Apollo", options.betas());
  // A throwaway projector checks rank, update_steps and the projector's own
  // options with the projector's messages.
  make_projector(options, std::max<int64_t>(options.rank(), 1), "left");
}

/// Side, projector and moments of a parameter's first update (step 1).
void init_state(const ApolloOptions &options, ApolloParamState &state, const torch::Tensor &param) {
  const bool left = param.size(0) < param.size(1);
  const int64_t reduced = left ? param.size(0) : param.size(1);
  const int64_t kept = left ? param.size(1) : param.size(0);
  state.projector(ProjectorSlot(make_projector(options, reduced, left ? "left" : "right")));
  state.exp_avg(torch::zeros({options.rank(), kept}, param.options()));
  state.exp_avg_sq(torch::zeros({options.rank(), kept}, param.options()));
}

/// Step 6: the channel scale S, shaped to broadcast against the gradient.
torch::Tensor channel_scale(const ApolloOptions &options, const torch::Tensor &projected,
                            const torch::Tensor &normalized, bool left) {
  if (options.mini())
    return normalized.norm() / (projected.norm() + 1e-8);
  torch::Tensor scale = normalized.norm(2, {0}) / (projected.norm(2, {0}) + 1e-8);
  // One value per column of the low-rank image = per channel of the long
  // side: columns of g for "left", rows of g for "right".
  return left ? scale : scale.view({-1, 1});
}

/// Step 9: Fira's limiter, which keeps the update norm from growing by more
/// than 1% per step.
torch::Tensor limit_norm_growth(ApolloParamState &state, const torch::Tensor &update) {
  torch::Tensor norm = update.norm();
  if (!state.update_norm().defined()) {
    state.update_norm(norm);
    return update;
  }
  // Tensor ops throughout: no device synchronisation per parameter.
  torch::Tensor limiter = torch::clamp_min(norm / (state.update_norm() + 1e-8), 1.01) / 1.01;
  state.update_norm(norm / limiter);
  return update / limiter;
}

/// The rule of apollo.hpp on one parameter, in the parameter's dtype (as the
/// reference computes it).
void update_param(const ApolloOptions &options, ApolloParamState &state, torch::Tensor &param) {
  auto [beta1, beta2] = options.betas();
  const torch::Tensor &grad = param.grad();
  const int64_t t = state.step() + 1;
  state.step(t);
  const bool left = state.projector()->proj_type() == "left";
  const double sqrt_scale = std::sqrt(options.scale());

  if (options.weight_decay() > 0)
    param.add_(param, -options.scale() * options.weight_decay()); // step 2 (scale, not lr)
  const double lr_t = options.lr() * std::sqrt(1.0 - std::pow(beta2, t)) / (1.0 - std::pow(beta1, t));

  SubspaceProjector &projector = *state.projector();
  projector.step(grad);
  torch::Tensor projected = projector.down(grad) * projector.scale(); // step 4
  state.exp_avg().lerp_(projected, 1.0 - beta1);
  state.exp_avg_sq().lerp_(projected.square(), 1.0 - beta2);
  torch::Tensor normalized = state.exp_avg() / (state.exp_avg_sq().sqrt() + options.eps());

  torch::Tensor update = grad * channel_scale(options, projected, normalized, left); // step 7
  const bool rescale = options.scale() != 1.0;
  if (rescale && options.scale_front())
    update = update * sqrt_scale;
  update = limit_norm_growth(state, update);
  if (rescale && !options.scale_front())
    update = update * sqrt_scale;
  param.add_(update, -lr_t);
}

} // namespace

Apollo::Apollo(std::vector<torch::optim::OptimizerParamGroup> param_groups, ApolloOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<ApolloOptions>(defaults)) {
  detail::validate_groups<ApolloOptions>(*this, validate_apollo_options);
  detail::require_all_matrices("Apollo", *this);
}

Apollo::Apollo(std::vector<torch::Tensor> params, ApolloOptions defaults)
    : Apollo(detail::single_group(std::move(params)), std::move(defaults)) {}

torch::Tensor Apollo::step(LossClosure closure) {
  return detail::step_each_param<ApolloOptions>(
      *this, closure, [&](const ApolloOptions &options, torch::Tensor &param) {
        detail::require_matrix("Apollo", param);
        auto &state = detail::state_of<ApolloParamState>(
            state_, param, [&](ApolloParamState &fresh) { init_state(options, fresh, param); });
        update_param(options, state, param);
      });
}

void Apollo::save(torch::serialize::OutputArchive &archive) const {
  detail::save_optimizer<ApolloParamState, ApolloOptions>(archive, *this);
}

void Apollo::load(torch::serialize::InputArchive &archive) {
  detail::load_optimizer<ApolloParamState, ApolloOptions>("Apollo", archive, *this);
}

} // namespace fgrt::optim
