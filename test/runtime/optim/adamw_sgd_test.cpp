//===- adamw_sgd_test.cpp - Tests of Forgather's AdamW and SGD -------------===//
//
// Each optimizer is checked against a plain float64 re-statement of its rule
// (a few steps on random tensors), against LibTorch's own optimizer where
// the algorithms coincide (AdamW with eps = 0, SGD without momentum), and
// for a bit-exact resume from a checkpoint.
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/adamw.hpp"
#include "fgrt/optim/sgd.hpp"

#include "optim_test_support.hpp"

#include <cmath>

namespace fgrt::optim::test {
namespace {

/// The AdamW rule of adamw.hpp in float64 over precomputed gradients.
torch::Tensor reference_adamw(torch::Tensor p, const std::vector<torch::Tensor> &grads, double lr, double beta1,
                              double beta2, double eps, double weight_decay) {
  p = p.to(torch::kFloat64);
  torch::Tensor m = torch::zeros_like(p), v = torch::zeros_like(p);
  for (size_t i = 0; i < grads.size(); ++i) {
    const double t = double(i + 1);
    torch::Tensor g = grads[i].to(torch::kFloat64);
    p = p - lr * weight_decay * p;
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    p = p - lr * std::sqrt(1 - std::pow(beta2, t)) / (1 - std::pow(beta1, t)) * m / (v.sqrt() + eps);
  }
  return p;
}

/// Runs `optimizer` over `grads` on `param` (one step per gradient).
void run_with_grads(torch::optim::Optimizer &optimizer, torch::Tensor &param, const std::vector<torch::Tensor> &grads) {
  for (const auto &grad : grads) {
    param.mutable_grad() = grad.to(param.scalar_type());
    optimizer.step();
  }
}

std::vector<torch::Tensor> random_grads(std::vector<int64_t> shape, int count, uint64_t seed) {
  std::vector<torch::Tensor> grads;
  for (int i = 0; i < count; ++i)
    grads.push_back(random_param(shape, seed + i).detach());
  return grads;
}

TEST(OptimAdamW, MatchesRestatedRule) {
  torch::Tensor param = random_param({5, 7}, 1);
  torch::Tensor start = param.detach().clone();
  auto grads = random_grads({5, 7}, 4, 10);
  AdamW optimizer({param}, AdamWOptions(0.01).betas({0.8, 0.95}).eps(1e-6).weight_decay(0.1));
  run_with_grads(optimizer, param, grads);
  // fp32 vs float64: a few ulps of the parameter.
  expect_close(reference_adamw(start, grads, 0.01, 0.8, 0.95, 1e-6, 0.1), param, 1e-5, 1e-6);
  EXPECT_EQ(state_of<AdamWParamState>(optimizer, param).step(), 4);
}

TEST(OptimAdamW, DefaultsAreTheReferences) {
  AdamWOptions defaults;
  EXPECT_EQ(defaults.lr(), 1e-3);
  EXPECT_EQ(defaults.betas(), std::make_tuple(0.9, 0.999));
  EXPECT_EQ(defaults.eps(), 1e-6);
  EXPECT_EQ(defaults.weight_decay(), 0.0);
}

TEST(OptimAdamW, EpsOnUncorrectedSqrtDiffersFromTorch) {
  // With eps > 0 the two placements of eps give different steps: early on
  // sqrt(v) is much smaller than sqrt(v̂), so eps weighs more here.
  torch::Tensor ours = random_param({3, 4}, 2), theirs = ours.detach().clone().requires_grad_(true);
  auto grads = random_grads({3, 4}, 1, 20);
  for (auto &g : grads)
    g.mul_(1e-4); // gradients near eps make the difference visible
  AdamW forgather({ours}, AdamWOptions(0.1).eps(1e-5));
  torch::optim::AdamW torch_adamw({theirs}, torch::optim::AdamWOptions(0.1).eps(1e-5).weight_decay(0));
  run_with_grads(forgather, ours, grads);
  run_with_grads(torch_adamw, theirs, grads);
  EXPECT_GT((ours - theirs).abs().max().item<double>(), 1e-3);
}

TEST(OptimAdamW, MatchesTorchAdamWWithoutEps) {
  // eps = 0 removes the only difference from torch's AdamW (its decoupled
  // decay p *= 1 − lr·wd equals p -= lr·wd·p).
  torch::Tensor ours = random_param({6, 3}, 3), theirs = ours.detach().clone().requires_grad_(true);
  auto grads = random_grads({6, 3}, 5, 30);
  AdamW forgather({ours}, AdamWOptions(0.02).eps(0).weight_decay(0.05));
  torch::optim::AdamW torch_adamw({theirs}, torch::optim::AdamWOptions(0.02).eps(0).weight_decay(0.05));
  run_with_grads(forgather, ours, grads);
  run_with_grads(torch_adamw, theirs, grads);
  expect_close(theirs, ours, 1e-5, 1e-7);
}

TEST(OptimAdamW, Bf16ParamsAreUpdatedInFp32) {
  torch::Tensor param = random_param({4, 4}, 4, torch::kBFloat16);
  torch::Tensor master = param.detach().to(torch::kFloat32);
  auto grads = random_grads({4, 4}, 3, 40);
  AdamW optimizer({param}, AdamWOptions(0.05).weight_decay(0.1));
  run_with_grads(optimizer, param, grads);
  EXPECT_EQ(param.scalar_type(), torch::kBFloat16);
  EXPECT_EQ(state_of<AdamWParamState>(optimizer, param).exp_avg().scalar_type(), torch::kFloat32);
  // The restatement rounds to bf16 after every step, as the optimizer does
  // (moments in fp32, gradients as bf16 values): at most 1 bf16 ulp apart.
  torch::Tensor m = torch::zeros_like(master), v = torch::zeros_like(master);
  for (size_t i = 0; i < grads.size(); ++i) {
    const double t = double(i + 1);
    torch::Tensor g = grads[i].to(torch::kBFloat16).to(torch::kFloat32);
    master = master - 0.05 * 0.1 * master;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    master = master - 0.05 * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t)) * m / (v.sqrt() + 1e-6);
    master = master.to(torch::kBFloat16).to(torch::kFloat32);
  }
  expect_close(master, param, 1.0 / 128, 0);
}

TEST(OptimAdamW, ResumesBitExact) {
  expect_bit_exact_resume(
      [](std::vector<torch::Tensor> params) {
        return std::make_unique<AdamW>(std::move(params), AdamWOptions(0.01).weight_decay(0.01));
      },
      {{4, 5}, {5}}, 3, 4);
}

TEST(OptimAdamW, LoadRestoresGroupOptions) {
  std::vector<torch::Tensor> params = random_params({{3}});
  AdamW saved(params, AdamWOptions(0.01).weight_decay(0.2));
  saved.param_groups()[0].options().set_lr(0.123);
  AdamW restored(clone_params(params), AdamWOptions(0.5));
  round_trip([&](auto &archive) { saved.save(archive); }, [&](auto &archive) { restored.load(archive); });
  auto &options = static_cast<AdamWOptions &>(restored.param_groups()[0].options());
  EXPECT_EQ(options.lr(), 0.123);
  EXPECT_EQ(options.weight_decay(), 0.2);
}

TEST(OptimAdamW, RejectsBadOptions) {
  std::vector<torch::Tensor> params = random_params({{3}});
  expect_runtime_error([&] { AdamW(params, AdamWOptions(-1)); }, {"AdamW", "'lr'"});
  expect_runtime_error([&] { AdamW(params, AdamWOptions().betas({0.9, 1.0})); }, {"AdamW", "'betas'", "[0, 1)"});
  expect_runtime_error([&] { AdamW(params, AdamWOptions().eps(-1e-8)); }, {"'eps'"});
}

TEST(OptimAdamW, LoadingAnotherOptimizersCheckpointFails) {
  std::vector<torch::Tensor> params = random_params({{3}});
  SGD sgd(params);
  run_steps(sgd, params, 0, 1);
  AdamW adamw(clone_params(params));
  expect_runtime_error(
      [&] { round_trip([&](auto &archive) { sgd.save(archive); }, [&](auto &archive) { adamw.load(archive); }); },
      {"AdamW", "cannot load"});
}

TEST(OptimSGD, MatchesRestatedRuleAndTorchSGD) {
  torch::Tensor ours = random_param({3, 5}, 5), theirs = ours.detach().clone().requires_grad_(true);
  torch::Tensor expected = ours.detach().to(torch::kFloat64);
  auto grads = random_grads({3, 5}, 3, 50);
  SGD forgather({ours}, SGDOptions(0.1));
  torch::optim::SGD torch_sgd({theirs}, torch::optim::SGDOptions(0.1));
  run_with_grads(forgather, ours, grads);
  run_with_grads(torch_sgd, theirs, grads);
  for (const auto &g : grads)
    expected = expected - 0.1 * g.to(torch::kFloat64);
  expect_close(expected, ours, 1e-6, 1e-7);
  EXPECT_TRUE(torch::equal(ours, theirs)); // the same single fp32 operation per step
}

TEST(OptimSGD, ResumesBitExactWithChangedLr) {
  expect_bit_exact_resume(
      [](std::vector<torch::Tensor> params) {
        auto sgd = std::make_unique<SGD>(std::move(params), SGDOptions(0.05));
        return sgd;
      },
      {{2, 3}}, 2, 2);
  // The checkpoint carries a scheduler-changed lr into the fresh optimizer.
  std::vector<torch::Tensor> params = random_params({{2}});
  SGD saved(params, SGDOptions(0.05));
  saved.param_groups()[0].options().set_lr(0.007);
  SGD restored(clone_params(params));
  round_trip([&](auto &archive) { saved.save(archive); }, [&](auto &archive) { restored.load(archive); });
  EXPECT_EQ(restored.param_groups()[0].options().get_lr(), 0.007);
}

} // namespace
} // namespace fgrt::optim::test
