//===- EmitProject.cpp - `fgcc CONFIG -o DIR`: the whole training project ---===//
//
// The front end and the checker, then lower (the model and the training
// program) and emit (DIR/CMakeLists.txt, model/, train/, runtime/, the
// manifest and the config snapshot). A config whose `main` is not a
// `fgrt.train:Trainer` has no training program: `--emit-model` writes its
// model alone, and `--emit=lower` prints its model plan.
//
//===----------------------------------------------------------------------===//
#include "driver/Commands.h"
#include "emit/ProjectEmitter.h"
#include "support/PyPath.h"

#include <iostream>

namespace fgcc {

namespace {

/// A string keyword argument of the config's `meta` target, or empty.
std::string metaField(const resolve::TypedGraph &typed, const std::string &field) {
  const graph::Node *root = typed.graph->root;
  if (!root || root->kind != graph::Kind::Dict)
    return "";
  for (const auto &[key, value] : root->entries)
    if (key->kind == graph::Kind::Str && key->str == "meta")
      for (const graph::KeywordArg &kw : value->kwargs)
        if (kw.name == field && kw.value->kind == graph::Kind::Str)
          return kw.value->str;
  return "";
}

} // namespace

std::string projectDirFor(const GlobalOptions &opts, const std::string &templateName) {
  return opts.outputDir.empty() ? pypath::join(opts.defaultOutputRoot, namespaceOf(templateName)) : opts.outputDir;
}

int runEmitProject(GlobalOptions &opts, std::ostream &out) {
  std::unique_ptr<CheckedConfig> cc = checkConfig(opts);
  if (reportDiagnostics(cc->diags))
    return 1;
  if (!lower::isTrainingConfig(cc->typed)) {
    if (opts.emit == "lower")
      return runEmitModel(opts, out);
    throw FatalError(SourceLoc{}, "the config's `main` is not a fgrt.train:Trainer, so it has no training program; "
                                  "--emit-model writes its model alone");
  }
  DiagnosticEngine diags;
  lower::TrainPlan plan = lower::lowerTrainProgram(cc->typed, lowerOptionsFor(*cc), *cc->graph.where, diags);
  if (reportDiagnostics(diags))
    return 1;
  if (opts.emit == "lower") {
    out << lower::printModelPlan(plan.model) << "\n" << lower::printModelPlan(plan.program);
    return 0;
  }

  emit::ProjectOptions options;
  options.model = emitOptionsFor(*cc);
  opts.outputDir = projectDirFor(opts, cc->rendered.templateName);
  options.runtimeDir = runtimeDir();
  options.renderedConfig = cc->rendered.result.text;
  for (const auto &[name, path] : cc->rendered.loaded)
    options.inputs.emplace_back(name, readFile(path));
  options.title = metaField(cc->typed, "config_name");
  options.description = metaField(cc->typed, "config_description");
  std::map<std::string, std::string> files = emit::emitProjectFiles(plan, options);
  emit::writeFiles(opts.outputDir, files);
  out << "fgcc: wrote " << files.size() << " files to " << opts.outputDir << " (train: " << plan.program.rootClass
      << ", model: " << plan.model.rootClass << ")\n";
  return 0;
}

} // namespace fgcc
