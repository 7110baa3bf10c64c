//===- TrainingSetup.cpp - Reading the trainer's options for the plan -----===//
#include "plan/TrainingSetup.h"

namespace fgcc::plan {

using nlohmann::json;

namespace {

/// An options object the trainer was not given: every read falls through to
/// the manifest's defaults, as the runtime default-constructs it.
const lower::Construction *defaultsOf(const std::string &component) {
  static std::map<std::string, lower::Construction> empty;
  lower::Construction &c = empty[component];
  c.component = component;
  c.origin = "default";
  return &c;
}

/// The trainer's argument `name`, or the defaults of `component` when the
/// config leaves it out.
ComponentRef optionsArg(const ArgumentReader &args, const ComponentRef &trainer, const std::string &name,
                        const std::string &component) {
  if (args.given(trainer, name))
    if (std::optional<ComponentRef> c = args.component(trainer, name))
      return *c;
  return ComponentRef{defaultsOf(component), {}, trainer.node};
}

/// A positive int argument that fits an int (counts of ranks, stages ...).
int count(const ArgumentReader &args, const ComponentRef &c, const std::string &name) {
  int64_t v = args.integer(c, name);
  if (v < 1 || v > (1 << 22))
    throw PlanError("'" + name + "' of " + c.describe() + " must be between 1 and 2^22, got " + std::to_string(v),
                    c.node);
  return static_cast<int>(v);
}

PipelineSetup pipelineOf(const ArgumentReader &args, const ComponentRef &p) {
  PipelineSetup setup;
  setup.ranks = count(args, p, "ranks");
  setup.stagesPerRank = count(args, p, "stages_per_rank");
  setup.schedule = args.string(p, "schedule");
  setup.microbatches = count(args, p, "microbatches");
  // The split's weights may be 0 (an encoder that costs nothing).
  setup.inputWeight = static_cast<int>(args.integer(p, "input_weight"));
  setup.outputWeight = static_cast<int>(args.integer(p, "output_weight"));
  return setup;
}

} // namespace

OptimizerState optimizerStateOf(const ArgumentReader &args, const ComponentRef &optimizer) {
  OptimizerState s;
  s.component = optimizer.component();
  const std::string &cls = s.component;
  // The state each optimizer allocates at its first step, from its header
  // (torch/optim/*.h, fgrt/optim/*.hpp).
  auto perParameter = [&](int states, bool float32, const std::string &what) {
    s.kind = OptimizerState::Kind::PerParameter;
    s.states = states;
    s.float32States = float32;
    s.description = std::to_string(states) + (states == 1 ? " state" : " states") + " per parameter" +
                    (what.empty() ? "" : " (" + what + ")") + (float32 ? ", float32" : "");
  };
  if (cls == "torch::optim::AdamW" || cls == "torch::optim::Adam") {
    bool amsgrad = args.flag(optimizer, "amsgrad");
    perParameter(amsgrad ? 3 : 2, false, amsgrad ? "exp_avg, exp_avg_sq, max_exp_avg_sq" : "exp_avg, exp_avg_sq");
  } else if (cls == "fgrt::optim::AdamW") {
    // adamw.hpp: m and v stay in float32 for bf16 parameters.
    perParameter(2, true, "exp_avg, exp_avg_sq");
  } else if (cls == "torch::optim::SGD") {
    bool momentum = args.number(optimizer, "momentum") != 0;
    perParameter(momentum ? 1 : 0, false, momentum ? "momentum_buffer" : "no momentum");
  } else if (cls == "fgrt::optim::SGD") {
    perParameter(0, false, "plain SGD");
  } else if (cls == "fgrt::optim::Adafactor") {
    s.kind = OptimizerState::Kind::Factored;
    s.description = "factored second moment: rows + columns of each matrix, the whole of each vector";
  } else {
    s.kind = OptimizerState::Kind::Unknown;
    s.description = "unknown: fgcc plan does not model " + cls + "'s state, which is left out";
  }
  return s;
}

TrainingSetup trainingSetupOf(const lower::ModelPlan &program, const DefaultLookup &defaults) {
  ArgumentReader args(program, defaults);
  ComponentRef trainer = args.root();
  TrainingSetup setup;

  ComponentRef ta = optionsArg(args, trainer, "args", "fgrt::train::TrainingArguments");
  // Pure low precision (no autocast, no float32 master weights): weights,
  // gradients and activations all take the dtype's size.
  setup.dtype = args.string(ta, "default_dtype");
  if (setup.dtype == "float32")
    setup.dtypeBytes = 4;
  else if (setup.dtype == "bfloat16" || setup.dtype == "float16")
    setup.dtypeBytes = 2;
  else
    throw PlanError("default_dtype '" + setup.dtype + "' of " + ta.describe() +
                        " is not one fgcc plan knows (float32, bfloat16, float16)",
                    ta.node);
  setup.batchRows = args.integer(ta, "per_device_train_batch_size");
  setup.accumulation = args.integer(ta, "gradient_accumulation_steps");
  if (setup.batchRows < 1 || setup.accumulation < 1)
    throw PlanError("per_device_train_batch_size and gradient_accumulation_steps of " + ta.describe() +
                        " must be at least 1",
                    ta.node);

  ComponentRef data = optionsArg(args, trainer, "data", "fgrt::train::DatasetOptions");
  setup.seqLen = args.integer(data, "max_length");
  if (setup.seqLen < 1)
    throw PlanError("max_length of " + data.describe() + " must be at least 1", data.node);

  // The trainer calls the factory with the parameters (as a list or by
  // name); without one it builds torch's AdamW (trainer.cpp).
  std::optional<ComponentRef> opt = args.component(trainer, "optimizer_factory", {json()});
  if (!opt)
    opt = args.component(trainer, "named_optimizer_factory", {json()});
  if (opt) {
    setup.optimizer = optimizerStateOf(args, *opt);
  } else {
    ComponentRef builtIn{defaultsOf("torch::optim::AdamW"), {}, trainer.node};
    setup.optimizer = optimizerStateOf(args, builtIn);
    setup.optimizer.description += "; the trainer's default optimizer";
  }

  // TrainerOptions.pipeline is a plain struct with defaults, so "not a
  // pipeline" is its absence from the config, not a null.
  if (args.given(trainer, "pipeline")) {
    ComponentRef p = *args.component(trainer, "pipeline");
    setup.pipeline = pipelineOf(args, p);
    setup.deviceMemoryGib = args.number(p, "device_memory_gib");
  }
  return setup;
}

} // namespace fgcc::plan
