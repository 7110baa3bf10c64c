//===- adafactor.cpp - Forgather's Adafactor -------------------------------===//
//
// The update rule is documented in fgrt/optim/adafactor.hpp; the step
// numbers in the comments below refer to it.
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/adafactor.hpp"

#include "optimizer_support.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>

namespace fgrt::optim {

AdafactorOptions::AdafactorOptions(double lr) : lr_(lr) {}

void AdafactorOptions::serialize(torch::serialize::OutputArchive &archive) const {
  detail::write_value(archive, "lr", lr());
  detail::write_value(archive, "decay_rate", decay_rate());
  detail::write_value(archive, "clip_threshold", clip_threshold());
  detail::write_value(archive, "betas", betas());
  detail::write_value(archive, "eps", eps());
  detail::write_value(archive, "weight_decay", weight_decay());
  detail::write_value(archive, "relative_step", relative_step());
  detail::write_value(archive, "bf16_stochastic_round", bf16_stochastic_round());
}

void AdafactorOptions::serialize(torch::serialize::InputArchive &archive) {
  lr(detail::read_value<double>(archive, "lr"));
  decay_rate(detail::read_value<double>(archive, "decay_rate"));
  clip_threshold(detail::read_value<double>(archive, "clip_threshold"));
  betas(detail::read_value<HyperparameterPair>(archive, "betas"));
  eps(detail::read_value<HyperparameterPair>(archive, "eps"));
  weight_decay(detail::read_value<double>(archive, "weight_decay"));
  relative_step(detail::read_value<bool>(archive, "relative_step"));
  bf16_stochastic_round(detail::read_value<bool>(archive, "bf16_stochastic_round"));
}

void AdafactorParamState::serialize(torch::serialize::OutputArchive &archive) const {
  detail::write_value(archive, "step", step());
  archive.write("row", row());
  detail::write_optional_tensor(archive, "col", col());
}

void AdafactorParamState::serialize(torch::serialize::InputArchive &archive) {
  step(detail::read_value<int64_t>(archive, "step"));
  archive.read("row", row());
  col(detail::read_optional_tensor(archive, "col"));
}

torch::Tensor stochastic_round_to_bf16(const torch::Tensor &value, const torch::Tensor &random_bits) {
  // int64 arithmetic so that adding to a bit pattern near INT32_MAX cannot
  // overflow; the mask keeps the low 32 bits, which to(kInt32) wraps back.
  torch::Tensor pattern = value.contiguous().view(torch::kInt32).to(torch::kInt64);
  torch::Tensor rounded = (pattern + random_bits.to(torch::kInt64)).bitwise_and(int64_t(0xFFFF0000));
  return rounded.to(torch::kInt32).view(torch::kFloat32).to(torch::kBFloat16);
}

namespace {

/// Root mean square, as a number (only the relative step needs it on the
/// host).
double rms(const torch::Tensor &tensor) { return tensor.square().mean().sqrt().item<double>(); }

/// Throws for an out-of-range option of one group.
void validate_adafactor_options(const AdafactorOptions &options) {
  detail::require_option(options.lr() >= 0, "Adafactor", "lr", "must be >= 0");
  detail::require_option(options.decay_rate() < 0, "Adafactor", "decay_rate", "must be < 0");
  detail::require_option(options.clip_threshold() > 0, "Adafactor", "clip_threshold", "must be > 0");
  detail::require_option(options.weight_decay() >= 0, "Adafactor", "weight_decay", "must be >= 0");
  detail::require_option(std::get<0>(options.eps()) >= 0 && std::get<1>(options.eps()) >= 0, "Adafactor", "eps",
                         "must be a pair of values >= 0");
  detail::require_betas("Adafactor", options.betas());
}

/// The reference defines no factorisation beyond matrices; refusing is
/// clearer than guessing one.
void require_at_most_2d(const torch::Tensor &param) {
  if (param.dim() > 2)
    throw std::runtime_error("Adafactor: parameter of shape " + detail::shape_string(param) +
                             " has more than 2 dimensions; only scalars, vectors and matrices are supported");
}

/// Zero statistics: [rows] and [cols] for a matrix, the full shape otherwise.
void init_state(AdafactorParamState &state, const torch::Tensor &param) {
  auto options = param.options();
  if (param.dim() == 2) {
    state.row(torch::zeros({param.size(0)}, options));
    state.col(torch::zeros({param.size(1)}, options));
  } else {
    state.row(torch::zeros_like(param));
  }
}

/// Steps 3-6: updates the second-moment statistics and returns the
/// unclipped update u (fp32).
torch::Tensor scaled_gradient(AdafactorParamState &state, const torch::Tensor &grad, double beta2t, double eps1) {
  torch::Tensor squared = grad.square() + eps1;
  // The statistics live in the parameter's dtype but are updated in fp32.
  torch::Tensor row = state.row().to(torch::kFloat32);
  if (!state.col().defined()) {
    row.lerp_(squared, 1.0 - beta2t);
    state.row().copy_(row);
    return grad / row.sqrt();
  }
  torch::Tensor col = state.col().to(torch::kFloat32);
  row.lerp_(squared.sum(1), 1.0 - beta2t);
  col.lerp_(squared.sum(0), 1.0 - beta2t);
  state.row().copy_(row);
  state.col().copy_(col);
  return grad * torch::outer(torch::rsqrt(row / row.sum()), torch::rsqrt(col));
}

} // namespace

Adafactor::Adafactor(std::vector<torch::optim::OptimizerParamGroup> param_groups, AdafactorOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdafactorOptions>(defaults)),
      rounding_generator_(at::make_generator<at::CPUGeneratorImpl>(kStochasticRoundSeed)) {
  detail::validate_groups<AdafactorOptions>(*this, validate_adafactor_options);
}

Adafactor::Adafactor(std::vector<torch::Tensor> params, AdafactorOptions defaults)
    : Adafactor(detail::single_group(std::move(params)), std::move(defaults)) {}

torch::Tensor Adafactor::step(LossClosure closure) {
  return detail::step_each_param<AdafactorOptions>(
      *this, closure, [&](const AdafactorOptions &options, torch::Tensor &param) {
        require_at_most_2d(param);
        auto &state = detail::state_of<AdafactorParamState>(
            state_, param, [&](AdafactorParamState &fresh) { init_state(fresh, param); });
        const int64_t t = state.step() + 1;
        state.step(t);
        auto [eps1, eps2] = options.eps();
        const double beta2t = std::min(1.0 - std::pow(double(t), options.decay_rate()), std::get<1>(options.betas()));

        torch::Tensor master = param.to(torch::kFloat32); // the parameter itself when fp32
        double lr = options.lr();
        if (options.relative_step())
          lr *= std::max(eps2, rms(master)); // step 1
        if (options.weight_decay() > 0)
          master.mul_(1.0 - lr * options.weight_decay()); // step 2

        torch::Tensor update = scaled_gradient(state, param.grad().to(torch::kFloat32), beta2t, eps1);
        // Step 7 as tensor ops: no device synchronisation on the common path.
        update.div_(torch::clamp_min(update.square().mean().sqrt() / options.clip_threshold(), 1.0));
        master.sub_(lr * update); // step 8

        if (options.bf16_stochastic_round() && param.scalar_type() == torch::kBFloat16) {
          torch::Tensor bits = torch::randint(0, 1 << 16, param.sizes(), rounding_generator_, torch::kInt32);
          param.copy_(stochastic_round_to_bf16(master, bits.to(param.device())));
        } else {
          detail::store_master(param, master);
        }
      });
}

void Adafactor::save(torch::serialize::OutputArchive &archive) const {
  detail::save_optimizer<AdafactorParamState, AdafactorOptions>(archive, *this);
  archive.write("rounding_generator_state", rounding_generator_.get_state());
}

void Adafactor::load(torch::serialize::InputArchive &archive) {
  detail::load_optimizer<AdafactorParamState, AdafactorOptions>("Adafactor", archive, *this);
  detail::rethrow_load_errors("Adafactor", [&] {
    torch::Tensor generator_state;
    archive.read("rounding_generator_state", generator_state);
    rounding_generator_.set_state(generator_state);
  });
}

} // namespace fgrt::optim
