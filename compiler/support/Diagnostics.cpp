//===- Diagnostics.cpp - Compiler-style diagnostics -----------------------===//
#include "support/Diagnostics.h"

#include <algorithm>
#include <ostream>

namespace fgcc {

static const char *severityName(Severity s) {
  switch (s) {
  case Severity::Error:
    return "error";
  case Severity::Warning:
    return "warning";
  case Severity::Note:
    return "note";
  }
  return "error";
}

/// Replaces control characters with spaces so a quoted line cannot corrupt
/// the terminal, and tabs with single spaces so that the caret lines up.
static std::string printableLine(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (char c : line)
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  return out;
}

void DiagnosticPrinter::printOne(const Diagnostic &d) {
  if (d.loc.valid()) {
    os_ << d.loc.file->path() << ':' << d.loc.line << ':' << (d.loc.col ? d.loc.col : 1) << ": ";
  } else {
    os_ << "fgcc: ";
  }
  os_ << severityName(d.severity) << ": " << d.message << '\n';
  if (!d.loc.valid())
    return;
  std::string_view line = d.loc.file->lineText(d.loc.line);
  if (line.empty() && d.loc.col <= 1)
    return;
  os_ << printableLine(line) << '\n';
  uint32_t col = d.loc.col ? d.loc.col : 1;
  // The caret column counts bytes, but continuation bytes of UTF-8 sequences
  // take no screen column.
  std::string pad;
  for (uint32_t i = 0; i + 1 < col && i < line.size(); ++i)
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80)
      pad += ' ';
  os_ << pad << "^\n";
}

/// Edit distance counting a swap of two adjacent characters as one edit
/// (optimal string alignment), with a cut-off to keep long names cheap.
static size_t editDistance(const std::string &a, const std::string &b, size_t limit) {
  if ((a.size() > b.size() ? a.size() - b.size() : b.size() - a.size()) > limit)
    return limit + 1;
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i)
    d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j)
    d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t best = limit + 1;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      best = std::min(best, d[i][j]);
    }
    if (best > limit)
      return limit + 1;
  }
  return d[a.size()][b.size()];
}

std::string closestName(const std::string &name, const std::vector<std::string> &candidates) {
  // Allow about one typo per three characters, and at least one.
  size_t limit = std::max<size_t>(1, name.size() / 3);
  std::string best;
  size_t bestDistance = limit + 1;
  for (const std::string &c : candidates) {
    if (c == name)
      continue;
    size_t d = editDistance(name, c, limit);
    if (d < bestDistance || (d == bestDistance && !best.empty() && c < best)) {
      bestDistance = d;
      best = c;
    }
  }
  return bestDistance <= limit ? best : std::string();
}

void DiagnosticPrinter::print(const Diagnostic &d) {
  printOne(d);
  // Deep recursion produces one note per level; show both ends of the stack.
  const size_t head = 10, tail = 5;
  size_t n = d.notes.size();
  for (size_t i = 0; i < n; ++i) {
    if (n > head + tail + 1 && i == head)
      os_ << "fgcc: note: (" << (n - head - tail) << " similar notes omitted)\n";
    if (n > head + tail + 1 && i >= head && i < n - tail)
      continue;
    printOne(d.notes[i]);
  }
}

} // namespace fgcc
