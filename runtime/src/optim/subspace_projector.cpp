//===- subspace_projector.cpp - Low-rank projections of gradients ----------===//
//
// The projection layouts and refresh rules are documented in
// fgrt/optim/subspace_projector.hpp.
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/subspace_projector.hpp"

#include "optimizer_support.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

namespace fgrt::optim {

namespace {

/// The kinds load_projector dispatches on (saved in every checkpoint).
constexpr const char *kRandomKind = "random";
constexpr const char *kOnlinePCAKind = "online_pca";

/// A generator seeded with `seed`, or with a seed drawn from torch's global
/// generator when `seed` is negative (reproducible under torch::manual_seed).
at::Generator seeded_generator(int64_t seed) {
  if (seed < 0)
    seed = torch::randint(0, int64_t(1) << 62, {1}, torch::kInt64).item<int64_t>();
  return at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed));
}

/// Saves the dtype and device A is moved to. A lazy projector stores no
/// matrix, so without these a restored one would not know them before its
/// next refresh.
void write_target(torch::serialize::OutputArchive &archive, const torch::TensorOptions &target) {
  detail::write_value(archive, "dtype", int64_t(c10::typeMetaToScalarType(target.dtype())));
  detail::write_value(archive, "device", target.device().str());
}

/// Reads what write_target saved.
torch::TensorOptions read_target(torch::serialize::InputArchive &archive) {
  auto dtype = static_cast<torch::ScalarType>(detail::read_value<int64_t>(archive, "dtype"));
  return torch::TensorOptions().dtype(dtype).device(torch::Device(detail::read_value<std::string>(archive, "device")));
}

/// The options every projector kind shares, read back from `archive`; the
/// caller adds its kind's own.
template <class Options> Options read_shared_options(torch::serialize::InputArchive &archive) {
  return Options()
      .rank(detail::read_value<int64_t>(archive, "rank"))
      .dim(detail::read_value<int64_t>(archive, "dim"))
      .proj_type(detail::read_value<std::string>(archive, "proj_type"))
      .update_steps(detail::read_value<int64_t>(archive, "update_steps"))
      .seed(detail::read_value<int64_t>(archive, "seed"));
}

} // namespace

torch::Tensor random_orthogonal(int64_t rows, int64_t cols, at::Generator &generator) {
  torch::Tensor gaussian = at::normal(0.0, 1.0, {rows, cols}, generator, torch::kFloat32);
  // QR needs the long side first; the sign fix makes Q unique (Haar).
  const bool wide = rows < cols;
  if (wide)
    gaussian = gaussian.t();
  auto [q, r] = at::linalg_qr(gaussian);
  q = q * torch::sign(torch::diagonal(r));
  return (wide ? q.t() : q).contiguous();
}

//===-- SubspaceProjector -------------------------------------------------===//

SubspaceProjector::SubspaceProjector(const std::string &owner, int64_t rank, int64_t dim, std::string proj_type,
                                     int64_t update_steps)
    : rank_(rank), dim_(dim), proj_type_(std::move(proj_type)), update_steps_(update_steps) {
  detail::require_option(rank_ >= 1, owner, "rank", "must be >= 1");
  detail::require_option(dim_ >= 1, owner, "dim", "must be >= 1");
  detail::require_option(update_steps_ >= 1, owner, "update_steps", "must be >= 1");
  detail::require_option(proj_type_ == "left" || proj_type_ == "right", owner, "proj_type",
                         "must be \"left\" or \"right\", got \"" + proj_type_ + "\"");
}

// Counting calls (not refreshes) makes the period independent of what a
// refresh does, as in the reference.
void SubspaceProjector::step(const torch::Tensor &gradient) {
  if (steps_taken_ % update_steps_ == 0)
    refresh(gradient);
  ++steps_taken_;
}

torch::Tensor SubspaceProjector::down(const torch::Tensor &x) {
  torch::Tensor a = matrix();
  return is_left() ? a.t().matmul(x) : a.matmul(x.t());
}

torch::Tensor SubspaceProjector::up(const torch::Tensor &low_rank) {
  torch::Tensor a = matrix();
  return is_left() ? a.matmul(low_rank) : low_rank.t().matmul(a);
}

double SubspaceProjector::scale() const { return std::sqrt(double(dim_)) / std::sqrt(double(rank_)); }

std::vector<int64_t> SubspaceProjector::matrix_shape() const {
  return is_left() ? std::vector<int64_t>{dim_, rank_} : std::vector<int64_t>{rank_, dim_};
}

void SubspaceProjector::save_common(torch::serialize::OutputArchive &archive, const std::string &kind,
                                    int64_t seed) const {
  detail::write_value(archive, "kind", kind);
  detail::write_value(archive, "rank", rank_);
  detail::write_value(archive, "dim", dim_);
  detail::write_value(archive, "proj_type", proj_type_);
  detail::write_value(archive, "update_steps", update_steps_);
  detail::write_value(archive, "steps_taken", steps_taken_);
  detail::write_value(archive, "seed", seed);
}

void SubspaceProjector::load_common(torch::serialize::InputArchive &archive) {
  steps_taken_ = detail::read_value<int64_t>(archive, "steps_taken");
}

//===-- RandProjector -----------------------------------------------------===//

RandProjector::RandProjector(RandProjectorOptions options)
    : SubspaceProjector("RandProjector", options.rank(), options.dim(), options.proj_type(), options.update_steps()),
      options_(std::move(options)) {
  detail::require_option(options_.init() == "normal" || options_.init() == "orthogonal", "RandProjector", "init",
                         "must be \"normal\" or \"orthogonal\", got \"" + options_.init() + "\"");
}

// Drawing in fp32 on the CPU from the projector's own generator makes A
// independent of the device and of every other random draw of the run.
torch::Tensor RandProjector::draw_matrix() {
  auto shape = matrix_shape();
  if (options_.init() == "orthogonal")
    return random_orthogonal(shape[0], shape[1], *generator_).to(target_);
  return at::normal(0.0, 1.0 / std::sqrt(double(dim())), shape, *generator_, torch::kFloat32).to(target_);
}

void RandProjector::refresh(const torch::Tensor &gradient) {
  // Created on first use, not in the constructor, so that an unseeded
  // projector draws its seed when training starts, after manual_seed.
  if (!generator_)
    generator_ = seeded_generator(options_.seed());
  target_ = gradient.options();
  if (options_.lazy())
    draw_state_ = generator_->get_state();
  else
    matrix_ = draw_matrix();
}

torch::Tensor RandProjector::matrix() {
  if (!options_.lazy())
    return matrix_;
  // Replaying the recorded state redraws the same A; the draw advances the
  // generator, so the next refresh records a new starting point.
  generator_->set_state(draw_state_);
  return draw_matrix();
}

void RandProjector::save(torch::serialize::OutputArchive &archive) const {
  save_common(archive, kRandomKind, options_.seed());
  detail::write_value(archive, "init", options_.init());
  detail::write_value(archive, "lazy", options_.lazy());
  if (!generator_)
    return; // never refreshed: nothing else to save
  archive.write("generator_state", generator_->get_state());
  detail::write_optional_tensor(archive, "draw_state", draw_state_);
  detail::write_optional_tensor(archive, "matrix", matrix_);
  write_target(archive, target_);
}

std::unique_ptr<RandProjector> RandProjector::restore(torch::serialize::InputArchive &archive) {
  auto options = read_shared_options<RandProjectorOptions>(archive)
                     .init(detail::read_value<std::string>(archive, "init"))
                     .lazy(detail::read_value<bool>(archive, "lazy"));
  auto projector = std::make_unique<RandProjector>(options);
  projector->load_common(archive);
  torch::Tensor generator_state = detail::read_optional_tensor(archive, "generator_state");
  if (!generator_state.defined())
    return projector;
  projector->generator_ = at::make_generator<at::CPUGeneratorImpl>();
  projector->generator_->set_state(generator_state);
  projector->draw_state_ = detail::read_optional_tensor(archive, "draw_state");
  projector->matrix_ = detail::read_optional_tensor(archive, "matrix");
  projector->target_ = read_target(archive);
  return projector;
}

// at::Generator and Tensor copies share their storage; a clone must not
// advance or overwrite the original's generator or matrix.
std::unique_ptr<SubspaceProjector> RandProjector::clone() const {
  auto copy = std::make_unique<RandProjector>(*this);
  if (generator_)
    copy->generator_ = generator_->clone();
  if (matrix_.defined())
    copy->matrix_ = matrix_.clone();
  return copy;
}

//===-- OnlinePCAProjector ------------------------------------------------===//

OnlinePCAProjector::OnlinePCAProjector(OnlinePCAProjectorOptions options)
    : SubspaceProjector("OnlinePCAProjector", options.rank(), options.dim(), options.proj_type(),
                        options.update_steps()),
      options_(std::move(options)) {
  const std::string &orthag = options_.orthag();
  detail::require_option(orthag == "none" || orthag == "qr" || orthag == "norm", "OnlinePCAProjector", "orthag",
                         "must be \"none\", \"qr\" or \"norm\", got \"" + orthag + "\"");
}

torch::Tensor OnlinePCAProjector::orthonormalize(const torch::Tensor &matrix) const {
  const std::string &orthag = options_.orthag();
  if (orthag == "qr") {
    // QR of the tall form: A itself for "left" ([dim, r]), Aᵀ for "right".
    torch::Tensor tall = is_left() ? matrix : matrix.t();
    torch::Tensor q = std::get<0>(at::linalg_qr(tall));
    return is_left() ? q : q.t();
  }
  if (orthag == "norm")
    return is_left() ? matrix / matrix.norm(2, {0}) : matrix / matrix.norm(2, {1}).view({-1, 1});
  return matrix;
}

double OnlinePCAProjector::reconstruction_error(const torch::Tensor &x) {
  return (up(down(x)) - x).square().mean().item<double>();
}

void OnlinePCAProjector::fit(const torch::Tensor &x, int64_t max_steps, bool early_stop) {
  // Step size and stopping threshold scale with the data's variance, so the
  // fit behaves the same for gradients of any magnitude.
  const double variance = x.var().item<double>();
  const double lr = 1.0 / (variance + 1e-6);
  const double loss_change_target = 1e-4 * variance;
  const double gradient_scale = 2.0 / double(x.numel());
  std::optional<double> previous_loss;
  for (int64_t i = 0; i < max_steps; ++i) {
    torch::Tensor low_rank = down(x);
    torch::Tensor error = up(low_rank) - x;
    torch::Tensor scaled_error = error * gradient_scale;
    // d loss / d A through up() only, as in the reference.
    torch::Tensor gradient = is_left() ? scaled_error.matmul(low_rank.t()) : low_rank.matmul(scaled_error);
    matrix_ = orthonormalize(matrix_ - lr * gradient);
    if (!early_stop)
      continue;
    const double loss = error.square().mean().item<double>();
    // Stop once the loss still falls but by less than the threshold; a
    // rising loss keeps iterating (the step may overshoot at first).
    if (previous_loss) {
      const double change = loss - *previous_loss;
      if (change <= 0 && change >= -loss_change_target)
        break;
    }
    previous_loss = loss;
  }
}

// The first refresh fits from scratch; later ones track a slowly moving
// subspace, for which one step per refresh is enough.
void OnlinePCAProjector::refresh(const torch::Tensor &gradient) {
  if (matrix_.defined()) {
    fit(gradient, 1, false);
    return;
  }
  at::Generator generator = seeded_generator(options_.seed());
  auto shape = matrix_shape();
  matrix_ = random_orthogonal(shape[0], shape[1], generator).to(gradient.options());
  fit(gradient, 100, true);
}

void OnlinePCAProjector::save(torch::serialize::OutputArchive &archive) const {
  save_common(archive, kOnlinePCAKind, options_.seed());
  detail::write_value(archive, "orthag", options_.orthag());
  detail::write_optional_tensor(archive, "matrix", matrix_);
}

std::unique_ptr<OnlinePCAProjector> OnlinePCAProjector::restore(torch::serialize::InputArchive &archive) {
  auto options = read_shared_options<OnlinePCAProjectorOptions>(archive).orthag(
      detail::read_value<std::string>(archive, "orthag"));
  auto projector = std::make_unique<OnlinePCAProjector>(options);
  projector->load_common(archive);
  projector->matrix_ = detail::read_optional_tensor(archive, "matrix");
  return projector;
}

std::unique_ptr<SubspaceProjector> OnlinePCAProjector::clone() const {
  auto copy = std::make_unique<OnlinePCAProjector>(*this);
  if (matrix_.defined())
    copy->matrix_ = matrix_.clone();
  return copy;
}

//===-- load_projector ----------------------------------------------------===//

std::unique_ptr<SubspaceProjector> load_projector(torch::serialize::InputArchive &archive) {
  const auto kind = detail::read_value<std::string>(archive, "kind");
  if (kind == kRandomKind)
    return RandProjector::restore(archive);
  if (kind == kOnlinePCAKind)
    return OnlinePCAProjector::restore(archive);
  throw std::runtime_error("load_projector: unknown projector kind \"" + kind + "\" in the checkpoint");
}

} // namespace fgrt::optim
