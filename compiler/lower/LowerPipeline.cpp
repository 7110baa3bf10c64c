//===- LowerPipeline.cpp - Phase "lower": the compile-time pipeline split --===//
//
// A training config whose Trainer has a `pipeline` is split into stages
// here, before any code is written: the PipelineOptions' ranks,
// stages_per_rank, input_weight and output_weight must be literals (the
// number of stage sources depends on them), the model must be a CausalLM
// built from a singleton encoder and stack, and the split is the
// reference's balanced one (fgrt/dist/stage_split.hpp, the runtime's own
// code). Every problem is reported at the config line that causes it.
//
// The model plan is then marked for seeded construction: each singleton
// module is built after seed_piece(seed, name), the stack seeds its layers
// and norm, the model its head, so the whole model (the single-process
// control) and the stages build identical weights.
//
//===----------------------------------------------------------------------===//
#include "lower/LowerPipeline.h"

#include <algorithm>
#include <stdexcept>

namespace fgcc::lower {

using graph::Kind;
using graph::Node;

namespace {

/// The C++ class of the runtime's pipeline options.
constexpr const char *kPipelineOptionsClass = "fgrt::train::PipelineOptions";
constexpr const char *kCausalLMClass = "fgcc::nn::CausalLM";
constexpr const char *kLayerStackClass = "fgcc::nn::LayerStack";

const Node *keywordValue(const Node &call, const std::string &name) {
  for (const graph::KeywordArg &kw : call.kwargs)
    if (kw.name == name)
      return kw.value;
  return nullptr;
}

const NamedArg *findArg(const Construction &c, const std::string &name) {
  for (const auto *list : {&c.ctorArgs, &c.setters})
    for (const NamedArg &a : *list)
      if (a.name == name)
        return &a;
  return nullptr;
}

/// Reads the pipeline's compile-time fields and checks the model around
/// them; returns false after reporting what is wrong.
class PipelineLowering {
public:
  PipelineLowering(const yaml::PpLocator &where, DiagnosticEngine &diags) : where_(where), diags_(diags) {}

  bool run(const Node &pipeline, TrainPlan &plan) {
    PipelinePlan split;
    bool ok = readInt(pipeline, "ranks", 2, split.ranks) && readInt(pipeline, "stages_per_rank", 1, split.stagesPerRank) &&
              readInt(pipeline, "input_weight", 1, split.inputWeight) &&
              readInt(pipeline, "output_weight", 1, split.outputWeight);
    if (!ok || !readModel(pipeline, plan.model, split))
      return false;
    try {
      split.stages = fgrt::dist::split_layers(split.numLayers, split.ranks * split.stagesPerRank, split.inputWeight,
                                              split.outputWeight);
    } catch (const std::invalid_argument &e) {
      diags_.report(where_.error(pipeline.mark, std::string("cannot split the model into pipeline stages: ") + e.what()));
      return false;
    }
    markSeeded(plan.model, split);
    plan.model.pipeline = std::move(split);
    return true;
  }

private:
  /// An integer field of the pipeline options: absent (its default, as in
  /// pipeline_options.hpp) or a literal of at least 1.
  bool readInt(const Node &pipeline, const std::string &name, int fallback, int &out) {
    const Node *value = keywordValue(pipeline, name);
    if (!value) {
      out = fallback;
      return true;
    }
    if (value->kind != Kind::Int) {
      diags_.report(where_.error(value->mark, "the pipeline's '" + name +
                                                  "' must be a literal integer: fgcc splits the model into stages "
                                                  "when it compiles the config"));
      return false;
    }
    if (value->intValue < 1 || value->intValue > 4096) {
      diags_.report(where_.error(value->mark, "the pipeline's '" + name + "' must be between 1 and 4096, not " +
                                                  std::to_string(value->intValue)));
      return false;
    }
    out = static_cast<int>(value->intValue);
    return true;
  }

  /// The model must be a CausalLM over a singleton encoder and stack with a
  /// literal layer count, an untied head and the default init.
  bool readModel(const Node &pipeline, const ModelPlan &model, PipelinePlan &split) {
    if (model.locals.empty())
      return false; // lowering the model failed and said why
    const Local &root = model.locals.back();
    const yaml::Mark at = root.node ? root.node->mark : pipeline.mark;
    if (model.rootClass != kCausalLMClass) {
      diags_.report(where_.error(at, "a pipeline splits a " + std::string(kCausalLMClass) + ", but the model is a " +
                                         model.rootClass));
      return false;
    }
    const NamedArg *encoder = findArg(root.construction, "input_encoder");
    const NamedArg *stack = findArg(root.construction, "layer_stack");
    for (const NamedArg *arg : {encoder, stack})
      if (!arg || arg->value.kind != ArgValue::Kind::Local) {
        diags_.report(where_.error(at, "a pipeline needs the model's input_encoder and layer_stack as !singleton "
                                       "components, which each stage builds its part of"));
        return false;
      }
    // Problems of one argument are reported at the line that sets it.
    auto argumentAt = [&](const char *name) {
      const Node *value = root.node ? keywordValue(*root.node, name) : nullptr;
      return value ? value->mark : at;
    };
    if (const NamedArg *tied = findArg(root.construction, "tie_word_embeddings"); tied && tied->value.text == "true") {
      diags_.report(where_.error(argumentAt("tie_word_embeddings"), "tie_word_embeddings would put one matrix on the first and the last pipeline "
                                     "stage; untie it for a pipeline"));
      return false;
    }
    if (const NamedArg *init = findArg(root.construction, "init_weights");
        init && init->value.text != "\"default\"") {
      diags_.report(where_.error(argumentAt("init_weights"), "init_weights " + init->value.text +
                                         " walks the whole model at once; a pipeline builds each stage apart and "
                                         "supports only \"default\" (each module's own initialisation)"));
      return false;
    }
    if (const NamedArg *window = findArg(root.construction, "sliding_window"))
      split.slidingWindow = window->value;
    split.encoderLocal = encoder->value.text;
    split.stackLocal = stack->value.text;
    return readLayerCount(model, at, split);
  }

  bool readLayerCount(const ModelPlan &model, const yaml::Mark &at, PipelinePlan &split) {
    const Local *stack = nullptr;
    for (const Local &l : model.locals)
      if (l.name == split.stackLocal)
        stack = &l;
    if (!stack || stack->construction.component != kLayerStackClass) {
      diags_.report(where_.error(at, "a pipeline splits a " + std::string(kLayerStackClass) + " into stages"));
      return false;
    }
    // The count as the config wrote it: an explicit list of layer
    // factories, or num_hidden_layers, which must then be a literal.
    const Node *node = stack->node;
    const Node *list = node ? keywordValue(*node, "layer_factories") : nullptr;
    if (list && list->kind == Kind::List) {
      split.numLayers = static_cast<int>(list->items.size());
      return true;
    }
    const Node *count = node ? keywordValue(*node, "num_hidden_layers") : nullptr;
    if (!count || count->kind != Kind::Int) {
      diags_.report(where_.error(count ? count->mark : node ? node->mark : at,
                                 "the layer stack's num_hidden_layers must be a literal in a pipeline config: the "
                                 "stages are split when fgcc compiles it"));
      return false;
    }
    split.numLayers = static_cast<int>(count->intValue);
    return true;
  }

  /// Seeds every piece by name in the model's own builder (see the file
  /// comment); the stage builders render the same locals.
  static void markSeeded(ModelPlan &model, const PipelinePlan &split) {
    ArgValue seed;
    seed.kind = ArgValue::Kind::Literal;
    seed.text = "seed"; // the builder's local; no JSON form (config.json)
    for (Local &l : model.locals) {
      if (l.kind != Local::Kind::Singleton || &l == &model.locals.back())
        continue;
      if (l.name == split.stackLocal)
        l.construction.setters.push_back(NamedArg{"init_seed", "c10::optional<int64_t>", seed});
      else
        l.seedPiece = l.name == split.encoderLocal ? "input_encoder" : l.name;
    }
    model.locals.back().construction.setters.push_back(NamedArg{"init_seed", "c10::optional<int64_t>", seed});
    for (const char *header : {"modelsrc/module_utils.hpp", "modelsrc/causal_lm_stage.hpp"})
      if (std::find(model.headers.begin(), model.headers.end(), header) == model.headers.end())
        model.headers.push_back(header);
    std::sort(model.headers.begin(), model.headers.end());
  }

  const yaml::PpLocator &where_;
  DiagnosticEngine &diags_;
};

} // namespace

bool lowerPipeline(const resolve::TypedGraph &typed, const Node &main, const yaml::PpLocator &where,
                   DiagnosticEngine &diags, TrainPlan &plan) {
  const Node *pipeline = keywordValue(main, "pipeline");
  if (!pipeline)
    return true;
  auto it = typed.calls.find(pipeline);
  if (!pipeline->isCallable() || it == typed.calls.end() || it->second.cppName != kPipelineOptionsClass) {
    diags.report(where.error(pipeline->mark, std::string("the trainer's pipeline must be a !singleton:") +
                                                 "fgrt.train:PipelineOptions"));
    return false;
  }
  return PipelineLowering(where, diags).run(*pipeline, plan);
}

} // namespace fgcc::lower
