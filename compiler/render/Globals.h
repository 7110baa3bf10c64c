//===- Globals.h - Names every template can see ---------------------------===//
//
// Layers 1-3 of spec section 4.2: Jinja's own globals (`range`, `dict`,
// `namespace`), the reference's helper functions (paths, times, `repr`), and
// the project's values (`project_dir`, `workspace_root`, `hostname`, ...).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "render/Value.h"

#include <string>

namespace fgcc::render {

/// The project's values of layer 3; `hostname`, `uname` and `versions`
/// come from the machine, not from here.
struct ProjectGlobals {
  std::string projectDir;
  std::string workspaceRoot;
};

/// Installs all global names into `globals`. Time functions honour
/// SOURCE_DATE_EPOCH so that renders can be reproducible.
void installGlobals(Dict &globals, const ProjectGlobals &project);

} // namespace fgcc::render
