//===- ProjectEmitter.h - Phase "emit": a TrainPlan -> a CMake project ------===//
//
// The whole generated experiment (`fgcc CONFIG -o DIR`):
//
//   CMakeLists.txt        find_package(Torch); the runtime, the model, `train`
//   fgcc-manifest.json    fgcc's version, every input file with its SHA-256,
//                         the hash of the rendered config, the targets, and
//                         one hash of every other file (`sources_sha256`)
//   config/pp.yaml        the rendered config the project was generated from
//   model/                the standalone model (ModelEmitter.h)
//   train/main.cpp        the config's variables as command-line options and
//                         the construction of the trainer's options
//   runtime/              the vendored fgrt sources
//
// Byte-identical across runs: nothing depends on time, paths outside the
// inputs, or iteration order of unordered containers.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "emit/ModelEmitter.h"
#include "lower/ModelPlan.h"

#include <map>
#include <string>
#include <vector>

namespace fgcc::emit {

/// What the project needs besides the plan.
struct ProjectOptions {
  EmitOptions model;
  /// The fgrt source tree to vendor (`runtime/` of fgcc's sources or its
  /// installed copy).
  std::string runtimeDir;
  /// The rendered config text (config/pp.yaml).
  std::string renderedConfig;
  /// Every template file the config read, by the name it is known under,
  /// with its contents (for the manifest's hashes).
  std::vector<std::pair<std::string, std::string>> inputs;
  /// The config's title and description (meta), for --help.
  std::string title, description;
};

/// Every file of the project, by path relative to DIR. Throws FatalError when
/// a source to copy is missing.
std::map<std::string, std::string> emitProjectFiles(const lower::TrainPlan &plan, const ProjectOptions &options);

/// SHA-256 of `data` as 64 lowercase hex digits.
std::string sha256Hex(const std::string &data);

} // namespace fgcc::emit
