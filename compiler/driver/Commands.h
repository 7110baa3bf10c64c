//===- Commands.h - fgcc's subcommands ------------------------------------===//
#pragma once

#include "driver/Session.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace fgcc {

/// Options shared by every subcommand.
struct GlobalOptions {
  ConfigRequest request;
  /// Owns every file read; outlives the diagnostics that point into them.
  SourceManager *sources = nullptr;
  std::string emit;   ///< --emit=load|preprocess|render
  bool lineMap = false; ///< pp --line-map
  bool debug = false;   ///< pp --debug: also print every compiled template
  std::string graphFormat = "yaml"; ///< graph --format
  std::string compat;               ///< graph --compat=forgather
  std::vector<std::string> headers; ///< -H: user component headers to scan
  bool verify = false;              ///< check --verify: compare with expected-error annotations
  std::string outputFile; ///< -o for text commands
};

int runPp(GlobalOptions &opts, std::ostream &out);
int runGraph(GlobalOptions &opts, const std::string &format, bool compat, std::ostream &out);
int runTargets(GlobalOptions &opts, std::ostream &out);
int runCheck(GlobalOptions &opts, std::ostream &out);
int runDocComponents(GlobalOptions &opts, std::ostream &out);
int runEmit(GlobalOptions &opts, std::ostream &out);
int runLs(GlobalOptions &opts, const std::vector<std::string> &dirs, bool recursive, std::ostream &out);
int runTlist(GlobalOptions &opts, const std::string &format, std::ostream &out);
int runTrefs(GlobalOptions &opts, const std::string &format, std::ostream &out);
int runIndex(GlobalOptions &opts, std::ostream &out);
int runMeta(GlobalOptions &opts, std::ostream &out);

} // namespace fgcc
