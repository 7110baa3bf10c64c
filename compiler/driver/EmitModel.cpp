//===- EmitModel.cpp - `fgcc CONFIG --emit-model -o DIR` -------------------===//
//
// The back end for a config's model: the front end and the checker, then
// lower (the model plan) and emit (the files of DIR/model). A config that
// does not check is not lowered: the generated code may assume every call
// fits its component's signature.
//
//===----------------------------------------------------------------------===//
#include "driver/Commands.h"
#include "emit/ModelEmitter.h"
#include "lower/ModelPlan.h"
#include "support/CppText.h"
#include "support/PyPath.h"

#include <iostream>

namespace fgcc {

std::string namespaceOf(const std::string &templateName) {
  std::string stem = pypath::basename(templateName);
  if (size_t dot = stem.rfind('.'); dot != std::string::npos && dot > 0)
    stem = stem.substr(0, dot);
  std::string out = cpp::identifier(stem);
  // "_4M" or "int_" would be legal, but "model_4M" reads better as a
  // namespace and a CMake project name.
  if (cpp::isReservedName(stem))
    out = "model_" + stem;
  else if (out[0] == '_')
    out = "model" + out;
  return out;
}

lower::LowerOptions lowerOptionsFor(const CheckedConfig &cc) {
  lower::LowerOptions options;
  options.searchPath = cc.rendered.searchPath;
  options.configName = cc.rendered.templateName;
  return options;
}

emit::EmitOptions emitOptionsFor(const CheckedConfig &cc) {
  emit::EmitOptions options;
  options.fgccVersion = FGCC_VERSION;
  options.modelSourceDir = stdlibDir() + "/modelsrc";
  options.cppNamespace = namespaceOf(cc.rendered.templateName);
  return options;
}

int runEmitModel(GlobalOptions &opts, std::ostream &out) {
  if (opts.emit != "lower" && opts.outputDir.empty())
    throw UsageError("--emit-model needs an output directory: -o DIR");
  std::unique_ptr<CheckedConfig> cc = checkConfig(opts);
  if (reportDiagnostics(cc->diags))
    return 1;
  lower::LowerOptions lowerOptions = lowerOptionsFor(*cc);
  lowerOptions.target = opts.modelTarget;
  DiagnosticEngine diags;
  lower::ModelPlan plan = lower::lowerModel(cc->typed, lowerOptions, *cc->graph.where, diags);
  if (reportDiagnostics(diags))
    return 1;
  if (opts.emit == "lower") {
    out << lower::printModelPlan(plan);
    return 0;
  }
  emit::EmitOptions emitOptions = emitOptionsFor(*cc);
  std::map<std::string, std::string> files = emit::emitModelFiles(plan, emitOptions);
  emit::writeFiles(opts.outputDir + "/model", files);
  out << "fgcc: wrote " << files.size() << " files to " << opts.outputDir << "/model (" << plan.rootClass
      << " from target '" << plan.target << "')\n";
  return 0;
}

} // namespace fgcc
