//===- multiopt_test.cpp - Tests of Multiopt -------------------------------===//
//
// Routing by first matching regex, the error for an unmatched parameter,
// steps identical to the children run on their own, LR schedulers driving
// every child through the mirror groups, and checkpoints that carry every
// child's state (bit-exact resume; mismatched children refused).
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/adamw.hpp"
#include "fgrt/optim/multiopt.hpp"
#include "fgrt/optim/muon.hpp"
#include "fgrt/optim/sgd.hpp"
#include "fgrt/optim/torch_schedulers.hpp"

#include "optim_test_support.hpp"

namespace fgrt::optim::test {
namespace {

using NamedParams = torch::OrderedDict<std::string, torch::Tensor>;

/// A small transformer-like parameter set.
NamedParams model_params() {
  NamedParams named;
  named.insert("embed.weight", random_param({10, 4}, 1));
  named.insert("layers.0.attn.weight", random_param({4, 4}, 2));
  named.insert("layers.0.attn.bias", random_param({4}, 3));
  named.insert("layers.0.mlp.weight", random_param({8, 4}, 4));
  named.insert("norm.weight", random_param({4}, 5));
  return named;
}

OptimizerFactory muon_factory() {
  return [](std::vector<torch::Tensor> params) { return std::make_unique<Muon>(std::move(params)); };
}

OptimizerFactory adamw_factory(double lr = 1e-3) {
  return
      [lr](std::vector<torch::Tensor> params) { return std::make_unique<AdamW>(std::move(params), AdamWOptions(lr)); };
}

OptimizerFactory sgd_factory() {
  return [](std::vector<torch::Tensor> params) { return std::make_unique<SGD>(std::move(params)); };
}

/// Matrices of the blocks to Muon, everything else to AdamW.
std::vector<MultioptRoute> muon_adamw_routes() {
  return {{"muon", R"((attn|mlp)\.weight$)", muon_factory()}, {"adamw", "", adamw_factory()}};
}

std::vector<torch::Tensor> values_of(const NamedParams &named) {
  std::vector<torch::Tensor> values;
  for (const auto &item : named)
    values.push_back(item.value());
  return values;
}

TEST(OptimMultiopt, RoutesEachParameterToTheFirstMatchingRoute) {
  NamedParams named = model_params();
  std::vector<MultioptRoute> routes = muon_adamw_routes();
  routes.push_back({"unused", "^nothing$", sgd_factory()});
  Multiopt optimizer(named, routes);
  EXPECT_EQ(optimizer.route_of("layers.0.attn.weight"), "muon"); // also matches "adamw": first wins
  EXPECT_EQ(optimizer.route_of("layers.0.mlp.weight"), "muon");
  EXPECT_EQ(optimizer.route_of("layers.0.attn.bias"), "adamw");
  EXPECT_EQ(optimizer.route_of("embed.weight"), "adamw");
  EXPECT_EQ(optimizer.child_names(), (std::vector<std::string>{"muon", "adamw"})); // no child for "unused"
  const auto &muon_params = optimizer.child("muon").param_groups()[0].params();
  ASSERT_EQ(muon_params.size(), 2u);
  EXPECT_TRUE(muon_params[0].is_same(named["layers.0.attn.weight"]));
  EXPECT_EQ(optimizer.child("adamw").param_groups()[0].params().size(), 3u);
  expect_runtime_error([&] { optimizer.child("unused"); }, {"'unused'", "no child"});
}

TEST(OptimMultiopt, UnmatchedParameterIsAnErrorNamingIt) {
  NamedParams named = model_params();
  expect_runtime_error(
      [&] {
        Multiopt(named, {{"muon", R"((attn|mlp)\.weight$)", muon_factory()}});
      },
      {"Multiopt", "'embed.weight'", "matches no route", "muon"});
}

TEST(OptimMultiopt, RejectsBadRoutes) {
  NamedParams named = model_params();
  expect_runtime_error(
      [&] {
        Multiopt(named, {{"broken", "(unclosed", sgd_factory()}});
      },
      {"'broken'", "invalid regex", "(unclosed"});
  expect_runtime_error(
      [&] {
        Multiopt(named, {{"a", "", sgd_factory()}, {"a", "", sgd_factory()}});
      },
      {"'a'", "unique"});
  OptimizerFactory null_factory = [](std::vector<torch::Tensor>) { return nullptr; };
  expect_runtime_error([&] { Multiopt(named, {{"null", "", null_factory}}); }, {"'null'", "returned no optimizer"});
  // A child's own refusal comes through: Muon does not take vectors.
  expect_runtime_error([&] { Multiopt(named, {{"all", "", muon_factory()}}); }, {"Muon", "not a matrix"});
}

TEST(OptimMultiopt, StepsLikeTheChildrenOnTheirOwn) {
  NamedParams named = model_params();
  Multiopt combined(named, muon_adamw_routes());
  // The same split, built by hand over copies.
  std::vector<torch::Tensor> all = values_of(named), copies = clone_params(all);
  Muon muon({copies[1], copies[3]});
  AdamW adamw({copies[0], copies[2], copies[4]});
  for (int64_t step = 0; step < 3; ++step) {
    set_synthetic_grads(all, step);
    set_synthetic_grads(copies, step);
    combined.step();
    muon.step();
    adamw.step();
  }
  expect_bitwise_equal(copies, all);
  combined.zero_grad();
  for (const auto &param : all)
    EXPECT_EQ(param.grad().abs().sum().item<double>(), 0.0);
}

TEST(OptimMultiopt, SchedulerDrivesEveryChild) {
  NamedParams named = model_params();
  Multiopt optimizer(named, {{"muon", R"((attn|mlp)\.weight$)", muon_factory()}, {"adamw", "", adamw_factory(0.004)}});
  ASSERT_EQ(optimizer.param_groups().size(), 2u); // one mirror per child group
  LinearLR schedule(optimizer, LinearLROptions().start_factor(0.5).total_iters(4));
  std::vector<torch::Tensor> params = values_of(named);
  for (int64_t step = 0; step < 3; ++step) {
    set_synthetic_grads(params, step);
    optimizer.step();
    // The lrs the children just stepped with are the schedule's.
    EXPECT_DOUBLE_EQ(optimizer.child("muon").param_groups()[0].options().get_lr(), schedule.last_lr()[0]);
    EXPECT_DOUBLE_EQ(optimizer.child("adamw").param_groups()[0].options().get_lr(), schedule.last_lr()[1]);
    schedule.step();
  }
  EXPECT_DOUBLE_EQ(schedule.last_lr()[0], 0.02 * (0.5 + 0.5 * 3.0 / 4.0));
  EXPECT_DOUBLE_EQ(schedule.last_lr()[1], 0.004 * (0.5 + 0.5 * 3.0 / 4.0));
}

/// A Multiopt over unnamed parameters: matrices named "w<i>" go to Muon,
/// the others "b<i>" to AdamW (the shape used by expect_bit_exact_resume).
std::unique_ptr<torch::optim::Optimizer> make_muon_adamw(std::vector<torch::Tensor> params) {
  NamedParams named;
  for (size_t i = 0; i < params.size(); ++i)
    named.insert((params[i].dim() == 2 ? "w" : "b") + std::to_string(i), params[i]);
  return std::make_unique<Multiopt>(
      named, std::vector<MultioptRoute>{{"muon", "^w", muon_factory()}, {"adamw", "^b", adamw_factory(0.01)}});
}

TEST(OptimMultiopt, CheckpointHoldsEveryChild) {
  // Both children keep state (momentum; Adam moments and step): a resume
  // that lost either would diverge.
  expect_bit_exact_resume(make_muon_adamw, {{5, 3}, {3}, {3, 6}, {6}}, 3, 3);
}

TEST(OptimMultiopt, CheckpointRestoresScheduledLrs) {
  std::vector<torch::Tensor> params = random_params({{4, 4}, {4}});
  auto saved = make_muon_adamw(params);
  saved->param_groups()[1].options().set_lr(0.0042);
  auto restored = make_muon_adamw(clone_params(params));
  round_trip([&](auto &archive) { saved->save(archive); }, [&](auto &archive) { restored->load(archive); });
  EXPECT_EQ(restored->param_groups()[1].options().get_lr(), 0.0042);
  auto &multiopt = static_cast<Multiopt &>(*restored);
  EXPECT_EQ(multiopt.child("adamw").param_groups()[0].options().get_lr(), 0.0042);
}

TEST(OptimMultiopt, RefusesACheckpointWithOtherChildren) {
  std::vector<torch::Tensor> params = random_params({{4, 4}, {4}});
  auto two_children = make_muon_adamw(params);
  NamedParams named;
  named.insert("w0", params[0]);
  named.insert("b1", params[1]);
  Multiopt one_child(named, {{"sgd", "", sgd_factory()}});
  expect_runtime_error(
      [&] {
        round_trip([&](auto &archive) { two_children->save(archive); },
                   [&](auto &archive) { one_child.load(archive); });
      },
      {"Multiopt", "[muon, adamw]", "[sgd]"});
}

} // namespace
} // namespace fgrt::optim::test
