//===- apollo_test.cpp - Tests of Apollo and the subspace projectors -------===//
//
// Projectors: layouts of down/up, the refresh period, lazy and stored random
// matrices agreeing, orthogonality, the online-PCA fit, and save/restore.
// Apollo: its 10-step rule re-stated in float64 on both sides (left/right),
// with and without `mini`, scale and weight decay (the `scale` quirk), and
// bit-exact resume with each projector kind.
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/apollo.hpp"

#include "optim_test_support.hpp"

#include <cmath>

namespace fgrt::optim::test {
namespace {

/// A gradient-shaped random matrix (no autograd needed for projectors).
torch::Tensor gradient_like(std::vector<int64_t> shape, uint64_t seed) { return random_param(shape, seed).detach(); }

TEST(OptimProjector, DownAndUpLayouts) {
  torch::Tensor x = gradient_like({3, 8}, 1);
  RandProjector left(RandProjectorOptions().rank(2).dim(3).proj_type("left").seed(5));
  left.step(x);
  torch::Tensor a = left.matrix();
  ASSERT_EQ(a.sizes(), torch::IntArrayRef({3, 2}));
  EXPECT_TRUE(torch::allclose(left.down(x), a.t().matmul(x)));
  EXPECT_EQ(left.up(left.down(x)).sizes(), x.sizes());

  torch::Tensor tall = gradient_like({8, 3}, 2);
  RandProjector right(RandProjectorOptions().rank(2).dim(3).proj_type("right").seed(5));
  right.step(tall);
  torch::Tensor b = right.matrix();
  ASSERT_EQ(b.sizes(), torch::IntArrayRef({2, 3}));
  EXPECT_EQ(right.down(tall).sizes(), torch::IntArrayRef({2, 8}));
  EXPECT_TRUE(torch::allclose(right.up(right.down(tall)), right.down(tall).t().matmul(b)));
  EXPECT_DOUBLE_EQ(right.scale(), std::sqrt(3.0 / 2.0));
}

/// The matrices a projector uses on calls 0..calls-1 of step().
std::vector<torch::Tensor> matrices_over_steps(SubspaceProjector &projector, int64_t calls) {
  std::vector<torch::Tensor> seen;
  torch::Tensor x = gradient_like({6, 10}, 3);
  for (int64_t i = 0; i < calls; ++i) {
    projector.step(x);
    seen.push_back(projector.matrix().clone());
    projector.down(x); // uses between refreshes must not change the matrix
  }
  return seen;
}

TEST(OptimProjector, RandomMatrixRefreshesEveryUpdateStepsLazyOrNot) {
  // Lazy replay and stored matrices must be the same matrices: the lazy
  // mode is a memory trade, not a different projection.
  auto options = RandProjectorOptions().rank(2).dim(6).update_steps(3).seed(42);
  RandProjector lazy(options), stored(RandProjectorOptions(options).lazy(false));
  auto lazy_seen = matrices_over_steps(lazy, 7), stored_seen = matrices_over_steps(stored, 7);
  for (int64_t i = 0; i < 7; ++i) {
    EXPECT_TRUE(torch::equal(lazy_seen[i], stored_seen[i])) << "call " << i;
    const bool refreshed = i % 3 == 0;
    if (i > 0)
      EXPECT_EQ(!torch::equal(lazy_seen[i], lazy_seen[i - 1]), refreshed) << "call " << i;
  }
  // Gaussian entries with std 1/sqrt(dim).
  RandProjector big(RandProjectorOptions().rank(200).dim(400).seed(1).lazy(false));
  big.step(gradient_like({400, 500}, 4));
  EXPECT_NEAR(big.matrix().std().item<double>(), 1.0 / std::sqrt(400.0), 2e-3);
}

TEST(OptimProjector, OrthogonalInitHasOrthonormalColumnsOrRows) {
  RandProjector left(RandProjectorOptions().rank(3).dim(6).init("orthogonal").seed(7));
  left.step(gradient_like({6, 9}, 5));
  torch::Tensor a = left.matrix();
  EXPECT_TRUE(torch::allclose(a.t().matmul(a), torch::eye(3), 1e-5, 1e-5));
  RandProjector right(RandProjectorOptions().rank(3).dim(6).proj_type("right").init("orthogonal").seed(7));
  right.step(gradient_like({9, 6}, 5));
  torch::Tensor b = right.matrix();
  EXPECT_TRUE(torch::allclose(b.matmul(b.t()), torch::eye(3), 1e-5, 1e-5));
}

/// A [rows, cols] matrix of exact rank `rank` plus small noise.
torch::Tensor low_rank_matrix(int64_t rows, int64_t cols, int64_t rank) {
  torch::manual_seed(9);
  return torch::randn({rows, rank}).matmul(torch::randn({rank, cols})) + 1e-3 * torch::randn({rows, cols});
}

TEST(OptimProjector, OnlinePCAFitsTheDominantSubspace) {
  for (std::string side : {"left", "right"}) {
    for (std::string orthag : {"qr", "norm"}) {
      torch::Tensor x = side == "left" ? low_rank_matrix(8, 20, 2) : low_rank_matrix(20, 8, 2);
      OnlinePCAProjector pca(OnlinePCAProjectorOptions().rank(2).dim(8).proj_type(side).orthag(orthag).seed(3));
      pca.step(x); // the initial fit: up to 100 steps
      // A random rank-2 projection of a rank-2 matrix leaves much of it
      // unexplained; the fitted one leaves (almost) only the noise.
      const double energy = x.square().mean().item<double>();
      RandProjector random(RandProjectorOptions().rank(2).dim(8).proj_type(side).init("orthogonal").seed(3));
      random.step(x);
      EXPECT_GT((random.up(random.down(x)) - x).square().mean().item<double>(), 0.1 * energy);
      EXPECT_LT(pca.reconstruction_error(x), 1e-3 * energy) << side << " " << orthag;
      if (orthag == "qr") {
        torch::Tensor a = side == "left" ? pca.matrix() : pca.matrix().t();
        EXPECT_TRUE(torch::allclose(a.t().matmul(a), torch::eye(2), 1e-4, 1e-4));
      }
    }
  }
}

TEST(OptimProjector, SavesAndRestoresEveryKind) {
  torch::Tensor x = gradient_like({6, 10}, 6);
  std::vector<std::unique_ptr<SubspaceProjector>> projectors;
  projectors.push_back(std::make_unique<RandProjector>(RandProjectorOptions().rank(2).dim(6).update_steps(2)));
  projectors.push_back(
      std::make_unique<RandProjector>(RandProjectorOptions().rank(2).dim(6).update_steps(2).lazy(false)));
  projectors.push_back(std::make_unique<OnlinePCAProjector>(
      OnlinePCAProjectorOptions().rank(2).dim(6).update_steps(2).orthag("qr").seed(1)));
  for (auto &projector : projectors) {
    projector->step(x);
    std::unique_ptr<SubspaceProjector> restored;
    round_trip([&](auto &archive) { projector->save(archive); },
               [&](auto &archive) { restored = load_projector(archive); });
    EXPECT_EQ(restored->steps_taken(), 1);
    // Different gradients per call: an online-PCA refit that used stale
    // state would diverge.
    for (int i = 0; i < 3; ++i) { // crosses a refresh
      projector->step(x * (i + 2));
      restored->step(x * (i + 2));
      EXPECT_TRUE(torch::equal(projector->matrix(), restored->matrix()));
    }
  }
}

TEST(OptimProjector, RejectsBadOptions) {
  expect_runtime_error([] { RandProjector(RandProjectorOptions().init("uniform")); }, {"RandProjector", "'init'"});
  expect_runtime_error([] { RandProjector(RandProjectorOptions().proj_type("up")); }, {"'proj_type'", "\"up\""});
  expect_runtime_error([] { OnlinePCAProjector(OnlinePCAProjectorOptions().orthag("svd")); }, {"'orthag'"});
  expect_runtime_error([] { OnlinePCAProjector(OnlinePCAProjectorOptions().rank(0)); }, {"'rank'"});
}

/// Apollo's rule in float64 with the projection matrix `a` held fixed (the
/// test uses update_steps larger than the number of steps).
torch::Tensor reference_apollo(torch::Tensor p, const torch::Tensor &a, int64_t steps, const ApolloOptions &options) {
  p = p.detach().to(torch::kFloat64);
  torch::Tensor proj = a.to(torch::kFloat64);
  auto [beta1, beta2] = options.betas();
  const bool left = p.size(0) < p.size(1);
  const double dim = double(left ? p.size(0) : p.size(1));
  torch::Tensor m, v, previous_norm;
  for (int64_t step = 0; step < steps; ++step) {
    torch::Tensor g = synthetic_grad(p.to(torch::kFloat32), step, 0).to(torch::kFloat64);
    const double t = double(step + 1);
    p = p - options.scale() * options.weight_decay() * p;
    const double lr_t = options.lr() * std::sqrt(1 - std::pow(beta2, t)) / (1 - std::pow(beta1, t));
    torch::Tensor r = (left ? proj.t().matmul(g) : proj.matmul(g.t())) * std::sqrt(dim / double(options.rank()));
    m = m.defined() ? beta1 * m + (1 - beta1) * r : (1 - beta1) * r;
    v = v.defined() ? beta2 * v + (1 - beta2) * r * r : (1 - beta2) * r * r;
    torch::Tensor r_tilde = m / (v.sqrt() + options.eps());
    torch::Tensor s = options.mini() ? r_tilde.norm() / (r.norm() + 1e-8)
                                     : r_tilde.square().sum(0).sqrt() / (r.square().sum(0).sqrt() + 1e-8);
    torch::Tensor u = options.mini() ? g * s : (left ? g * s.unsqueeze(0) : g * s.unsqueeze(1));
    const double root_scale = std::sqrt(options.scale());
    if (options.scale_front())
      u = u * root_scale;
    torch::Tensor norm = u.norm();
    if (previous_norm.defined()) {
      torch::Tensor limiter = torch::clamp_min(norm / (previous_norm + 1e-8), 1.01) / 1.01;
      u = u / limiter;
      norm = norm / limiter;
    }
    previous_norm = norm;
    if (!options.scale_front())
      u = u * root_scale;
    p = p - lr_t * u;
  }
  return p;
}

/// Runs Apollo and the re-statement on the same parameter; the projection
/// matrix is read from the optimizer after its first step (random matrices
/// cannot be re-derived independently) and held for the rest.
void expect_apollo_matches_reference(std::vector<int64_t> shape, ApolloOptions options, int64_t steps) {
  options.update_steps(100).seed(17);
  torch::Tensor param = random_param(shape, 21);
  torch::Tensor start = param.detach().clone();
  Apollo optimizer({param}, options);
  std::vector<torch::Tensor> params{param};
  run_steps(optimizer, params, 0, 1);
  torch::Tensor a = state_of<ApolloParamState>(optimizer, param).projector()->matrix();
  run_steps(optimizer, params, 1, steps - 1);
  // fp32 vs float64; the limiter and the channel norms add a few roundings.
  expect_close(reference_apollo(start, a, steps, options), param, 1e-4, 1e-6);
}

TEST(OptimApollo, LeftProjectionMatchesRestatedRule) {
  expect_apollo_matches_reference({4, 9}, ApolloOptions(0.01).rank(2), 5);
}

TEST(OptimApollo, RightProjectionMatchesRestatedRule) {
  expect_apollo_matches_reference({9, 4}, ApolloOptions(0.01).rank(2).init("orthogonal").lazy(false), 5);
}

TEST(OptimApollo, MiniScaleAndWeightDecayMatchRestatedRule) {
  expect_apollo_matches_reference({5, 8}, ApolloOptions(0.02).rank(1).mini(true).scale(4.0).weight_decay(0.01), 4);
  expect_apollo_matches_reference({8, 5}, ApolloOptions(0.02).rank(3).scale(2.0).scale_front(true), 4);
}

TEST(OptimApollo, WeightDecayUsesScaleNotLr) {
  // A zero gradient leaves only the decay: p *= 1 − scale·wd, whatever lr.
  torch::Tensor param = random_param({3, 5}, 8);
  torch::Tensor start = param.detach().clone();
  Apollo optimizer({param}, ApolloOptions(1e-9).weight_decay(0.1).scale(2.0));
  param.mutable_grad() = torch::zeros_like(param);
  optimizer.step();
  EXPECT_TRUE(torch::allclose(param, start * (1 - 2.0 * 0.1)));
}

TEST(OptimApollo, StateShapesFollowTheShortSide) {
  torch::Tensor wide = random_param({4, 10}, 1), tall = random_param({10, 4}, 2);
  std::vector<torch::Tensor> params{wide, tall};
  Apollo optimizer(params, ApolloOptions().rank(3));
  run_steps(optimizer, params, 0, 1);
  auto &wide_state = state_of<ApolloParamState>(optimizer, wide);
  EXPECT_EQ(wide_state.projector()->proj_type(), "left");
  EXPECT_EQ(wide_state.exp_avg().sizes(), torch::IntArrayRef({3, 10}));
  auto &tall_state = state_of<ApolloParamState>(optimizer, tall);
  EXPECT_EQ(tall_state.projector()->proj_type(), "right");
  EXPECT_EQ(tall_state.exp_avg_sq().sizes(), torch::IntArrayRef({3, 10}));
}

// update_steps 2 puts projector refreshes on both sides of the checkpoint.
TEST(OptimApollo, ResumesBitExactWithEachProjector) {
  for (auto options : {ApolloOptions(0.01).rank(2).update_steps(2).seed(3),
                       ApolloOptions(0.01).rank(2).update_steps(2).lazy(false).init("orthogonal"),
                       ApolloOptions(0.01).rank(2).update_steps(2).projector("online_pca").orthag("qr")}) {
    auto make = [options](std::vector<torch::Tensor> params) {
      return std::make_unique<Apollo>(std::move(params), options);
    };
    expect_bit_exact_resume(make, {{4, 7}, {7, 5}}, 3, 3);
  }
}

TEST(OptimApollo, RejectsBadOptionsAndNonMatrices) {
  std::vector<torch::Tensor> vector_param{random_param({5}, 1)};
  expect_runtime_error([&] { Apollo{vector_param}; }, {"Apollo", "[5]", "Multiopt"});
  std::vector<torch::Tensor> matrix{random_param({3, 3}, 1)};
  expect_runtime_error([&] { Apollo(matrix, ApolloOptions().projector("svd")); }, {"Apollo", "'projector'"});
  expect_runtime_error([&] { Apollo(matrix, ApolloOptions().rank(0)); }, {"'rank'"});
  expect_runtime_error([&] { Apollo(matrix, ApolloOptions().orthag("x").projector("online_pca")); }, {"'orthag'"});
}

} // namespace
} // namespace fgrt::optim::test
