//===- muon_test.cpp - Tests of Muon ---------------------------------------===//
//
// The Newton-Schulz iteration against a float64 re-statement and its
// near-orthogonality, the full step (momentum, Nesterov, shape scale,
// weight decay) re-stated for wide and tall matrices, the rejection of
// non-matrices, and bit-exact resume.
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/muon.hpp"

#include "optim_test_support.hpp"

#include <algorithm>
#include <cmath>

namespace fgrt::optim::test {
namespace {

/// The quintic Newton-Schulz iteration of muon.hpp, in float64.
torch::Tensor reference_newton_schulz(torch::Tensor g, int64_t steps) {
  torch::Tensor x = g.to(torch::kFloat64);
  x = x / (x.norm() + 1e-7);
  const bool tall = x.size(0) > x.size(1);
  if (tall)
    x = x.t();
  for (int64_t i = 0; i < steps; ++i) {
    torch::Tensor ax = x.matmul(x.t()).matmul(x);   // (X Xᵀ) X
    torch::Tensor aax = x.matmul(x.t()).matmul(ax); // (X Xᵀ)² X
    x = 3.4445 * x - 4.7750 * ax + 2.0315 * aax;
  }
  return tall ? x.t() : x;
}

TEST(OptimMuon, NewtonSchulzMatchesRestatementAndIsNearlyOrthogonal) {
  for (std::vector<int64_t> shape : {std::vector<int64_t>{16, 40}, std::vector<int64_t>{40, 16}}) {
    torch::Tensor g = random_param(shape, 3).detach();
    torch::Tensor o = newton_schulz_orthogonalize(g, 5);
    // fp32 vs float64 through 5 iterations of the quintic.
    expect_close(reference_newton_schulz(g, 5), o, 1e-4, 1e-5);
    // The quintic trades exactness for speed: singular values land near 1
    // (about 0.7-1.2), far from the spread of a random matrix's.
    torch::Tensor singular = torch::linalg_svdvals(o);
    EXPECT_GT(singular.min().item<double>(), 0.6);
    EXPECT_LT(singular.max().item<double>(), 1.25);
    torch::Tensor raw = torch::linalg_svdvals(g);
    EXPECT_GT((raw.max() / raw.min()).item<double>(), 3.0);
  }
}

/// Muon's step re-stated in float64 for `steps` steps with synthetic
/// gradients.
torch::Tensor reference_muon(torch::Tensor p, int64_t steps, const MuonOptions &options) {
  p = p.detach().to(torch::kFloat64);
  torch::Tensor buffer = torch::zeros_like(p);
  const double mu = options.momentum();
  const double shape_scale = std::sqrt(std::max(1.0, double(p.size(0)) / double(p.size(1))));
  for (int64_t step = 0; step < steps; ++step) {
    torch::Tensor g = synthetic_grad(p.to(torch::kFloat32), step, 0).to(torch::kFloat64);
    buffer = mu * buffer + (1 - mu) * g;
    torch::Tensor direction = options.nesterov() ? (1 - mu) * g + mu * buffer : buffer;
    p = p * (1 - options.lr() * options.weight_decay());
    p = p - options.lr() * shape_scale * reference_newton_schulz(direction, options.ns_steps());
  }
  return p;
}

void expect_muon_matches_reference(std::vector<int64_t> shape, const MuonOptions &options) {
  torch::Tensor param = random_param(shape, 12);
  torch::Tensor expected = reference_muon(param, 4, options);
  Muon optimizer({param}, options);
  std::vector<torch::Tensor> params{param};
  run_steps(optimizer, params, 0, 4);
  expect_close(expected, param, 1e-4, 1e-5);
}

TEST(OptimMuon, StepMatchesRestatedRule) {
  expect_muon_matches_reference({6, 10}, MuonOptions());
  expect_muon_matches_reference({10, 6}, MuonOptions(0.05).weight_decay(0.1)); // tall: scaled by sqrt(10/6)
  expect_muon_matches_reference({8, 8}, MuonOptions(0.01).nesterov(false).momentum(0.8));
}

TEST(OptimMuon, DefaultsAndStateLayout) {
  MuonOptions defaults;
  EXPECT_EQ(defaults.lr(), 0.02);
  EXPECT_EQ(defaults.momentum(), 0.95);
  EXPECT_TRUE(defaults.nesterov());
  EXPECT_EQ(defaults.ns_steps(), 5);
  std::vector<torch::Tensor> params = random_params({{3, 5}});
  Muon optimizer(params);
  run_steps(optimizer, params, 0, 1);
  EXPECT_EQ(state_of<MuonParamState>(optimizer, params[0]).momentum_buffer().sizes(), params[0].sizes());
}

TEST(OptimMuon, RejectsNonMatricesNamingMultiopt) {
  std::vector<torch::Tensor> bias{random_param({4}, 1)};
  expect_runtime_error([&] { Muon{bias}; }, {"Muon", "[4]", "not a matrix", "Multiopt"});
  std::vector<torch::Tensor> conv{random_param({2, 3, 3}, 1)};
  expect_runtime_error([&] { Muon{conv}; }, {"[2, 3, 3]"});
  std::vector<torch::Tensor> matrix{random_param({3, 3}, 1)};
  expect_runtime_error([&] { Muon(matrix, MuonOptions().momentum(1.0)); }, {"Muon", "'momentum'"});
}

TEST(OptimMuon, ResumesBitExact) {
  expect_bit_exact_resume(
      [](std::vector<torch::Tensor> params) {
        return std::make_unique<Muon>(std::move(params), MuonOptions().weight_decay(0.01));
      },
      {{6, 4}, {4, 9}}, 2, 3);
}

} // namespace
} // namespace fgrt::optim::test
