//===- muon.hpp - Muon: momentum SGD with orthogonalised updates -*- C++ -*-===//
//
// Muon (Jordan et al., 2024) for 2-D weight matrices. For a parameter p of
// shape [rows, cols] with gradient g, per step:
//
//   B = lerp(B, g, 1 - momentum)                  (momentum buffer, EMA form)
//   U = nesterov ? lerp(g, B, momentum) : B
//   O = NewtonSchulz5(U)                          (≈ the orthogonal factor of U)
//   p *= 1 - lr * weight_decay                    (decoupled weight decay)
//   p -= lr * max(1, rows / cols)^0.5 * O
//
// NewtonSchulz5 works on X = U / (‖U‖_F + 1e-7), transposed first when
// rows > cols so that X X^T is the smaller Gram matrix, and iterates 5 times
//
//   A = X X^T;   X = a X + (b A + c A A) X       a = 3.4445, b = -4.7750, c = 2.0315
//
// (transposed back at the end). The quintic's coefficients are chosen to push
// every singular value of X towards 1 quickly rather than exactly, so O has
// singular values roughly in [0.7, 1.2]; the iteration runs in the
// parameter's dtype. The max(1, rows/cols)^0.5 factor keeps the update's
// per-element size comparable for tall matrices.
//
// Only 2-D parameters are accepted (construction and step throw
// std::runtime_error otherwise): embeddings' companions such as biases and
// norm gains go to another optimizer through Multiopt.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <vector>

namespace fgrt::optim {

/// Hyperparameters of Muon (per parameter group).
struct MuonOptions : public torch::optim::OptimizerCloneableOptions<MuonOptions> {
  /// Options with learning rate `lr`.
  MuonOptions(double lr = 0.02);
  /// Learning rate.
  TORCH_ARG(double, lr) = 0.02;
  /// Momentum coefficient of the buffer B.
  TORCH_ARG(double, momentum) = 0.95;
  /// Orthogonalise the Nesterov look-ahead lerp(g, B, momentum) instead of B.
  TORCH_ARG(bool, nesterov) = true;
  /// Decoupled weight decay coefficient (scaled by lr).
  TORCH_ARG(double, weight_decay) = 0.0;
  /// Newton-Schulz iterations.
  TORCH_ARG(int64_t, ns_steps) = 5;

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

/// What Muon keeps per parameter.
struct MuonParamState : public torch::optim::OptimizerCloneableParamState<MuonParamState> {
  /// The momentum buffer B (parameter dtype).
  TORCH_ARG(torch::Tensor, momentum_buffer);

public:
  /// Reads the state from a checkpoint.
  void serialize(torch::serialize::InputArchive &archive) override;
  /// Writes the state into a checkpoint.
  void serialize(torch::serialize::OutputArchive &archive) const override;
};

/// The quintic Newton-Schulz iteration of the file comment applied to the
/// 2-D `update` for `steps` iterations, in `update`'s dtype.
torch::Tensor newton_schulz_orthogonalize(const torch::Tensor &update, int64_t steps = 5);

/// Muon (see the file comment for the rule).
class Muon : public torch::optim::Optimizer {
public:
  /// Optimizes `param_groups`; groups without options get `defaults`.
  /// Throws std::runtime_error if a parameter is not 2-D.
  explicit Muon(std::vector<torch::optim::OptimizerParamGroup> param_groups, MuonOptions defaults = {});
  /// Optimizes `params` as one group.
  explicit Muon(std::vector<torch::Tensor> params, MuonOptions defaults = {});

  /// One update of every parameter that has a gradient.
  torch::Tensor step(LossClosure closure = nullptr) override;
  /// Writes the momentum buffers and the group options.
  void save(torch::serialize::OutputArchive &archive) const override;
  /// Restores what `save` wrote.
  void load(torch::serialize::InputArchive &archive) override;
};

} // namespace fgrt::optim
