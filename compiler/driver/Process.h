//===- Process.h - Finding and running the programs fgcc drives -----------===//
//
// `fgcc train` runs CMake, the training program and fgrun; `fgcc plot`
// runs gnuplot. These are the few POSIX process calls they share.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace fgcc {

/// The path of the executable `name` on PATH, or nullopt.
std::optional<std::string> findOnPath(const std::string &name);
/// True when `path` is an executable regular file.
bool isExecutableFile(const std::string &path);

/// `args` as the null-terminated argv execv wants; it points into `args`.
std::vector<char *> argvOf(std::vector<std::string> &args);

/// `args` as a POSIX shell would read them back: words with characters
/// the shell treats specially are single-quoted.
std::string shellCommandLine(const std::vector<std::string> &args);

/// What a finished child process left.
struct ProcessResult {
  int status = 0;          ///< exit status; 128 + signal when killed by one
  std::string errorOutput; ///< its stderr, when captured
};

/// Runs `args` (searched on PATH) with its stdout sent to fgcc's stderr,
/// and waits for it. Throws FatalError when it cannot be started.
ProcessResult runWithStdoutOnStderr(std::vector<std::string> args);
/// Runs `args` (searched on PATH), collecting its stderr, and waits for it.
ProcessResult runCapturingStderr(std::vector<std::string> args);

} // namespace fgcc
