// plan_test.cpp - `fgcc plan`'s estimator (compiler/plan): reading lowered
// constructions, counting a model from its plan, and the per-stage memory
// under the pipeline schedules. The lowered plans are built by hand here;
// test/plan runs the whole command on real configs.
#include <gtest/gtest.h>

#include "plan/MemoryPlan.h"

#include <map>

namespace {

using namespace fgcc;
using namespace fgcc::plan;
using Kind = lower::ArgValue::Kind;

// ---------------------------------------------------------------------------
// Hand-built lowered plans

/// A literal argument as the lowering writes it (text and JSON).
lower::NamedArg lit(const std::string &name, const std::string &json) { return {name, "", {Kind::Literal, json, nullptr, json}}; }
/// An argument naming a local.
lower::NamedArg local(const std::string &name, const std::string &localName) {
  return {name, "", {Kind::Local, localName, nullptr, ""}};
}

lower::Local singleton(const std::string &name, const std::string &component, std::vector<lower::NamedArg> args) {
  lower::Local l;
  l.name = name;
  l.construction.component = component;
  l.construction.origin = "test.yaml:1";
  l.construction.setters = std::move(args);
  return l;
}

lower::Local partial(const std::string &name, const std::string &component, std::vector<lower::NamedArg> args,
                     std::vector<std::pair<std::string, std::string>> params = {}) {
  lower::Local l = singleton(name, component, std::move(args));
  l.kind = lower::Local::Kind::Partial;
  l.params = std::move(params);
  return l;
}

/// Defaults of the components the tests use, as the manifest has them;
/// "!" marks a required parameter.
DefaultLookup table(std::map<std::string, std::string> defaults) {
  return [defaults](const std::string &component, const std::string &param) -> std::optional<DefaultValue> {
    auto it = defaults.find(component + "." + param);
    if (it == defaults.end())
      return std::nullopt;
    return it->second == "!" ? DefaultValue{true, ""} : DefaultValue{false, it->second};
  };
}

/// The defaults of the model library's components a llama-like model reads.
DefaultLookup libraryDefaults() {
  return table({{"fgcc::nn::CausalLM.tie_word_embeddings", "false"},
                {"fgcc::nn::InputEncoder.dropout", "0.1"},
                {"fgcc::nn::InputEncoder.positional_encoder", "null"},
                {"fgcc::nn::LayerStack.layer_factories", "null"},
                {"fgcc::nn::LayerStack.post_norm_factory", "null"},
                {"fgcc::nn::LayerStack.enable_activation_checkpoint", "false"},
                {"fgcc::nn::LayerStack.checkpoint_stride", "1"},
                {"fgcc::nn::PreLNLayer.dropout", "0.1"},
                {"fgcc::nn::PreLNLayer.residual_dropout", "0.0"},
                {"fgcc::nn::CausalMultiheadAttn.num_kv_heads", "null"},
                {"fgcc::nn::CausalMultiheadAttn.bias", "false"},
                {"fgcc::nn::CausalMultiheadAttn.dropout", "0.0"},
                {"fgcc::nn::CausalMultiheadAttn.qk_norm_factory", "null"},
                {"fgcc::nn::CausalMultiheadAttn.pos_encoder", "null"},
                {"fgcc::nn::GLUFeedforwardLayer.activation", "\"silu\""},
                {"fgcc::nn::GLUFeedforwardLayer.dropout", "0.1"},
                {"fgcc::nn::RMSNorm.normalized_shape", "!"},
                {"fgcc::nn::RMSNorm.elementwise_affine", "true"}});
}

/// A llama-like model: d_model 16, 2 heads (1 key/value head), d_ff 32,
/// vocab 50, `layers` layers, a final norm, an untied head.
lower::ModelPlan llamaPlan(int layers) {
  lower::ModelPlan plan;
  plan.target = "model";
  plan.locals = {
      partial("norm", "fgcc::nn::RMSNorm", {lit("normalized_shape", "16")}),
      partial("attention", "fgcc::nn::CausalMultiheadAttn",
              {lit("d_model", "16"), lit("num_heads", "2"), lit("num_kv_heads", "1")}),
      partial("ff", "fgcc::nn::GLUFeedforwardLayer", {lit("d_model", "16"), lit("d_feedforward", "32"),
                                                        lit("dropout", "0.0")}),
      partial("layer", "fgcc::nn::PreLNLayer",
              {local("feedforward_factory", "ff"), local("attention_factory", "attention"),
               local("norm_factory", "norm"), lit("dropout", "0.0")}),
      singleton("encoder", "fgcc::nn::InputEncoder",
                {lit("d_model", "16"), lit("vocab_size", "50"), lit("dropout", "0.0")}),
      singleton("stack", "fgcc::nn::LayerStack",
                {local("layer_factory", "layer"), lit("num_hidden_layers", std::to_string(layers)),
                 local("post_norm_factory", "norm")}),
      singleton("model", "fgcc::nn::CausalLM", {local("input_encoder", "encoder"), local("layer_stack", "stack")}),
  };
  return plan;
}

// ---------------------------------------------------------------------------
// ArgumentReader

TEST(PlanArguments, LiteralsDefaultsAndVariables) {
  lower::ModelPlan plan;
  plan.target = "t";
  lower::ModelVar width{"width", "int64_t", {Kind::Literal, "24", nullptr, "24"}, "width"};
  lower::ModelVar required{"n", "int64_t", {}, "n"};
  plan.vars = {width, required};
  plan.locals = {singleton("x", "C", {lit("a", "3"), {"b", "", {Kind::Var, "args.width", nullptr, ""}},
                                      {"c", "", {Kind::Var, "args.n", nullptr, ""}}})};
  // A constructor default written out without JSON falls back to the table.
  plan.locals[0].construction.ctorArgs = {{"d", "", {Kind::Literal, "0.5", nullptr, ""}}};
  ArgumentReader args(plan, table({{"C.e", "\"relu\""}, {"C.d", "0.5"}, {"C.f", "!"}}));
  ComponentRef x = args.root();
  EXPECT_EQ(args.integer(x, "a"), 3);
  EXPECT_EQ(args.integer(x, "b"), 24); // the variable's default
  EXPECT_EQ(args.number(x, "d"), 0.5);
  EXPECT_FALSE(args.given(x, "d"));
  EXPECT_TRUE(args.given(x, "a"));
  EXPECT_EQ(args.string(x, "e"), "relu");
  EXPECT_THROW(args.integer(x, "c"), PlanError); // a variable without a default
  EXPECT_THROW(args.integer(x, "f"), PlanError); // required, not given
  EXPECT_THROW(args.integer(x, "g"), PlanError); // no such parameter
  EXPECT_THROW(args.string(x, "a"), PlanError);  // wrong type
}

TEST(PlanArguments, PartialsReceiveTheirCallersArguments) {
  lower::ModelPlan plan;
  plan.locals = {partial("f", "Norm", {{"width", "", {Kind::Parameter, "width", nullptr, ""}}}, {{"int64_t", "width"}}),
                 singleton("user", "User", {local("factory", "f")})};
  ArgumentReader args(plan, table({{"User.unset", "null"}}));
  std::optional<ComponentRef> norm = args.component(args.root(), "factory", {nlohmann::json(8)});
  ASSERT_TRUE(norm);
  EXPECT_EQ(norm->component(), "Norm");
  EXPECT_EQ(args.integer(*norm, "width"), 8);
  // The wrong number of call arguments, and a module default of none.
  EXPECT_THROW(args.component(args.root(), "factory"), PlanError);
  EXPECT_FALSE(args.component(args.root(), "unset"));
}

// ---------------------------------------------------------------------------
// ModelShape

TEST(PlanModelShape, CountsAsTheComponentsRegister) {
  ModelShape shape = shapeOfModel(llamaPlan(3), libraryDefaults());
  // Per layer: q 16x16, k and v 8x16 (one key/value head of 8), o 16x16,
  // GLU 3 x 16 x 32, two norms of 16.
  const int64_t layer = 256 + 128 + 128 + 256 + 3 * 16 * 32 + 2 * 16;
  EXPECT_EQ(shape.numLayers(), 3);
  EXPECT_EQ(shape.layers[0].parameterCount(), layer);
  EXPECT_EQ(shape.input.parameterCount(), 50 * 16);
  EXPECT_EQ(shape.output.parameterCount(), 16 + 50 * 16); // final norm, head
  EXPECT_EQ(shape.parameterCount(), 50 * 16 * 2 + 3 * layer + 16);
  EXPECT_EQ(shape.nonEmbeddingParameterCount(), shape.parameterCount() - 50 * 16);
}

TEST(PlanModelShape, ActivationRulesPerToken) {
  ModelShape shape = shapeOfModel(llamaPlan(1), libraryDefaults());
  const Activation &a = shape.layers[0].saved;
  // Norms: 2 x (16 normalised + 33 wide: the input, its square, the
  // rsqrt); attention 5 x 16; GLU 16 + 4 x 32.
  EXPECT_EQ(a.perToken.model, 2 * 16 + 5 * 16 + 16 + 4 * 32);
  EXPECT_EQ(a.perToken.wide, 2 * 33);
  // Scores: the float32 softmax per head and key, and its cast back.
  EXPECT_EQ(a.perKey.wide, 2);
  EXPECT_EQ(a.perKey.narrowCopy, 2);
  // The cast back exists only below float32.
  ActivationTerms t{1, 1, 1, 1};
  EXPECT_EQ(t.bytesPerToken(4), 4 + 4 + 0 + 1);
  EXPECT_EQ(t.bytesPerToken(2), 2 + 4 + 2 + 1);
  // The output keeps the head's input and float32 log-probabilities.
  EXPECT_EQ(shape.output.saved.perToken.wide, 33 + 50);
}

TEST(PlanModelShape, RopeKeepsItsTables) {
  lower::ModelPlan plan = llamaPlan(1);
  plan.locals.insert(plan.locals.begin(), singleton("rope", "fgcc::nn::RotaryPE", {}));
  plan.locals[2].construction.setters.push_back(local("pos_encoder", "rope"));
  ModelShape shape = shapeOfModel(plan, libraryDefaults());
  // cos and sin of the head width (8), for q and for k.
  EXPECT_EQ(shape.layers[0].saved.perToken.model, 2 * 16 + 5 * 16 + 4 * 8 + 16 + 4 * 32);
}

TEST(PlanModelShape, CheckpointedLayersKeepTheirInput) {
  lower::ModelPlan plan = llamaPlan(4);
  lower::Construction &stack = plan.locals[5].construction;
  stack.setters.push_back(lit("enable_activation_checkpoint", "true"));
  stack.setters.push_back(lit("checkpoint_stride", "2"));
  ModelShape shape = shapeOfModel(plan, libraryDefaults());
  EXPECT_EQ(shape.layers[0].saved.perToken.model, 16);
  EXPECT_EQ(shape.layers[0].saved.perToken.wide, 0);
  EXPECT_TRUE(shape.layers[0].keepsMask);
  EXPECT_FALSE(shape.layers[1].keepsMask);
  EXPECT_GT(shape.layers[1].saved.perToken.model, 16);
  EXPECT_EQ(shape.layers[2].saved.perToken.model, 16);
  // Its recomputation is the working set: all of a full layer and more.
  EXPECT_GE(shape.layers[0].transientBytes(4, 64, 1), shape.layers[1].saved.bytes(4, 64, 1));
}

TEST(PlanModelShape, UnknownComponentsAreNamed) {
  lower::ModelPlan plan = llamaPlan(2);
  plan.locals[2].construction.component = "torch::nn::Linear";
  try {
    shapeOfModel(plan, libraryDefaults());
    FAIL() << "expected a PlanError";
  } catch (const PlanError &e) {
    EXPECT_NE(std::string(e.what()).find("cannot count torch::nn::Linear (test.yaml:1) as a feedforward"),
              std::string::npos)
        << e.what();
  }
}

// ---------------------------------------------------------------------------
// MemoryPlan

/// A model of `layers` identical layers with round numbers: 100 parameters
/// and 1000 saved bytes per token each (float32), an input of 10
/// parameters, an output of 20.
ModelShape roundShape(int layers) {
  ModelShape shape;
  shape.rootClass = "M";
  shape.dModel = 4;
  shape.vocabSize = 10;
  shape.input.params = {{"embedding", {10, 1}}};
  shape.output.params = {{"head", {20}}};
  for (int i = 0; i < layers; ++i) {
    Part layer;
    layer.params = {{"w", {10, 10}}};
    layer.saved.perToken.model = 250;
    shape.layers.push_back(layer);
  }
  return shape;
}

TrainingSetup pipelineSetup(const std::string &schedule, int ranks, int stagesPerRank, int microbatches) {
  TrainingSetup setup;
  setup.batchRows = 8;
  setup.seqLen = 2;
  setup.optimizer.kind = OptimizerState::Kind::PerParameter;
  setup.optimizer.states = 2;
  setup.pipeline = PipelineSetup{ranks, stagesPerRank, schedule, microbatches, 1, 1};
  return setup;
}

TEST(PlanMemory, OneFOneBPeaksAndBuffers) {
  // 4 layers + input + output over 2 stages: 3 effective layers each.
  MemoryPlan plan = planMemory(roundShape(4), pipelineSetup("1f1b", 2, 1, 4));
  ASSERT_EQ(plan.stages.size(), 2u);
  EXPECT_EQ(plan.microbatchRows, 2);
  const StagePlan &s0 = plan.stages[0];
  EXPECT_EQ(s0.parameters, 10 + 200);
  EXPECT_EQ(s0.parameterBytes, 210 * 4);
  EXPECT_EQ(*s0.optimizerBytes, 2 * 210 * 4);
  // 2 layers x 1000 bytes x 4 tokens, plus its output (4 floats a token).
  EXPECT_EQ(s0.boundaryBytes, 4 * 4 * 4);
  EXPECT_EQ(s0.activationBytesPerMicrobatch, 2 * 1000 * 4 + s0.boundaryBytes);

  const ScheduleEstimate &chosen = plan.chosen();
  EXPECT_EQ(chosen.schedule, "1f1b");
  EXPECT_EQ(chosen.peakMicrobatches, std::vector<int>({2, 1}));
  const RankEstimate &r0 = chosen.ranks[0];
  EXPECT_EQ(r0.activationBytes, 2 * s0.activationBytesPerMicrobatch);
  // Every output sent downstream stays in a send buffer until the step ends.
  EXPECT_EQ(r0.bufferBytes, 4 * s0.boundaryBytes);
  EXPECT_EQ(r0.totalBytes, r0.fixedBytes + r0.dynamicBytes + r0.transientBytes);
  EXPECT_TRUE(plan.warnings().empty()); // no device memory declared
}

TEST(PlanMemory, SchedulesThatFitAndThoseThatDoNot) {
  MemoryPlan plan = planMemory(roundShape(6), pipelineSetup("zbv", 2, 2, 4));
  std::vector<std::string> fit, not_;
  for (const ScheduleEstimate &s : plan.schedules)
    fit.push_back(s.schedule);
  for (const InapplicableSchedule &s : plan.inapplicable)
    not_.push_back(s.schedule);
  EXPECT_EQ(fit, std::vector<std::string>({"interleaved-1f1b", "looped-bfs", "zbv"}));
  EXPECT_EQ(not_, std::vector<std::string>({"gpipe", "1f1b", "zb-h1"}));
  // Looped BFS runs every forward first: each stage holds all M.
  EXPECT_EQ(plan.schedules[1].peakMicrobatches, std::vector<int>({4, 4, 4, 4}));
  // The V placement: rank 0 holds the first and the last stage.
  EXPECT_EQ(plan.chosen().ranks[0].stages, std::vector<int>({0, 3}));
  EXPECT_EQ(plan.stages[3].rank, 0);
}

TEST(PlanMemory, WarningsNameTheStageOrTheRank) {
  TrainingSetup setup = pipelineSetup("gpipe", 2, 1, 4);
  setup.deviceMemoryGib = 1e-9;
  std::vector<std::string> w = planMemory(roundShape(4), setup).warnings();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].rfind("warning: stage 0 needs ", 0), 0u) << w[0];
  EXPECT_NE(w[0].find(", more than the device's 1e-09 GiB"), std::string::npos) << w[0];
  setup = pipelineSetup("zbv", 2, 2, 4);
  setup.deviceMemoryGib = 1e-9;
  w = planMemory(roundShape(6), setup).warnings();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[1].rfind("warning: rank 1 (stages 1, 2) needs ", 0), 0u) << w[1];
}

TEST(PlanMemory, RefusesWhatCannotRun) {
  EXPECT_THROW(planMemory(roundShape(4), pipelineSetup("1f1b", 2, 1, 3)), PlanError); // 8 rows, 3 microbatches
  EXPECT_THROW(planMemory(roundShape(4), pipelineSetup("zbv", 2, 1, 4)), PlanError);  // V placement needs 2
  EXPECT_THROW(planMemory(roundShape(4), pipelineSetup("zb-h1", 2, 2, 4)), PlanError); // one stage per rank
  EXPECT_THROW(planMemory(roundShape(1), pipelineSetup("1f1b", 4, 1, 4)), PlanError);  // 4 stages, 3 effective layers
  EXPECT_THROW(planMemory(roundShape(4), pipelineSetup("2f2b", 2, 1, 4)), PlanError);
}

TEST(PlanMemory, OneProcessHoldsOneMicroStep) {
  TrainingSetup setup = pipelineSetup("1f1b", 1, 1, 1);
  setup.pipeline.reset();
  setup.accumulation = 3;
  MemoryPlan plan = planMemory(roundShape(2), setup);
  ASSERT_EQ(plan.schedules.size(), 1u);
  EXPECT_EQ(plan.schedule, "none");
  EXPECT_EQ(plan.microbatchRows, 8);
  const StagePlan &only = plan.stages[0];
  EXPECT_EQ(only.activationBytesPerMicrobatch, 2 * 1000 * 16); // no boundaries
  EXPECT_EQ(plan.chosen().ranks[0].dynamicBytes, only.activationBytesPerMicrobatch);
  // 6 N + 12 L d T per token, over 8 rows x 3 steps x 2 tokens.
  EXPECT_EQ(plan.flopsPerStep, (6.0 * 220 + 12.0 * 2 * 4 * 2) * 48);
}

TEST(PlanMemory, UnknownOptimizerStateIsLeftOut) {
  TrainingSetup setup = pipelineSetup("1f1b", 2, 1, 4);
  setup.optimizer.kind = OptimizerState::Kind::Unknown;
  setup.deviceMemoryGib = 1e-9;
  MemoryPlan plan = planMemory(roundShape(4), setup);
  EXPECT_FALSE(plan.stages[0].optimizerBytes);
  EXPECT_NE(plan.warnings()[0].find("needs at least "), std::string::npos);
}

TEST(PlanReport, Formats) {
  EXPECT_EQ(formatBytes(0), "0 bytes");
  EXPECT_EQ(formatBytes(2048), "2.00 KiB");
  EXPECT_EQ(formatBytes(27799552), "26.5 MiB");
  EXPECT_EQ(formatBytes(3.0 * 1024 * 1024 * 1024), "3.00 GiB");
  EXPECT_EQ(formatGib(0.0917), "0.0917");
  EXPECT_EQ(formatGib(123.4), "123");
}

} // namespace
