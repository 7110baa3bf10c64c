//===- LineMap.cpp - Rendered line -> template file:line ------------------===//
#include "render/LineMap.h"

#include <algorithm>
#include <cstdint>

namespace fgcc::render {

namespace {

std::string describeFrames(const std::vector<RenderFrameInfo> &frames, int32_t index) {
  std::string out;
  for (int depth = 0; index >= 0 && depth < 16; ++depth) {
    const RenderFrameInfo &f = frames[static_cast<size_t>(index)];
    out += (out.empty() ? "" : " <- ") + f.description;
    index = f.parent;
  }
  return out;
}

} // namespace

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

const LineOriginInfo &LineMap::origin(uint32_t line) const {
  if (line == 0 || line > lines_.size())
    return unknown_;
  return lines_[line - 1];
}

} // namespace fgcc::render
