//===- subspace_projector.hpp - Low-rank projections of gradients -*- C++ -*-===//
//
// GaLore-style projectors, used by Apollo to work on a rank-r image of each
// gradient matrix X of shape [rows, cols]. A projector holds (or can
// rebuild) a matrix A and maps between X and its low-rank image:
//
//   "left"  (dim = rows): A is [rows, r];  down(X) = Aᵀ X  -> [r, cols];  up(Y) = A Y
//   "right" (dim = cols): A is [r, cols];  down(X) = A Xᵀ -> [r, rows];  up(Y) = Yᵀ A
//
// `step(X)` refreshes A on its first call and then every `update_steps`
// calls; `scale()` = sqrt(dim / r) restores the magnitude the projection
// removes.
//
// RandProjector: A is random, Gaussian with std 1/sqrt(dim) or orthogonal
// (QR of a Gaussian matrix with the signs of R's diagonal folded in), drawn
// from the projector's own generator. Each refresh draws a new A. In lazy
// mode A is never stored: the refresh only records the generator's state,
// and every use restores that state and redraws the same A (memory of a
// generator state instead of a matrix). The draw happens on the CPU in fp32
// and is then moved to the gradient's device and dtype, so results do not
// depend on the device.
//
// OnlinePCAProjector: A is fitted by gradient descent on the reconstruction
// error ‖up(down(X)) − X‖² (mean over elements): the first refresh starts
// from a random orthogonal A and takes up to 100 steps, stopping once the
// loss decreases by less than 1e-4·var(X); later refreshes take 1 step. The
// step size is 1/(var(X) + 1e-6), the gradient is the one through up()
// only (down(X) is treated as constant), and after every step A is
// optionally re-orthonormalised ("qr": the Q factor; "norm": unit columns
// for "left", unit rows for "right"; "none").
//
// Both save and restore their whole state (matrix, generator states, step
// counter), so an optimizer resumed from a checkpoint projects identically.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <memory>
#include <optional>
#include <string>

namespace fgrt::optim {

/// Base of the projectors: the down/up maps and the refresh schedule.
class SubspaceProjector {
public:
  /// A projector of rank `rank` for the side `proj_type` ("left"/"right")
  /// whose reduced dimension has size `dim`. Throws std::runtime_error on
  /// invalid values, naming `owner` and the field.
  SubspaceProjector(const std::string &owner, int64_t rank, int64_t dim, std::string proj_type, int64_t update_steps);
  virtual ~SubspaceProjector() = default;

  /// Refreshes A if this is the first call or `update_steps` calls have
  /// passed since the last refresh.
  void step(const torch::Tensor &gradient);
  /// The rank-r image of `x` (see the file comment for the layouts).
  torch::Tensor down(const torch::Tensor &x);
  /// Maps a rank-r image back to the full shape.
  torch::Tensor up(const torch::Tensor &low_rank);
  /// The current projection matrix A ([dim, r] for "left", [r, dim] for
  /// "right"). Only valid after the first `step`.
  virtual torch::Tensor matrix() = 0;
  /// sqrt(dim / rank), the factor Apollo multiplies the projected gradient by.
  double scale() const;
  /// The rank r.
  int64_t rank() const { return rank_; }
  /// The size of the reduced side of the gradient.
  int64_t dim() const { return dim_; }
  /// "left" or "right".
  const std::string &proj_type() const { return proj_type_; }
  /// Calls of `step` so far.
  int64_t steps_taken() const { return steps_taken_; }

  /// Writes the kind, the options and the state into `archive`.
  virtual void save(torch::serialize::OutputArchive &archive) const = 0;
  /// A deep copy (optimizer states are copied by value).
  virtual std::unique_ptr<SubspaceProjector> clone() const = 0;

protected:
  /// Recomputes A from the current gradient.
  virtual void refresh(const torch::Tensor &gradient) = 0;
  /// Writes the fields every projector has (the seed is an option of each
  /// kind, but every kind has one).
  void save_common(torch::serialize::OutputArchive &archive, const std::string &kind, int64_t seed) const;
  /// Restores the step counter written by `save_common`.
  void load_common(torch::serialize::InputArchive &archive);
  /// The shape of A.
  std::vector<int64_t> matrix_shape() const;
  /// True for the "left" layout.
  bool is_left() const { return proj_type_ == "left"; }

private:
  int64_t rank_;
  int64_t dim_;
  std::string proj_type_;
  int64_t update_steps_;
  int64_t steps_taken_ = 0;
};

/// Options of RandProjector.
struct RandProjectorOptions {
  /// Rank r of the projection.
  TORCH_ARG(int64_t, rank) = 1;
  /// Size of the reduced side of the gradient.
  TORCH_ARG(int64_t, dim) = 1;
  /// "left" (reduce rows) or "right" (reduce columns).
  TORCH_ARG(std::string, proj_type) = "left";
  /// Calls of step() between two refreshes of A.
  TORCH_ARG(int64_t, update_steps) = 10;
  /// "normal" (Gaussian, std 1/sqrt(dim)) or "orthogonal".
  TORCH_ARG(std::string, init) = "normal";
  /// Store a generator state instead of A, and redraw A on each use.
  TORCH_ARG(bool, lazy) = true;
  /// Seed of the projector's generator; negative: drawn from torch's global
  /// generator at the first refresh (so reproducible under manual_seed).
  TORCH_ARG(int64_t, seed) = -1;
};

/// Random projection, redrawn every `update_steps` (see the file comment).
class RandProjector : public SubspaceProjector {
public:
  /// Throws std::runtime_error for an invalid option.
  explicit RandProjector(RandProjectorOptions options);

  /// The current A (redrawn from the recorded generator state when lazy).
  torch::Tensor matrix() override;
  /// Writes options, generator states and (non-lazy) A.
  void save(torch::serialize::OutputArchive &archive) const override;
  /// Rebuilds a projector from what `save` wrote.
  static std::unique_ptr<RandProjector> restore(torch::serialize::InputArchive &archive);
  /// A deep copy, generator included.
  std::unique_ptr<SubspaceProjector> clone() const override;

protected:
  /// Draws a new A (or, lazily, records where its draw starts).
  void refresh(const torch::Tensor &gradient) override;

private:
  torch::Tensor draw_matrix();

  RandProjectorOptions options_;
  std::optional<at::Generator> generator_;
  /// Lazy mode: the generator state A is drawn from.
  torch::Tensor draw_state_;
  /// Non-lazy mode: the stored A.
  torch::Tensor matrix_;
  /// Dtype and device of A (those of the gradients).
  torch::TensorOptions target_;
};

/// Options of OnlinePCAProjector.
struct OnlinePCAProjectorOptions {
  /// Rank r of the projection.
  TORCH_ARG(int64_t, rank) = 1;
  /// Size of the reduced side of the gradient.
  TORCH_ARG(int64_t, dim) = 1;
  /// "left" (reduce rows) or "right" (reduce columns).
  TORCH_ARG(std::string, proj_type) = "left";
  /// Calls of step() between two refreshes (fitting steps) of A.
  TORCH_ARG(int64_t, update_steps) = 10;
  /// Re-orthonormalisation after each fitting step: "none", "qr" or "norm".
  TORCH_ARG(std::string, orthag) = "none";
  /// Seed of the initial orthogonal A; negative: drawn from torch's global
  /// generator.
  TORCH_ARG(int64_t, seed) = -1;
};

/// A fitted by online SGD on the reconstruction error (see the file comment).
class OnlinePCAProjector : public SubspaceProjector {
public:
  /// Throws std::runtime_error for an invalid option.
  explicit OnlinePCAProjector(OnlinePCAProjectorOptions options);

  /// The fitted A.
  torch::Tensor matrix() override { return matrix_; }
  /// Writes options, step counter and A.
  void save(torch::serialize::OutputArchive &archive) const override;
  /// Rebuilds a projector from what `save` wrote.
  static std::unique_ptr<OnlinePCAProjector> restore(torch::serialize::InputArchive &archive);
  /// A deep copy.
  std::unique_ptr<SubspaceProjector> clone() const override;
  /// Mean squared reconstruction error of `x` with the current A.
  double reconstruction_error(const torch::Tensor &x);

protected:
  /// Initialises A (first call) and takes the fitting steps.
  void refresh(const torch::Tensor &gradient) override;

private:
  void fit(const torch::Tensor &x, int64_t max_steps, bool early_stop);
  torch::Tensor orthonormalize(const torch::Tensor &matrix) const;

  OnlinePCAProjectorOptions options_;
  torch::Tensor matrix_;
};

/// Rebuilds whichever projector `SubspaceProjector::save` wrote into
/// `archive`. Throws std::runtime_error for an unknown kind.
std::unique_ptr<SubspaceProjector> load_projector(torch::serialize::InputArchive &archive);

/// A [rows, cols] matrix with orthonormal rows or columns (whichever are
/// fewer), drawn from `generator` like torch.nn.init.orthogonal_ (fp32, CPU).
torch::Tensor random_orthogonal(int64_t rows, int64_t cols, at::Generator &generator);

} // namespace fgrt::optim
