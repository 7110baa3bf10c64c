//===- muon.cpp - Muon: momentum SGD with orthogonalised updates -----------===//
//
// The update rule is documented in fgrt/optim/muon.hpp.
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/muon.hpp"

#include "optimizer_support.hpp"

#include <algorithm>
#include <cmath>

namespace fgrt::optim {

MuonOptions::MuonOptions(double lr) : lr_(lr) {}

void MuonOptions::serialize(torch::serialize::OutputArchive &archive) const {
  detail::write_value(archive, "lr", lr());
  detail::write_value(archive, "momentum", momentum());
  detail::write_value(archive, "nesterov", nesterov());
  detail::write_value(archive, "weight_decay", weight_decay());
  detail::write_value(archive, "ns_steps", ns_steps());
}

void MuonOptions::serialize(torch::serialize::InputArchive &archive) {
  lr(detail::read_value<double>(archive, "lr"));
  momentum(detail::read_value<double>(archive, "momentum"));
  nesterov(detail::read_value<bool>(archive, "nesterov"));
  weight_decay(detail::read_value<double>(archive, "weight_decay"));
  ns_steps(detail::read_value<int64_t>(archive, "ns_steps"));
}

void MuonParamState::serialize(torch::serialize::OutputArchive &archive) const {
  archive.write("momentum_buffer", momentum_buffer());
}

void MuonParamState::serialize(torch::serialize::InputArchive &archive) {
  archive.read("momentum_buffer", momentum_buffer());
}

torch::Tensor newton_schulz_orthogonalize(const torch::Tensor &update, int64_t steps) {
  // Coefficients of Jordan's quintic: a large a makes small singular values
  // grow fast, at the price of leaving them near, not at, 1.
  constexpr double a = 3.4445, b = -4.7750, c = 2.0315;
  const bool tall = update.size(0) > update.size(1);
  // Frobenius normalisation bounds every singular value by 1, inside the
  // iteration's region of convergence.
  torch::Tensor x = update / (update.norm() + 1e-7);
  if (tall)
    x = x.t();
  for (int64_t i = 0; i < steps; ++i) {
    torch::Tensor gram = x.matmul(x.t());
    torch::Tensor poly = b * gram + c * gram.matmul(gram);
    x = a * x + poly.matmul(x);
  }
  return tall ? x.t() : x;
}

namespace {

/// Throws for an out-of-range option of one group.
void validate_muon_options(const MuonOptions &options) {
  detail::require_option(options.lr() >= 0, "Muon", "lr", "must be >= 0");
  detail::require_option(options.momentum() >= 0 && options.momentum() < 1, "Muon", "momentum", "must lie in [0, 1)");
  detail::require_option(options.weight_decay() >= 0, "Muon", "weight_decay", "must be >= 0");
  detail::require_option(options.ns_steps() >= 1, "Muon", "ns_steps", "must be >= 1");
}

/// The rule of muon.hpp on one parameter, in the parameter's dtype.
void update_param(const MuonOptions &options, MuonParamState &state, torch::Tensor &param) {
  const torch::Tensor &grad = param.grad();
  torch::Tensor &buffer = state.momentum_buffer();
  buffer.lerp_(grad, 1.0 - options.momentum());
  torch::Tensor direction = options.nesterov() ? grad.lerp(buffer, options.momentum()) : buffer;
  torch::Tensor orthogonal = newton_schulz_orthogonalize(direction.to(param.scalar_type()), options.ns_steps());
  // An orthogonal [rows, cols] matrix with rows > cols has smaller entries;
  // sqrt(rows/cols) restores their size.
  const double shape_scale = std::sqrt(std::max(1.0, double(param.size(0)) / double(param.size(1))));
  if (options.weight_decay() > 0)
    param.mul_(1.0 - options.lr() * options.weight_decay());
  param.add_(orthogonal, -options.lr() * shape_scale);
}

} // namespace

Muon::Muon(std::vector<torch::optim::OptimizerParamGroup> param_groups, MuonOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<MuonOptions>(defaults)) {
  detail::validate_groups<MuonOptions>(*this, validate_muon_options);
  detail::require_all_matrices("Muon", *this);
}

Muon::Muon(std::vector<torch::Tensor> params, MuonOptions defaults)
    : Muon(detail::single_group(std::move(params)), std::move(defaults)) {}

torch::Tensor Muon::step(LossClosure closure) {
  return detail::step_each_param<MuonOptions>(*this, closure, [&](const MuonOptions &options, torch::Tensor &param) {
    // Parameters added after construction (add_param_group) are checked here.
    detail::require_matrix("Muon", param);
    auto &state = detail::state_of<MuonParamState>(
        state_, param, [&](MuonParamState &fresh) { fresh.momentum_buffer(torch::zeros_like(param)); });
    update_param(options, state, param);
  });
}

void Muon::save(torch::serialize::OutputArchive &archive) const {
  detail::save_optimizer<MuonParamState, MuonOptions>(archive, *this);
}

void Muon::load(torch::serialize::InputArchive &archive) {
  detail::load_optimizer<MuonParamState, MuonOptions>("Muon", archive, *this);
}

} // namespace fgrt::optim
