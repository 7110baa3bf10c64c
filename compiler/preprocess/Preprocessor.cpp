//===- Preprocessor.cpp - Phase "preprocess": line syntax to Jinja --------===//
//
// Two passes, as in the reference: pass 1 rewrites comments and line
// statements line by line; pass 2 turns `[name]` headers into nested Jinja
// blocks, closing each one on the last line emitted before the next header of
// equal or lower indentation.
//
//===----------------------------------------------------------------------===//
#include "preprocess/Preprocessor.h"

#include "support/PyText.h"

namespace fgcc {

namespace {

struct Line {
  std::string text;
  LineOrigin origin;
};

/// Length in bytes of the Python `\s` character starting at `i`, or 0.
size_t spaceAt(std::string_view s, size_t i) {
  if (i >= s.size())
    return 0;
  size_t next = i;
  return py::isSpace(py::decodeUtf8(s, next)) ? next - i : 0;
}

size_t skipSpaces(std::string_view s, size_t i) {
  while (size_t n = spaceAt(s, i))
    i += n;
  return i;
}

/// Splits on \r\n, \r and \n; a final newline leaves a final empty line.
std::vector<std::string_view> splitLines(std::string_view s) {
  std::vector<std::string_view> lines;
  size_t begin = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\n' && s[i] != '\r')
      continue;
    lines.push_back(s.substr(begin, i - begin));
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n')
      ++i;
    begin = i + 1;
  }
  lines.push_back(s.substr(begin));
  return lines;
}

/// `\s*##(.*)` as a full match: returns the offset just past `##`, or npos.
size_t fullLineComment(std::string_view line) {
  size_t i = skipSpaces(line, 0);
  if (line.compare(i, 2, "##") == 0)
    return i + 2;
  return std::string_view::npos;
}

/// `(.*)\s+#{2,}.*` as a full match: the greedy group ends at the last
/// whitespace character that is directly followed by `##`. Returns the length
/// of group 1, or npos.
size_t trailingComment(std::string_view line) {
  size_t found = std::string_view::npos;
  for (size_t i = 0; i < line.size();) {
    size_t n = spaceAt(line, i);
    if (n && line.compare(i + n, 2, "##") == 0)
      found = i;
    i += n ? n : 1;
  }
  return found;
}

/// Rewrites `-- x`, `<< x`, `>> x`, `== x`, `=> x` (exactly one whitespace
/// character after the prefix). Returns false for any other line.
bool lineStatement(std::string_view line, Line &out) {
  size_t i = skipSpaces(line, 0);
  if (i + 2 > line.size())
    return false;
  std::string_view prefix = line.substr(i, 2);
  size_t ws = spaceAt(line, i + 2);
  if (!ws)
    return false;
  std::string body(line.substr(i + 2 + ws));
  std::string open, close;
  if (prefix == "--") {
    open = "{% ", close = " %}";
  } else if (prefix == "<<") {
    open = "{%- ", close = " %}";
  } else if (prefix == ">>") {
    open = "{% ", close = " -%}";
  } else if (prefix == "==") {
    open = "{{ ", close = " }}";
  } else if (prefix == "=>") {
    open = "{{ ", close = "|trim('\\n')}}";
  } else {
    return false;
  }
  out.origin.colShift = static_cast<int32_t>(i + 2 + ws) - static_cast<int32_t>(open.size());
  out.text = open + body + close;
  return true;
}

/// Pass 1: comments and line statements.
std::vector<Line> rewriteLines(std::string_view source, CommentMode mode) {
  std::vector<Line> out;
  uint32_t number = 0;
  for (std::string_view raw : splitLines(source)) {
    Line line{std::string(raw), {++number, 0}};
    if (size_t body = fullLineComment(raw); body != std::string_view::npos) {
      if (mode == CommentMode::Delete)
        continue;
      line.text = "{# " + std::string(raw.substr(body)) + " #}";
      line.origin.colShift = static_cast<int32_t>(body) - 3;
      out.push_back(std::move(line));
      continue;
    }
    if (size_t keep = trailingComment(raw); keep != std::string_view::npos)
      line.text.resize(keep);
    Line statement{{}, line.origin};
    if (lineStatement(line.text, statement))
      line = std::move(statement);
    out.push_back(std::move(line));
  }
  return out;
}

/// A `[name]` / `[name!]` header: `^(\s*)\[(\w+)([!])*\]\s*$`.
struct BlockHeader {
  size_t indent = 0; ///< length of the leading whitespace group, in characters
  std::string name;
  bool trim = false;
  size_t nameColumn = 0;
};

bool blockHeader(std::string_view line, BlockHeader &h) {
  size_t i = 0;
  h.indent = 0;
  while (size_t n = spaceAt(line, i)) {
    i += n;
    ++h.indent;
  }
  if (i >= line.size() || line[i] != '[')
    return false;
  size_t nameBegin = ++i;
  while (i < line.size()) {
    size_t next = i;
    if (!py::isWordChar(py::decodeUtf8(line, next)))
      break;
    i = next;
  }
  if (i == nameBegin)
    return false;
  h.name.assign(line.substr(nameBegin, i - nameBegin));
  h.nameColumn = nameBegin;
  h.trim = false;
  while (i < line.size() && line[i] == '!') {
    h.trim = true;
    ++i;
  }
  if (i >= line.size() || line[i] != ']')
    return false;
  return skipSpaces(line, i + 1) == line.size();
}

struct OpenBlock {
  std::string name;
  size_t indent;
  bool trim;
};

/// Closing a block appends to the last emitted line instead of adding one, so
/// line numbers are preserved.
void closeBlock(std::vector<Line> &out, const OpenBlock &b) {
  if (out.empty())
    out.push_back({"", {1, 0}});
  std::string &last = out.back().text;
  if (!last.empty())
    last += "{{'\\n'}}";
  last += "{% endblock " + b.name + " +%}";
  if (b.trim)
    last += "{% endfilter %}";
}

/// Pass 2: TOML-style block headers.
std::vector<Line> expandBlocks(std::vector<Line> lines) {
  std::vector<Line> out;
  std::vector<OpenBlock> open;
  for (Line &line : lines) {
    BlockHeader h;
    if (!blockHeader(line.text, h)) {
      out.push_back(std::move(line));
      continue;
    }
    while (!open.empty() && open.back().indent >= h.indent) {
      closeBlock(out, open.back());
      open.pop_back();
    }
    std::string text = h.trim ? "{% filter trim %}" : "";
    text += "{% block ";
    int32_t shift = static_cast<int32_t>(h.nameColumn) - static_cast<int32_t>(text.size());
    text += h.name + " %}";
    out.push_back({std::move(text), {line.origin.line, shift}});
    open.push_back({h.name, h.indent, h.trim});
  }
  while (!open.empty()) {
    closeBlock(out, open.back());
    open.pop_back();
  }
  return out;
}

} // namespace

PreprocessedText preprocess(std::string_view source, CommentMode mode) {
  std::vector<Line> lines = expandBlocks(rewriteLines(source, mode));
  PreprocessedText result;
  result.origins.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i)
      result.text += '\n';
    result.text += lines[i].text;
    result.origins.push_back(lines[i].origin);
  }
  return result;
}

} // namespace fgcc
