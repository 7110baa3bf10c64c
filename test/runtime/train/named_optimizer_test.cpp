// named_optimizer_test.cpp - TrainerOptions::named_optimizer_factory: the
// trainer hands the model's parameters over by name, so Multiopt can send
// the matrices to Muon and the rest to AdamW; its checkpoints resume to the
// same weights as an uninterrupted run; one factory at a time; and a 2-D-only
// optimizer given every parameter fails with one line naming the shape.
#include "fgrt/optim/adamw.hpp"
#include "fgrt/optim/multiopt.hpp"
#include "fgrt/optim/muon.hpp"
#include "fgrt/train/trainer.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace fgrt::train;
using fgrt::optim::Multiopt;
using fgrt::optim::MultioptRoute;

using fgrt::testing::error_of;
using fgrt::train::test_support::TempDir;

namespace {

constexpr int64_t kVocab = 300;

/// A causal LM with a matrix (the head), an embedding and a 1-D gain: the
/// parameter kinds a router must tell apart. No dropout, so a resumed run
/// can match an uninterrupted one exactly.
struct GainLMImpl : torch::nn::Module {
  GainLMImpl(int64_t vocab, int64_t dim)
      : embedding(register_module("embedding", torch::nn::Embedding(vocab, dim))),
        gain(register_parameter("gain", torch::ones({dim}))),
        head(register_module("head", torch::nn::Linear(torch::nn::LinearOptions(dim, vocab).bias(false)))) {}
  torch::Tensor forward(torch::Tensor input_ids, torch::Tensor /*attention_mask*/, torch::Tensor /*position_ids*/) {
    return head(embedding(input_ids).cumsum(1) * gain);
  }
  torch::nn::Embedding embedding;
  torch::Tensor gain;
  torch::nn::Linear head;
};
TORCH_MODULE(GainLM);

/// The head to Muon, everything else to AdamW: what a config's routes say.
std::function<std::unique_ptr<torch::optim::Optimizer>(const torch::OrderedDict<std::string, torch::Tensor> &)>
muon_adamw_multiopt() {
  return [](const torch::OrderedDict<std::string, torch::Tensor> &named) {
    std::vector<MultioptRoute> routes{
        {"muon", R"(^head\.weight$)",
         [](std::vector<torch::Tensor> params) { return std::make_unique<fgrt::optim::Muon>(std::move(params)); }},
        {"adamw", ".*", [](std::vector<torch::Tensor> params) {
           return std::make_unique<fgrt::optim::AdamW>(std::move(params), fgrt::optim::AdamWOptions(1e-2));
         }}};
    return std::make_unique<Multiopt>(named, std::move(routes));
  };
}

/// A 4-step run over a few synthetic stories in `dir`, saving every 2 steps.
TrainerOptions tiny_run(const fs::path &dir) {
  torch::manual_seed(5);
  TrainerOptions options;
  options.args()
      .output_dir(dir.string())
      .per_device_train_batch_size(2)
      .max_steps(4)
      .logging_steps(1)
      .save_steps(2)
      .save_total_limit(0);
  options.data().synthetic_stories(60).vocab_size(kVocab).max_length(16).eval_fraction(0.1);
  options.model(torch::nn::AnyModule(GainLM(kVocab, 8)));
  return options;
}

} // namespace

TEST(TrainNamedOptimizer, MultioptGetsTheParametersByTheirModuleNames) {
  TempDir tmp("fgrt-named-optimizer");
  Trainer trainer(tiny_run(tmp.path).named_optimizer_factory(muon_adamw_multiopt()));
  auto *multiopt = dynamic_cast<Multiopt *>(&trainer.optimizer());
  ASSERT_NE(multiopt, nullptr);
  EXPECT_EQ(multiopt->route_of("head.weight"), "muon");
  EXPECT_EQ(multiopt->route_of("embedding.weight"), "adamw");
  EXPECT_EQ(multiopt->route_of("gain"), "adamw");
  Metrics final_metrics = trainer.train();
  EXPECT_EQ(trainer.state().global_step, 4);
  for (const auto &[name, value] : final_metrics)
    EXPECT_TRUE(std::isfinite(value)) << name;
}

TEST(TrainNamedOptimizer, MultioptCheckpointResumesToTheSameWeights) {
  TempDir tmp("fgrt-named-optimizer");
  Trainer straight(tiny_run(tmp.path / "straight").named_optimizer_factory(muon_adamw_multiopt()));
  straight.train();

  // Stop after step 2 (its checkpoint holds both children's state), then
  // resume from it in a new trainer and finish.
  TrainerOptions first = tiny_run(tmp.path / "resumed").named_optimizer_factory(muon_adamw_multiopt());
  first.args().max_steps(2);
  Trainer(first).train();
  TrainerOptions second = tiny_run(tmp.path / "resumed").named_optimizer_factory(muon_adamw_multiopt());
  second.args().resume_from_checkpoint((tmp.path / "resumed" / "checkpoints" / "checkpoint-2").string());
  Trainer resumed(second);
  EXPECT_EQ(resumed.state().global_step, 2);
  resumed.train();

  auto expected = straight.module().named_parameters();
  auto actual = resumed.module().named_parameters();
  ASSERT_EQ(expected.size(), actual.size());
  for (const auto &p : expected)
    EXPECT_TRUE(torch::equal(p.value(), actual[p.key()])) << p.key();
}

TEST(TrainNamedOptimizer, BothFactoriesAreOneTooMany) {
  TempDir tmp("fgrt-named-optimizer");
  TrainerOptions options = tiny_run(tmp.path).named_optimizer_factory(muon_adamw_multiopt());
  options.optimizer_factory([](std::vector<torch::Tensor> params) {
    return std::make_unique<fgrt::optim::AdamW>(std::move(params));
  });
  EXPECT_EQ(error_of([&] { Trainer trainer(options); }),
            "the trainer has both optimizer_factory and named_optimizer_factory: set one");
}

TEST(TrainNamedOptimizer, MatrixOnlyOptimizerOverEveryParameterNamesTheShape) {
  TempDir tmp("fgrt-named-optimizer");
  TrainerOptions options = tiny_run(tmp.path);
  options.optimizer_factory(
      [](std::vector<torch::Tensor> params) { return std::make_unique<fgrt::optim::Muon>(std::move(params)); });
  std::string message = error_of([&] { Trainer trainer(options); });
  EXPECT_NE(message.find("Muon: parameter of shape [8] is not a matrix"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}
