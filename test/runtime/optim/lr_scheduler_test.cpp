//===- lr_scheduler_test.cpp - Tests of the LR schedulers ------------------===//
//
// Every schedule against its formula re-stated here, on an optimizer with
// two param groups of different base lrs (epochs 0..N, exact to 1e-15
// relative); the InfiniteLR quirks (lr 0 at step 0, base lr kept when there
// is no cooldown); resume from a checkpoint continuing bit for bit; and the
// option and checkpoint errors.
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/infinite_lr_scheduler.hpp"
#include "fgrt/optim/sgd.hpp"
#include "fgrt/optim/torch_schedulers.hpp"
#include "fgrt/optim/warmup_schedulers.hpp"

#include "optim_test_support.hpp"

#include <cmath>

namespace fgrt::optim::test {
namespace {

/// Two groups with different base lrs: a schedule that mixed up groups, or
/// added instead of multiplied, shows up.
const std::vector<double> kBaseLrs = {0.1, 0.003};

/// An SGD optimizer with one group per entry of kBaseLrs.
std::unique_ptr<SGD> two_group_optimizer() {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (size_t i = 0; i < kBaseLrs.size(); ++i)
    groups.emplace_back(std::vector<torch::Tensor>{random_param({2}, i)}, std::make_unique<SGDOptions>(kBaseLrs[i]));
  return std::make_unique<SGD>(std::move(groups));
}

using Formula = std::function<double(double base, int64_t epoch)>;

/// Steps `scheduler` through epochs 0..last and compares last_lr() and the
/// optimizer's group lrs with `formula` at each.
void expect_schedule(LRScheduler &scheduler, torch::optim::Optimizer &optimizer, int64_t last, const Formula &formula) {
  for (int64_t epoch = 0; epoch <= last; ++epoch) {
    ASSERT_EQ(scheduler.last_epoch(), epoch);
    for (size_t g = 0; g < kBaseLrs.size(); ++g) {
      const double expected = formula(kBaseLrs[g], epoch);
      // Same formula, same double operations up to reordering: 1e-15.
      EXPECT_NEAR(scheduler.last_lr()[g], expected, 1e-15 * std::abs(expected) + 1e-18)
          << scheduler.kind() << " epoch " << epoch << " group " << g;
      // What the optimizer will use is exactly what the scheduler reports.
      EXPECT_EQ(optimizer.param_groups()[g].options().get_lr(), scheduler.last_lr()[g]);
    }
    scheduler.step();
  }
}

TEST(OptimScheduler, InfiniteLRPhases) {
  auto optimizer = two_group_optimizer();
  auto options = InfiniteLRSchedulerOptions()
                     .warmup_steps(4)
                     .cooldown_steps(6)
                     .constant_lr(0.01)
                     .min_lr(1e-4)
                     .tau(5)
                     .checkpoint_step(15);
  InfiniteLRScheduler scheduler(*optimizer, options);
  EXPECT_EQ(scheduler.last_lr()[0], 0.0); // the first update is a no-op
  expect_schedule(scheduler, *optimizer, 30, [](double base, int64_t e) {
    if (e < 4)
      return base * double(e) / 4.0;
    if (e < 10)
      return 0.01 + (base - 0.01) * 0.5 * (1 + std::cos(M_PI * double(e - 4) / 6.0));
    if (e >= 15)
      return 1e-4 + (0.01 - 1e-4) * std::exp(-double(e - 15) / 5.0);
    return 0.01;
  });
}

TEST(OptimScheduler, InfiniteLRWithoutCooldownKeepsTheBaseLr) {
  auto optimizer = two_group_optimizer();
  InfiniteLRScheduler scheduler(*optimizer, InfiniteLRSchedulerOptions().warmup_steps(3));
  expect_schedule(scheduler, *optimizer, 8,
                  [](double base, int64_t e) { return e < 3 ? base * double(e) / 3.0 : base; });
}

TEST(OptimScheduler, LinearWarmupDecay) {
  auto optimizer = two_group_optimizer();
  LinearWarmupDecay scheduler(*optimizer, LinearWarmupDecayOptions().warmup_steps(5).total_steps(20));
  expect_schedule(scheduler, *optimizer, 25, [](double base, int64_t e) {
    return e < 5 ? base * double(e) / 5.0 : base * std::max(0.0, double(20 - e) / 15.0);
  });
}

TEST(OptimScheduler, CosineWarmupDecayWithFloor) {
  auto optimizer = two_group_optimizer();
  CosineWarmupDecay scheduler(*optimizer, CosineWarmupDecayOptions().warmup_steps(2).total_steps(12).min_lr_ratio(0.2));
  expect_schedule(scheduler, *optimizer, 15, [](double base, int64_t e) {
    if (e < 2)
      return base * double(e) / 2.0;
    const double cosine = 0.5 * (1 + std::cos(M_PI * double(e - 2) / 10.0));
    return base * (0.2 + 0.8 * cosine);
  });
}

TEST(OptimScheduler, ConstantWithAndWithoutWarmup) {
  auto optimizer = two_group_optimizer();
  ConstantLR warm(*optimizer, ConstantLROptions().warmup_steps(3));
  expect_schedule(warm, *optimizer, 6, [](double base, int64_t e) { return e < 3 ? base * double(e) / 3.0 : base; });
  auto other = two_group_optimizer();
  ConstantLR flat(*other, ConstantLROptions());
  expect_schedule(flat, *other, 3, [](double base, int64_t) { return base; });
}

TEST(OptimScheduler, LinearLRAndCosineAnnealingClosedForms) {
  auto optimizer = two_group_optimizer();
  LinearLR linear(*optimizer, LinearLROptions().start_factor(0.25).end_factor(0.75).total_iters(4));
  expect_schedule(linear, *optimizer, 7,
                  [](double base, int64_t e) { return base * (0.25 + 0.5 * double(std::min<int64_t>(e, 4)) / 4.0); });
  auto other = two_group_optimizer();
  CosineAnnealingLR cosine(*other, CosineAnnealingLROptions().T_max(8).eta_min(1e-3));
  expect_schedule(cosine, *other, 20, [](double base, int64_t e) {
    return 1e-3 + (base - 1e-3) * (1 + std::cos(M_PI * double(e) / 8.0)) / 2.0;
  });
}

TEST(OptimScheduler, SequentialRestartsEachChildAtItsMilestone) {
  auto optimizer = two_group_optimizer();
  SequentialLROptions options;
  options.schedulers({[](torch::optim::Optimizer &o) {
                        return std::make_unique<LinearLR>(o, LinearLROptions().start_factor(0.1).total_iters(3));
                      },
                      [](torch::optim::Optimizer &o) {
                        return std::make_unique<CosineAnnealingLR>(o, CosineAnnealingLROptions().T_max(5));
                      }});
  options.milestones({3});
  SequentialLR scheduler(*optimizer, options);
  expect_schedule(scheduler, *optimizer, 10, [](double base, int64_t e) {
    if (e < 3)
      return base * (0.1 + 0.9 * double(e) / 3.0);
    return base * (1 + std::cos(M_PI * double(e - 3) / 5.0)) / 2.0; // the cosine child sees the initial lr as base
  });
}

/// Builds one kind of scheduler on an optimizer, for the resume test.
using MakeScheduler = std::function<std::unique_ptr<LRScheduler>(torch::optim::Optimizer &)>;

/// One configuration of each scheduler, with phase changes inside the
/// 13 steps of the resume test so the resume crosses them.
std::vector<MakeScheduler> every_scheduler() {
  return {
      [](auto &o) {
        return std::make_unique<InfiniteLRScheduler>(
            o, InfiniteLRSchedulerOptions().warmup_steps(2).cooldown_steps(3).constant_lr(0.01).checkpoint_step(6));
      },
      [](auto &o) {
        return std::make_unique<LinearWarmupDecay>(o, LinearWarmupDecayOptions().warmup_steps(2).total_steps(9));
      },
      [](auto &o) {
        return std::make_unique<CosineWarmupDecay>(o, CosineWarmupDecayOptions().warmup_steps(2).total_steps(9));
      },
      [](auto &o) { return std::make_unique<ConstantLR>(o, ConstantLROptions().warmup_steps(3)); },
      [](auto &o) { return std::make_unique<LinearLR>(o, LinearLROptions()); },
      [](auto &o) { return std::make_unique<CosineAnnealingLR>(o, CosineAnnealingLROptions().T_max(7)); },
      [](auto &o) {
        SequentialLROptions options;
        options.schedulers({[](auto &inner) { return std::make_unique<LinearLR>(inner, LinearLROptions()); },
                            [](auto &inner) {
                              return std::make_unique<CosineAnnealingLR>(inner, CosineAnnealingLROptions().T_max(4));
                            }});
        options.milestones({4});
        return std::make_unique<SequentialLR>(o, options);
      },
  };
}

/// The group lrs after each of `steps` optimizer+scheduler steps.
std::vector<std::vector<double>> lr_history(torch::optim::Optimizer &optimizer, LRScheduler &scheduler, int64_t steps) {
  std::vector<std::vector<double>> history;
  for (int64_t i = 0; i < steps; ++i) {
    scheduler.step();
    std::vector<double> lrs;
    for (const auto &group : optimizer.param_groups())
      lrs.push_back(group.options().get_lr());
    history.push_back(lrs);
  }
  return history;
}

TEST(OptimScheduler, ResumeContinuesBitForBit) {
  for (const auto &make : every_scheduler()) {
    auto straight_optimizer = two_group_optimizer();
    auto straight = make(*straight_optimizer);
    lr_history(*straight_optimizer, *straight, 5);
    auto expected = lr_history(*straight_optimizer, *straight, 8);

    auto first_optimizer = two_group_optimizer();
    auto first = make(*first_optimizer);
    lr_history(*first_optimizer, *first, 5);
    // A restarted process: fresh optimizer and scheduler, then both loaded.
    auto resumed_optimizer = two_group_optimizer();
    auto resumed = make(*resumed_optimizer);
    round_trip([&](auto &archive) { first->save(archive); }, [&](auto &archive) { resumed->load(archive); });
    EXPECT_EQ(resumed->last_epoch(), 5);
    EXPECT_EQ(resumed_optimizer->param_groups()[0].options().get_lr(), first->last_lr()[0]);
    // Exact equality: closed forms of the same epoch give the same doubles.
    EXPECT_EQ(lr_history(*resumed_optimizer, *resumed, 8), expected) << resumed->kind();
  }
}

TEST(OptimScheduler, RefusesAnotherSchedulersCheckpoint) {
  auto optimizer = two_group_optimizer();
  LinearLR linear(*optimizer, LinearLROptions());
  ConstantLR constant(*optimizer, ConstantLROptions());
  expect_runtime_error(
      [&] { round_trip([&](auto &archive) { linear.save(archive); }, [&](auto &archive) { constant.load(archive); }); },
      {"ConstantLR", "LinearLR"});
  // A checkpoint of a two-group optimizer cannot schedule a one-group one.
  SGD one_group({random_param({2}, 0)});
  ConstantLR single(one_group, ConstantLROptions());
  expect_runtime_error(
      [&] { round_trip([&](auto &archive) { constant.save(archive); }, [&](auto &archive) { single.load(archive); }); },
      {"2 param groups", "has 1"});
}

TEST(OptimScheduler, RejectsBadOptions) {
  auto optimizer = two_group_optimizer();
  expect_runtime_error([&] { LinearWarmupDecay(*optimizer, LinearWarmupDecayOptions()); },
                       {"LinearWarmupDecay", "'total_steps'"});
  expect_runtime_error(
      [&] { CosineWarmupDecay(*optimizer, CosineWarmupDecayOptions().warmup_steps(5).total_steps(3)); },
      {"'total_steps'", "warmup_steps"});
  expect_runtime_error([&] { LinearLR(*optimizer, LinearLROptions().start_factor(0)); },
                       {"LinearLR", "'start_factor'"});
  expect_runtime_error([&] { CosineAnnealingLR(*optimizer, CosineAnnealingLROptions()); }, {"'T_max'"});
  expect_runtime_error(
      [&] { InfiniteLRScheduler(*optimizer, InfiniteLRSchedulerOptions().warmup_steps(5).checkpoint_step(2)); },
      {"InfiniteLRScheduler", "'checkpoint_step'"});
  SequentialLROptions mismatched;
  mismatched.schedulers({[](auto &o) { return std::make_unique<ConstantLR>(o, ConstantLROptions()); }});
  mismatched.milestones({3});
  expect_runtime_error([&] { SequentialLR(*optimizer, mismatched); }, {"SequentialLR", "'milestones'", "1 schedulers"});
}

} // namespace
} // namespace fgrt::optim::test
