//===- ModelEmitter.h - Phase "emit": a ModelPlan -> the model/ directory ---===//
//
// Writes a generated model as a standalone CMake project that depends on
// LibTorch alone:
//
//   model/CMakeLists.txt     the model library and model_smoke
//   model/<name>.hpp/.cpp    the construction code (build_<name>())
//   model/model_smoke.cpp    builds the model and runs it once; reads and
//                            writes weights and activations as safetensors
//   model/config.json        the hyperparameters and the whole construction
//   model/components/        copies of exactly the component sources used
//
// Everything written is a function of the plan and the component sources,
// so the same config gives the same bytes on every run and machine.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lower/ModelPlan.h"

#include <map>
#include <string>

namespace fgcc::emit {

/// What the emitter needs besides the plan.
struct EmitOptions {
  std::string fgccVersion;
  /// Where the model library's sources are (`<stdlib>/modelsrc`); component
  /// headers named `modelsrc/x.hpp` in the manifest are found here.
  std::string modelSourceDir;
  /// The C++ namespace of the generated code (from the config's name).
  std::string cppNamespace;
};

/// The files of the model directory, by path relative to it, in the order
/// they are written. Throws FatalError when a component's sources cannot
/// be found.
std::map<std::string, std::string> emitModelFiles(const lower::ModelPlan &plan, const EmitOptions &options);

/// Writes `files` below `dir` (creating directories); a file whose content
/// is unchanged is not rewritten, so a rebuild after re-emitting compiles
/// nothing. Throws FatalError on I/O failure.
void writeFiles(const std::string &dir, const std::map<std::string, std::string> &files);

} // namespace fgcc::emit
