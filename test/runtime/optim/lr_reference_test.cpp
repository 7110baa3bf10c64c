//===- lr_reference_test.cpp - LR schedulers against PyTorch ---------------===//
//
// torch_lr_reference.inc holds the lrs PyTorch's schedulers (and LambdaLR
// with transformers' warmup formulas) produce, written by
// test/reference/optim_lr_schedules.py. Each case is rebuilt here with the
// fgrt scheduler of the same configuration and compared epoch by epoch.
// Tolerance: 1e-12 relative, since torch steps LinearLR and
// CosineAnnealingLR recursively (products of ratios) where fgrt uses the
// closed forms; the two drift apart by a few ulps.
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/sgd.hpp"
#include "fgrt/optim/torch_schedulers.hpp"
#include "fgrt/optim/warmup_schedulers.hpp"

#include "optim_test_support.hpp"

#include <map>

namespace fgrt::optim::test {
namespace {

/// One case of torch_lr_reference.inc.
struct ReferenceSchedule {
  /// Key of the case in the Python script and in schedulers_by_case().
  const char *name;
  /// Base lr of each param group.
  std::vector<double> base_lrs;
  /// Group lrs at epoch 0, 1, ...: base_lrs.size() values per epoch.
  std::vector<double> lrs;
};

const ReferenceSchedule kReferenceSchedules[] = {
#include "torch_lr_reference.inc"
};

using MakeScheduler = std::function<std::unique_ptr<LRScheduler>(torch::optim::Optimizer &)>;

template <class Scheduler, class Options> MakeScheduler make(Options options) {
  return [options](torch::optim::Optimizer &optimizer) { return std::make_unique<Scheduler>(optimizer, options); };
}

MakeScheduler sequential(std::vector<LRSchedulerFactory> children, std::vector<int64_t> milestones) {
  SequentialLROptions options;
  options.schedulers(std::move(children)).milestones(std::move(milestones));
  return make<SequentialLR>(options);
}

/// The fgrt equivalent of each case of the Python script.
std::map<std::string, MakeScheduler> schedulers_by_case() {
  return {
      {"LinearLR", make<LinearLR>(LinearLROptions().start_factor(0.05).end_factor(1.0).total_iters(10))},
      {"LinearLR_defaults", make<LinearLR>(LinearLROptions())},
      {"LinearLR_decreasing", make<LinearLR>(LinearLROptions().start_factor(1.0).end_factor(0.2).total_iters(8))},
      {"CosineAnnealingLR", make<CosineAnnealingLR>(CosineAnnealingLROptions().T_max(20).eta_min(1e-4))},
      {"SequentialLR_warmup_cosine",
       sequential({make<LinearLR>(LinearLROptions().start_factor(0.05).end_factor(1.0).total_iters(10)),
                   make<CosineAnnealingLR>(CosineAnnealingLROptions().T_max(30).eta_min(2e-4))},
                  {10})},
      {"SequentialLR_three",
       sequential({make<LinearLR>(LinearLROptions().start_factor(0.25).end_factor(1.0).total_iters(5)),
                   make<CosineAnnealingLR>(CosineAnnealingLROptions().T_max(10).eta_min(0.0)),
                   make<LinearLR>(LinearLROptions().start_factor(0.5).end_factor(0.1).total_iters(12))},
                  {5, 15})},
      {"HF_linear", make<LinearWarmupDecay>(LinearWarmupDecayOptions().warmup_steps(5).total_steps(30))},
      {"HF_cosine", make<CosineWarmupDecay>(CosineWarmupDecayOptions().warmup_steps(5).total_steps(30))},
      {"HF_cosine_min_lr",
       make<CosineWarmupDecay>(CosineWarmupDecayOptions().warmup_steps(5).total_steps(30).min_lr_ratio(0.1))},
      {"HF_cosine_cycles",
       make<CosineWarmupDecay>(CosineWarmupDecayOptions().warmup_steps(3).total_steps(30).num_cycles(1.5))},
      {"HF_constant", make<ConstantLR>(ConstantLROptions().warmup_steps(4))},
  };
}

TEST(OptimSchedulerTorchReference, MatchesPyTorch) {
  auto makers = schedulers_by_case();
  ASSERT_EQ(std::size(kReferenceSchedules), makers.size()) << "the script and this test list different cases";
  for (const auto &reference : kReferenceSchedules) {
    SCOPED_TRACE(reference.name);
    ASSERT_TRUE(makers.count(reference.name));
    std::vector<torch::optim::OptimizerParamGroup> groups;
    for (double lr : reference.base_lrs)
      groups.emplace_back(std::vector<torch::Tensor>{random_param({1}, 0)}, std::make_unique<SGDOptions>(lr));
    SGD optimizer(std::move(groups));
    auto scheduler = makers.at(reference.name)(optimizer);
    const size_t group_count = reference.base_lrs.size();
    for (size_t at = 0; at < reference.lrs.size(); at += group_count) {
      if (at > 0)
        scheduler->step();
      for (size_t g = 0; g < group_count; ++g) {
        const double expected = reference.lrs[at + g];
        EXPECT_NEAR(optimizer.param_groups()[g].options().get_lr(), expected, 1e-12 * std::abs(expected) + 1e-18)
            << "epoch " << at / group_count << " group " << g;
      }
    }
  }
}

} // namespace
} // namespace fgrt::optim::test
