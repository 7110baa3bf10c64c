//===- Origin.h - Where rendered text came from ---------------------------===//
//
// The render phase keeps, for every piece of output, the template line that
// produced it. Output is appended in chunks and each chunk starts a mark; a
// line of the rendered config maps back to `file:line` through the last mark
// at or before its first byte (see LineMap).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "preprocess/Preprocessor.h"
#include "support/Source.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fgcc::render {

/// How the lines of one preprocessed template map to its file.
struct TemplateLines {
  std::string name;
  const SourceFile *file = nullptr;
  /// Line of `file` where the template's text begins (sub-templates).
  uint32_t firstLine = 1;
  std::vector<LineOrigin> origins;

  /// File location of a 1-based (line, column) in the preprocessed text.
  SourceLoc at(uint32_t ppLine, uint32_t ppCol) const {
    if (origins.empty())
      return {file, firstLine, 1};
    const LineOrigin &o = origins[std::min<size_t>(ppLine ? ppLine - 1 : 0, origins.size() - 1)];
    int64_t col = static_cast<int64_t>(ppCol) + o.colShift;
    return {file, firstLine + o.line - 1, static_cast<uint32_t>(col < 1 ? 1 : col)};
  }
};

/// Output from `offset` on was produced by template `tmpl` at preprocessed
/// line `ppLine`. When `advances` is set (the chunk is template text), each
/// newline after `offset` moves one preprocessed line further; otherwise (a
/// printed value) every line of the chunk maps to `ppLine`.
struct OriginMark {
  size_t offset = 0;
  const TemplateLines *tmpl = nullptr;
  uint32_t ppLine = 1;
  bool advances = false;
  /// Index into the render's frame table (which block / include produced
  /// the text), or -1.
  int32_t frame = -1;
};

/// A render's marks, in increasing `offset` order.
using OriginMarks = std::vector<OriginMark>;

} // namespace fgcc::render
