//===- PlanCommand.cpp - `fgcc plan`: memory and FLOPs per pipeline stage ---===//
//
// Runs a training config through the front end, the checker and the
// lowering, as `fgcc CONFIG -o DIR` does, and hands the two plans to the
// estimator (compiler/plan): the model's plan becomes its shape, the
// program's plan (the trainer's options) the training setup. Prints the
// estimate as text or JSON; a rank of the chosen schedule over the
// device's memory gets a warning on stderr, which leaves the exit status
// at 0 (it is an estimate).
//
//===----------------------------------------------------------------------===//
#include "driver/Commands.h"

#include "fgrt/dist/schedule.hpp"
#include "plan/MemoryPlan.h"

#include <iostream>
#include <stdexcept>

namespace fgcc {

namespace {

/// The manifest's default of a component's parameter, in the form the
/// planner reads (plan/Arguments.h).
plan::DefaultLookup manifestDefaults(const resolve::Manifest &manifest) {
  return [&manifest](const std::string &component, const std::string &param) -> std::optional<plan::DefaultValue> {
    const resolve::ClassInfo *cls = manifest.find(component);
    std::optional<resolve::Signature> sig = cls ? manifest.signature(*cls) : std::nullopt;
    if (!sig)
      return std::nullopt;
    for (const auto *list : {&sig->positional, &sig->keywords})
      for (const resolve::Param &p : *list) {
        if (p.name != param)
          continue;
        if (!p.defaultText)
          return plan::DefaultValue{true, ""};
        if (!p.defaultValueJson.empty())
          return plan::DefaultValue{false, p.defaultValueJson};
        // The scanner writes null for "none" and for defaults that are not
        // constants; only the spellings of "none" read as null.
        const std::string &t = *p.defaultText;
        bool none = t == "nullptr" || t == "c10::nullopt" || t == "std::nullopt" || t == "{}";
        return plan::DefaultValue{false, none ? "null" : ""};
      }
    return std::nullopt;
  };
}

/// Applies the command line's overrides to the config's setup.
void applyOptions(const PlanOptions &options, plan::TrainingSetup &setup) {
  if (!options.deviceMemory.empty())
    setup.deviceMemoryGib = parseNumberOption("--device-memory", options.deviceMemory);
  if (options.schedule.empty() && options.microbatches.empty())
    return;
  if (!setup.pipeline)
    throw UsageError("--schedule and --microbatches need a config whose Trainer has a `pipeline`");
  if (!options.schedule.empty()) {
    try {
      fgrt::dist::parse_schedule_kind(options.schedule);
    } catch (const std::invalid_argument &e) {
      throw UsageError(e.what());
    }
    setup.pipeline->schedule = options.schedule;
  }
  if (!options.microbatches.empty()) {
    setup.pipeline->microbatches = parseIntOption("--microbatches", options.microbatches);
    if (setup.pipeline->microbatches < 1)
      throw UsageError("--microbatches must be at least 1, got " + options.microbatches);
  }
}

} // namespace

int runPlan(GlobalOptions &opts, const PlanOptions &options, std::ostream &out) {
  if (options.format != "text" && options.format != "json")
    throw UsageError("plan --format expects text or json, got '" + options.format + "'");
  std::unique_ptr<CheckedConfig> cc = checkConfig(opts);
  if (reportDiagnostics(cc->diags))
    return 1;
  if (!lower::isTrainingConfig(cc->typed))
    throw FatalError(SourceLoc{}, "fgcc plan needs a training config: its `main` must be a fgrt.train:Trainer");
  DiagnosticEngine diags;
  lower::TrainPlan program = lower::lowerTrainProgram(cc->typed, lowerOptionsFor(*cc), *cc->graph.where, diags);
  if (reportDiagnostics(diags))
    return 1;

  plan::MemoryPlan estimate;
  try {
    plan::DefaultLookup defaults = manifestDefaults(cc->manifest);
    plan::ModelShape shape = plan::shapeOfModel(program.model, defaults);
    plan::TrainingSetup setup = plan::trainingSetupOf(program.program, defaults);
    bool fromConfig = setup.pipeline && setup.deviceMemoryGib > 0;
    applyOptions(options, setup);
    estimate = plan::planMemory(shape, setup);
    estimate.configName = cc->rendered.templateName;
    estimate.deviceMemorySource = !options.deviceMemory.empty() ? "--device-memory"
                                  : fromConfig                  ? "PipelineOptions.device_memory_gib"
                                                                : "";
  } catch (const plan::PlanError &e) {
    // At the template line of the component when the error names one.
    if (e.node)
      throw FatalError(cc->graph.where->error(e.node->mark, std::string("fgcc plan: ") + e.what()));
    throw FatalError(SourceLoc{}, std::string("fgcc plan: ") + e.what());
  }
  out << (options.format == "json" ? plan::renderJson(estimate) : plan::renderText(estimate));
  out.flush();
  for (const std::string &warning : estimate.warnings())
    std::cerr << "fgcc: " << warning << "\n";
  return 0;
}

} // namespace fgcc
