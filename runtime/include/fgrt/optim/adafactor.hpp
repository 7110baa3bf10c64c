//===- adafactor.hpp - Forgather's Adafactor ------------------*- C++ -*-===//
//
// Adafactor (Shazeer & Stern, arXiv 1804.04235) as the reference trainer
// implements it: no first moment, and the second moment of a matrix kept as
// a row vector and a column vector (memory O(rows + cols)). For step t of a
// parameter p with gradient g (all arithmetic in fp32):
//
//   1. relative_step:  lr <- max(eps2, rms(p)) * lr
//   2. p -= lr * weight_decay * p                    (decoupled decay)
//   3. G2 = g² + eps1
//   4. beta2t = min(1 - t^decay_rate, beta2)         (the clamp is Forgather's)
//   5. 2-D p:  r = lerp(r, rowsum(G2), 1 - beta2t)
//              c = lerp(c, colsum(G2), 1 - beta2t)
//              u = g * outer(rsqrt(r / sum(r)), rsqrt(c))   (V̂ = r cᵀ / Σr)
//   6. <=1-D:  r = lerp(r, G2, 1 - beta2t);  u = g / sqrt(r)
//   7. u /= max(1, rms(u) / clip_threshold)          (update clipping)
//   8. p -= lr * u
//
// fp16/bf16 parameters are updated in an fp32 copy and rounded back; for
// bf16 with `bf16_stochastic_round` the rounding is stochastic: a uniform
// random 16-bit value is added to the low half of the fp32 bits, which are
// then truncated, so the result is unbiased in expectation. The random bits
// come from the optimizer's own generator (seeded by
// `stochastic_round_seed`), saved with the optimizer so a resumed run draws
// the same bits.
//
// The state (`step`, `row`, `col`) is stored in the parameter's dtype, as in
// the reference. Parameters of more than 2 dimensions are rejected: the
// reference does not define a factorisation for them.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/optim/common.hpp"

#include <torch/torch.h>

#include <tuple>
#include <vector>

namespace fgrt::optim {

/// Hyperparameters of Adafactor (per parameter group).
struct AdafactorOptions : public torch::optim::OptimizerCloneableOptions<AdafactorOptions> {
  /// Options with learning rate `lr`.
  AdafactorOptions(double lr = 1e-3);
  /// Learning rate (the relative step size when `relative_step`).
  TORCH_ARG(double, lr) = 1e-3;
  /// Exponent of the beta2 schedule 1 - t^decay_rate.
  TORCH_ARG(double, decay_rate) = -0.8;
  /// Largest RMS of an update before it is scaled down.
  TORCH_ARG(double, clip_threshold) = 1.0;
  /// (beta1, beta2): beta1 is unused (no first moment), beta2 caps beta2t.
  TORCH_ARG(HyperparameterPair, betas) = std::make_tuple(0.9, 0.999);
  /// (eps1, eps2): eps1 is added to g², eps2 is the floor of rms(p) in the
  /// relative step.
  TORCH_ARG(HyperparameterPair, eps) = std::make_tuple(1e-30, 1e-3);
  /// Decoupled weight decay coefficient (scaled by lr).
  TORCH_ARG(double, weight_decay) = 0.0;
  /// Scale lr by max(eps2, rms(p)).
  TORCH_ARG(bool, relative_step) = false;
  /// Round bf16 parameters stochastically instead of to nearest.
  TORCH_ARG(bool, bf16_stochastic_round) = false;

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

/// What Adafactor keeps per parameter.
struct AdafactorParamState : public torch::optim::OptimizerCloneableParamState<AdafactorParamState> {
  /// Number of updates taken (t of the beta2 schedule).
  TORCH_ARG(int64_t, step) = 0;
  /// Row statistics [rows] of a matrix, or the full second moment of a
  /// vector/scalar.
  TORCH_ARG(torch::Tensor, row);
  /// Column statistics [cols] of a matrix; undefined for vectors and scalars.
  TORCH_ARG(torch::Tensor, col);

public:
  /// Reads the state from a checkpoint.
  void serialize(torch::serialize::InputArchive &archive) override;
  /// Writes the state into a checkpoint.
  void serialize(torch::serialize::OutputArchive &archive) const override;
};

/// Forgather's Adafactor (see the file comment for the rule).
class Adafactor : public torch::optim::Optimizer {
public:
  /// Seed of the stochastic-rounding generator (the reference's value).
  static constexpr uint64_t kStochasticRoundSeed = 5489;

  /// Optimizes `param_groups`; groups without options get `defaults`.
  explicit Adafactor(std::vector<torch::optim::OptimizerParamGroup> param_groups, AdafactorOptions defaults = {});
  /// Optimizes `params` as one group.
  explicit Adafactor(std::vector<torch::Tensor> params, AdafactorOptions defaults = {});

  /// One update of every parameter that has a gradient. Throws
  /// std::runtime_error for a parameter of more than 2 dimensions.
  torch::Tensor step(LossClosure closure = nullptr) override;
  /// Writes the per-parameter states, the group options and the
  /// stochastic-rounding generator.
  void save(torch::serialize::OutputArchive &archive) const override;
  /// Restores what `save` wrote.
  void load(torch::serialize::InputArchive &archive) override;

private:
  /// Source of the stochastic-rounding bits.
  at::Generator rounding_generator_;
};

/// Rounds fp32 `value` to bf16 stochastically: adds `random_bits` (int32
/// values in [0, 2^16)) to the low 16 bits of each fp32 bit pattern and
/// truncates them, so a value rounds away from zero with probability equal
/// to its discarded fraction.
torch::Tensor stochastic_round_to_bf16(const torch::Tensor &value, const torch::Tensor &random_bits);

} // namespace fgrt::optim
