//===- LineMap.cpp - Rendered line -> template file:line ------------------===//
#include "render/LineMap.h"

#include <algorithm>
#include <cstdint>

namespace fgcc::render {

namespace {

/// "block 'x' <- template 'y' <- ...": the chain of blocks and includes
/// that produced a line, innermost first (spec section 12's include stack).
std::string describeFrames(const std::vector<RenderFrameInfo> &frames, int32_t index) {
  std::string out;
  // Sixteen levels are plenty for a message and bound its length.
  for (int depth = 0; index >= 0 && depth < 16; ++depth) {
    const RenderFrameInfo &f = frames[static_cast<size_t>(index)];
    out += (out.empty() ? "" : " <- ") + f.description;
    index = f.parent;
  }
  return out;
}

} // namespace

/// One linear pass over the text and the marks together; only the first
/// line after a new mark counts newlines from the mark's start.
LineMap::LineMap(const RenderResult &result) {
  const std::string &text = result.text;
  const OriginMarks &marks = result.marks;
  size_t markIndex = 0;
  size_t lineStart = 0;
  size_t previousMark = SIZE_MAX;
  uint32_t newlinesSinceMark = 0;
  while (true) {
    // The last mark at or before the line's first byte says where it is from.
    while (markIndex + 1 < marks.size() && marks[markIndex + 1].offset <= lineStart)
      ++markIndex;
    LineOriginInfo info;
    if (!marks.empty() && marks[markIndex].offset <= lineStart) {
      const OriginMark &m = marks[markIndex];
      // Consecutive lines of one chunk are one newline apart; only a new
      // mark needs counting from its start.
      if (markIndex == previousMark)
        ++newlinesSinceMark;
      else
        newlinesSinceMark = static_cast<uint32_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(m.offset),
                                                             text.begin() + static_cast<std::ptrdiff_t>(lineStart), '\n'));
      previousMark = markIndex;
      // Template text advances line by line; a printed value (which may hold
      // newlines) keeps pointing at the line that printed it.
      uint32_t ppLine = m.ppLine + (m.advances ? newlinesSinceMark : 0);
      if (m.tmpl)
        info.loc = m.tmpl->at(ppLine, 1);
      info.context = describeFrames(result.frames, m.frame);
    }
    lines_.push_back(std::move(info));
    size_t nl = text.find('\n', lineStart);
    if (nl == std::string::npos)
      break;
    lineStart = nl + 1;
  }
}

/// Line 0 and lines past the end map to an invalid location.
const LineOriginInfo &LineMap::origin(uint32_t line) const {
  if (line == 0 || line > lines_.size())
    return unknown_;
  return lines_[line - 1];
}

} // namespace fgcc::render
