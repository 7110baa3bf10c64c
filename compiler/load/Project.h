//===- Project.h - Projects, workspaces and meta.yaml ---------------------===//
//
// A Forgather project is a directory with a `meta.yaml`; its workspace is the
// nearest ancestor holding a `forgather_workspace/` directory. `meta.yaml` is
// itself a template, rendered with its own search path, and says where the
// project's templates are (`searchdir`), where its configs are
// (`config_prefix`) and which one is the default (spec section 10).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "support/Diagnostics.h"

#include <optional>
#include <string>
#include <vector>

namespace fgcc {

/// What the driver knows about a project once its `meta.yaml` is rendered
/// (spec section 10.2); the defaults are the reference's (`ls` prints
/// `Anonymous` / `No Description` when meta.yaml gives none).
struct ProjectInfo {
  std::string projectDir;    ///< absolute
  std::string workspaceRoot; ///< absolute
  std::string name = "Anonymous";
  std::string description = "No Description";
  /// Template search directories (absolute, existing ones only).
  std::vector<std::string> searchDirs;
  std::string configPrefix = "configs";
  std::string defaultConfig; ///< empty when meta.yaml names none
  /// The templates meta.yaml's render loaded (for `fgcc meta`).
  std::vector<std::string> metaTemplates;
  std::vector<std::string> metaSearchPath;
};

/// The nearest directory at or above `start` holding a `meta.yaml`.
std::optional<std::string> findProjectDir(const std::string &start);
/// The nearest directory at or above `projectDir` holding `forgather_workspace/`.
std::optional<std::string> findWorkspaceRoot(const std::string &projectDir);

/// Configs of a project: (template name relative to the config prefix, file
/// path), sorted by name; duplicates across search directories are kept.
std::vector<std::pair<std::string, std::string>> findConfigs(const ProjectInfo &project);

/// Absolute, lexically normalised form of a path against the working directory.
std::string absolutePath(const std::string &path);

} // namespace fgcc
