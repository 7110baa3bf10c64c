//===- apollo.hpp - Apollo: SGD-like memory, AdamW-like steps --*- C++ -*-===//
//
// APOLLO (Zhu et al., arXiv 2412.05270) as the reference trainer implements
// it. Adam's moments are kept only for a rank-r projection of each gradient
// matrix; their ratio gives a per-channel scale that is applied to the full
// gradient. For a 2-D parameter p [rows, cols] with gradient g, at step t:
//
//   1. the projector works on the smaller side: "left" (reduce rows) when
//      rows < cols, else "right" (reduce columns)
//   2. p -= scale * weight_decay * p      (uses `scale`, not lr: the
//                                          reference's quirk, kept on purpose)
//   3. lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
//   4. projector.step(g);  R = down(g) * sqrt(dim / rank)
//   5. M = lerp(M, R, 1 - beta1);  V = lerp(V, R², 1 - beta2);  R̃ = M / (sqrt(V) + eps)
//   6. S = ‖R̃‖ / (‖R‖ + 1e-8) per column of R (one per channel of the long
//      side), or of the whole tensor with `mini`
//   7. u = g * S  (S broadcast along the long side)
//   8. u *= sqrt(scale) here if `scale_front` (and scale != 1) ...
//   9. Fira's norm-growth limiter: if a previous norm n0 exists,
//      limiter = max(‖u‖ / (n0 + 1e-8), 1.01) / 1.01, u /= limiter, and the
//      stored norm becomes ‖u‖ (after limiting); else the stored norm is ‖u‖
//  10. ... or here if not `scale_front`;  then p -= lr_t * u
//
// The projector is built from the group's options (`projector` selects
// RandProjector or OnlinePCAProjector, `update_steps` its refresh period)
// and is part of the per-parameter state, saved and restored with it.
// Only 2-D parameters are accepted; route the others elsewhere with Multiopt.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/optim/common.hpp"
#include "fgrt/optim/subspace_projector.hpp"

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace fgrt::optim {

/// Hyperparameters of Apollo (per parameter group).
struct ApolloOptions : public torch::optim::OptimizerCloneableOptions<ApolloOptions> {
  /// Options with learning rate `lr`.
  ApolloOptions(double lr = 1e-3);
  /// Learning rate.
  TORCH_ARG(double, lr) = 1e-3;
  /// Decay rates of the projected first and second moments.
  TORCH_ARG(HyperparameterPair, betas) = std::make_tuple(0.9, 0.999);
  /// Added to sqrt(V).
  TORCH_ARG(double, eps) = 1e-6;
  /// Weight decay coefficient; multiplied by `scale`, not by lr (see step 2).
  TORCH_ARG(double, weight_decay) = 0.0;
  /// Rank of the projection.
  TORCH_ARG(int64_t, rank) = 1;
  /// Update scale; the update is multiplied by sqrt(scale).
  TORCH_ARG(double, scale) = 1.0;
  /// Apply sqrt(scale) before the norm-growth limiter instead of after.
  TORCH_ARG(bool, scale_front) = false;
  /// Steps between two refreshes of the projection.
  TORCH_ARG(int64_t, update_steps) = 10;
  /// One tensor-wise scale instead of one per channel (APOLLO-Mini).
  TORCH_ARG(bool, mini) = false;
  /// "random" (RandProjector) or "online_pca" (OnlinePCAProjector).
  TORCH_ARG(std::string, projector) = "random";
  /// RandProjector: "normal" or "orthogonal".
  TORCH_ARG(std::string, init) = "normal";
  /// RandProjector: keep a generator state instead of the matrix.
  TORCH_ARG(bool, lazy) = true;
  /// OnlinePCAProjector: "none", "qr" or "norm".
  TORCH_ARG(std::string, orthag) = "none";
  /// Projector seed; negative: drawn from torch's global generator.
  TORCH_ARG(int64_t, seed) = -1;

public:
  /// Reads the options from a checkpoint.
  void serialize(torch::serialize::InputArchive &archive) override;
  /// Writes the options into a checkpoint.
  void serialize(torch::serialize::OutputArchive &archive) const override;
  /// The learning rate, for LR schedulers.
  double get_lr() const override { return lr(); }
  /// Sets the learning rate, for LR schedulers.
  void set_lr(const double new_lr) override { lr(new_lr); }
};

/// Builds the projector `options` select for a gradient whose reduced side
/// has size `dim`, on side `proj_type`. Throws std::runtime_error for
/// invalid projector options.
std::unique_ptr<SubspaceProjector> make_projector(const ApolloOptions &options, int64_t dim,
                                                  const std::string &proj_type);

/// Owns a projector with value semantics: copying deep-copies it, because
/// LibTorch copies optimizer states by value (clone, load).
class ProjectorSlot {
public:
  /// An empty slot.
  ProjectorSlot() = default;
  /// A slot owning `projector`.
  explicit ProjectorSlot(std::unique_ptr<SubspaceProjector> projector) : projector_(std::move(projector)) {}
  /// A deep copy of `other`.
  ProjectorSlot(const ProjectorSlot &other);
  /// Replaces the projector by a deep copy of `other`'s.
  ProjectorSlot &operator=(const ProjectorSlot &other);
  /// Moves are cheap.
  ProjectorSlot(ProjectorSlot &&) = default;
  /// Moves are cheap.
  ProjectorSlot &operator=(ProjectorSlot &&) = default;

  /// The projector (the slot must not be empty).
  SubspaceProjector &operator*() const { return *projector_; }
  /// The projector (the slot must not be empty).
  SubspaceProjector *operator->() const { return projector_.get(); }
  /// Whether the slot holds a projector.
  explicit operator bool() const { return projector_ != nullptr; }

private:
  std::unique_ptr<SubspaceProjector> projector_;
};

/// What Apollo keeps per parameter.
struct ApolloParamState : public torch::optim::OptimizerCloneableParamState<ApolloParamState> {
  /// Number of updates taken.
  TORCH_ARG(int64_t, step) = 0;
  /// First moment of the projected gradient [rank, long side].
  TORCH_ARG(torch::Tensor, exp_avg);
  /// Second moment of the projected gradient [rank, long side].
  TORCH_ARG(torch::Tensor, exp_avg_sq);
  /// Norm of the last (limited) update, for the norm-growth limiter;
  /// undefined before the first step.
  TORCH_ARG(torch::Tensor, update_norm);
  /// The parameter's projector.
  TORCH_ARG(ProjectorSlot, projector);

public:
  /// Reads the state, projector included, from a checkpoint.
  void serialize(torch::serialize::InputArchive &archive) override;
  /// Writes the state, projector included, into a checkpoint.
  void serialize(torch::serialize::OutputArchive &archive) const override;
};

/// Apollo (see the file comment for the rule).
class Apollo : public torch::optim::Optimizer {
public:
  /// Optimizes `param_groups`; groups without options get `defaults`.
  /// Throws std::runtime_error for invalid options or a non-2-D parameter.
  explicit Apollo(std::vector<torch::optim::OptimizerParamGroup> param_groups, ApolloOptions defaults = {});
  /// Optimizes `params` as one group.
  explicit Apollo(std::vector<torch::Tensor> params, ApolloOptions defaults = {});

  /// One update of every parameter that has a gradient.
  torch::Tensor step(LossClosure closure = nullptr) override;
  /// Writes the per-parameter states (projectors included) and the options.
  void save(torch::serialize::OutputArchive &archive) const override;
  /// Restores what `save` wrote.
  void load(torch::serialize::InputArchive &archive) override;
};

} // namespace fgrt::optim
