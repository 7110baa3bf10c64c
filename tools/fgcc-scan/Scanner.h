//===- Scanner.h - Headers in, manifest out --------------------------------===//
//
// Runs Clang (LibTooling) once over the requested headers, parsed together as
// one C++17 translation unit, and collects the classes of interest into a
// Manifest.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Manifest.h"

#include <string>
#include <vector>

namespace fgcc::scan {

struct ScanRequest {
  /// Scan <torch/torch.h> itself: records in any file, by default in
  /// torch::nn and torch::optim only.
  bool torch = false;
  /// Only records in these namespaces (or nested in them); empty: all.
  std::vector<std::string> namespaces;
  /// Absolute paths of the headers to scan; records must be declared in one
  /// of them unless `torch` is set.
  std::vector<std::string> headers;
  /// Arguments for Clang after the built-in ones (-I, -D, ...).
  std::vector<std::string> clangArgs;
};

/// Parses and collects. Returns false when Clang reported an error; its
/// diagnostics have then been printed to stderr and `out` is incomplete.
bool scanHeaders(const ScanRequest &request, Manifest &out);

/// The Clang arguments every scan starts with (C++17, LibTorch's include
/// directory, the resource directory of the Clang it was built with).
std::vector<std::string> baseClangArgs();

} // namespace fgcc::scan
