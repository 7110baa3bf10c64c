//===- adafactor_test.cpp - Tests of Forgather's Adafactor -----------------===//
//
// The 8-step rule of adafactor.hpp re-stated in float64 for a matrix, a
// vector and a scalar (with weight decay, relative step and active update
// clipping), bf16 stochastic rounding (bit cases and its mean), the state
// layout, and bit-exact resume (the rounding generator included).
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/adafactor.hpp"

#include "optim_test_support.hpp"

#include <algorithm>
#include <cmath>

namespace fgrt::optim::test {
namespace {

double rms(const torch::Tensor &x) { return x.square().mean().sqrt().item<double>(); }

/// Adafactor's rule in float64 for `steps` steps with synthetic gradients.
torch::Tensor reference_adafactor(torch::Tensor p, int64_t steps, const AdafactorOptions &options) {
  p = p.detach().to(torch::kFloat64);
  auto [eps1, eps2] = options.eps();
  const double beta2 = std::get<1>(options.betas());
  const bool factored = p.dim() == 2;
  torch::Tensor row = factored ? torch::zeros({p.size(0)}, torch::kFloat64) : torch::zeros_like(p);
  torch::Tensor col = factored ? torch::zeros({p.size(1)}, torch::kFloat64) : torch::Tensor();
  for (int64_t step = 0; step < steps; ++step) {
    torch::Tensor g = synthetic_grad(p.to(torch::kFloat32), step, 0).to(torch::kFloat64);
    const double t = double(step + 1);
    double lr = options.lr();
    if (options.relative_step())
      lr *= std::max(eps2, rms(p));
    p = p - lr * options.weight_decay() * p;
    torch::Tensor g2 = g * g + eps1;
    const double beta2t = std::min(1 - std::pow(t, options.decay_rate()), beta2);
    torch::Tensor u;
    if (factored) {
      row = row + (1 - beta2t) * (g2.sum(1) - row);
      col = col + (1 - beta2t) * (g2.sum(0) - col);
      torch::Tensor v_hat = row.unsqueeze(1) * col.unsqueeze(0) / row.sum();
      u = g / v_hat.sqrt();
    } else {
      row = row + (1 - beta2t) * (g2 - row);
      u = g / row.sqrt();
    }
    u = u / std::max(1.0, rms(u) / options.clip_threshold());
    p = p - lr * u;
  }
  return p;
}

/// Runs Adafactor on one parameter with the synthetic gradients of
/// reference_adafactor and compares.
void expect_matches_reference(std::vector<int64_t> shape, const AdafactorOptions &options, int64_t steps) {
  torch::Tensor param = random_param(shape, 11);
  torch::Tensor expected = reference_adafactor(param, steps, options);
  Adafactor optimizer({param}, options);
  std::vector<torch::Tensor> params{param};
  run_steps(optimizer, params, 0, steps);
  // fp32 vs float64 over a few steps.
  expect_close(expected, param, 1e-5, 1e-6);
}

TEST(OptimAdafactor, MatrixMatchesRestatedRule) {
  expect_matches_reference({6, 9}, AdafactorOptions(0.01).weight_decay(0.1), 5);
}

TEST(OptimAdafactor, VectorAndScalarMatchRestatedRule) {
  expect_matches_reference({7}, AdafactorOptions(0.02), 4);
  expect_matches_reference({}, AdafactorOptions(0.02).weight_decay(0.5), 3);
}

TEST(OptimAdafactor, RelativeStepAndClippingMatchRestatedRule) {
  // clip_threshold 0.3 is below the first update's rms (about 1), so the
  // clipping branch is exercised.
  auto options = AdafactorOptions(0.05).relative_step(true).clip_threshold(0.3).eps({1e-30, 1e-2});
  expect_matches_reference({5, 4}, options, 4);
  expect_matches_reference({8}, options, 4);
}

TEST(OptimAdafactor, Beta2IsClampedAtBeta2) {
  // With decay_rate -3, 1 - t^-3 is 0 at t = 1 and 0.875 at t = 2; beta2 =
  // 0.3 caps it from step 2 on, which changes every later update.
  expect_matches_reference({3, 3}, AdafactorOptions(0.01).decay_rate(-3).betas({0.9, 0.3}), 4);
}

TEST(OptimAdafactor, StateLayoutFollowsTheParameter) {
  torch::Tensor matrix = random_param({4, 6}, 1, torch::kBFloat16), vector = random_param({5}, 2);
  std::vector<torch::Tensor> params{matrix, vector};
  Adafactor optimizer(params);
  run_steps(optimizer, params, 0, 2);
  auto &matrix_state = state_of<AdafactorParamState>(optimizer, matrix);
  EXPECT_EQ(matrix_state.step(), 2);
  EXPECT_EQ(matrix_state.row().sizes(), torch::IntArrayRef({4}));
  EXPECT_EQ(matrix_state.col().sizes(), torch::IntArrayRef({6}));
  EXPECT_EQ(matrix_state.row().scalar_type(), torch::kBFloat16); // stored in the parameter's dtype
  auto &vector_state = state_of<AdafactorParamState>(optimizer, vector);
  EXPECT_EQ(vector_state.row().sizes(), torch::IntArrayRef({5}));
  EXPECT_FALSE(vector_state.col().defined());
}

TEST(OptimAdafactor, RejectsTensorsOfMoreThanTwoDims) {
  std::vector<torch::Tensor> params{random_param({2, 3, 4}, 1)};
  Adafactor optimizer(params);
  set_synthetic_grads(params, 0);
  expect_runtime_error([&] { optimizer.step(); }, {"Adafactor", "[2, 3, 4]", "more than 2 dimensions"});
  expect_runtime_error([&] { Adafactor(params, AdafactorOptions().clip_threshold(0)); }, {"'clip_threshold'"});
}

TEST(OptimAdafactor, StochasticRoundingBitCases) {
  // 1 + 2^-9 lies a quarter of the way from bf16 1.0 to 1.0078125 (spacing
  // 2^-7): 16 discarded bits 0x4000.
  torch::Tensor value = torch::full({3}, 1.0f + std::ldexp(1.0f, -9));
  torch::Tensor bits = torch::tensor({0, 0xBFFF, 0xC000}, torch::kInt32);
  torch::Tensor rounded = stochastic_round_to_bf16(value, bits).to(torch::kFloat32);
  EXPECT_EQ(rounded[0].item<float>(), 1.0f);       // no carry: truncated
  EXPECT_EQ(rounded[1].item<float>(), 1.0f);       // 0x4000 + 0xBFFF < 0x10000
  EXPECT_EQ(rounded[2].item<float>(), 1.0078125f); // carry into the bf16 part
  // Negative values round away from zero on a carry, and exact values stay.
  torch::Tensor negative =
      stochastic_round_to_bf16(torch::full({1}, -1.0f - std::ldexp(1.0f, -9)), torch::tensor({0xFFFF}, torch::kInt32));
  EXPECT_EQ(negative.item<float>(), -1.0078125f);
  torch::Tensor exact = stochastic_round_to_bf16(torch::full({1}, 0.75f), torch::tensor({0xFFFF}, torch::kInt32));
  EXPECT_EQ(exact.item<float>(), 0.75f);
}

TEST(OptimAdafactor, StochasticRoundingIsUnbiased) {
  const int64_t samples = 200000;
  const float value = 1.0f + std::ldexp(1.0f, -9);
  torch::manual_seed(3);
  torch::Tensor bits = torch::randint(0, 1 << 16, {samples}, torch::kInt32);
  double mean = stochastic_round_to_bf16(torch::full({samples}, value), bits).to(torch::kFloat64).mean().item<double>();
  // Standard error of the mean: 2^-7 · sqrt(0.25 · 0.75 / n) ≈ 7.6e-6.
  EXPECT_NEAR(mean, double(value), 5e-5);
  EXPECT_GT(std::abs(1.0 - double(value)), 1e-3); // round-to-nearest would give 1.0
}

TEST(OptimAdafactor, Bf16StochasticRoundingIsReproducible) {
  auto run = [] {
    std::vector<torch::Tensor> params = random_params({{8, 8}}, torch::kBFloat16);
    Adafactor optimizer(params, AdafactorOptions(0.01).bf16_stochastic_round(true));
    run_steps(optimizer, params, 0, 3);
    return params[0];
  };
  torch::Tensor first = run(), second = run();
  EXPECT_TRUE(torch::equal(first, second)); // the generator's fixed seed
  std::vector<torch::Tensor> nearest = random_params({{8, 8}}, torch::kBFloat16);
  Adafactor optimizer(nearest, AdafactorOptions(0.01));
  run_steps(optimizer, nearest, 0, 3);
  EXPECT_FALSE(torch::equal(first, nearest[0])); // stochastic differs from nearest somewhere
  expect_close(nearest[0], first, 0.05, 0.05);   // ... but only by rounding
}

TEST(OptimAdafactor, ResumesBitExact) {
  auto make = [](std::vector<torch::Tensor> params) {
    return std::make_unique<Adafactor>(std::move(params),
                                       AdafactorOptions(0.01).weight_decay(0.01).bf16_stochastic_round(true));
  };
  expect_bit_exact_resume(make, {{4, 6}, {6}, {}}, 3, 3);
  // bf16 with stochastic rounding: the generator state travels too.
  expect_bit_exact_resume(make, {{5, 3}, {3}}, 2, 3, torch::kBFloat16);
}

} // namespace
} // namespace fgrt::optim::test
