//===- LineMap.h - Rendered line -> template file:line --------------------===//
//
// Built from a render's origin marks: for each line of the pp text, the
// template location that produced its first byte. The parse phase reports
// YAML errors through it, so a user sees the template line, not a line of
// text they never wrote.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "render/Environment.h"

#include <string>
#include <vector>

namespace fgcc::render {

/// Where one pp-text line came from.
struct LineOriginInfo {
  SourceLoc loc;       ///< template file and line
  std::string context; ///< "block 'x' <- template 'y'", may be empty
};

/// One entry per line of a rendered text; a line no mark covers (or a
/// line number out of range) maps to an invalid location.
class LineMap {
public:
  LineMap() = default;
  explicit LineMap(const RenderResult &result);

  /// Origin of a 1-based line of the rendered text.
  const LineOriginInfo &origin(uint32_t line) const;
  size_t size() const { return lines_.size(); }

private:
  std::vector<LineOriginInfo> lines_;
  LineOriginInfo unknown_;
};

} // namespace fgcc::render
