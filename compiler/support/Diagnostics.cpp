//===- Diagnostics.cpp - Compiler-style diagnostics -----------------------===//
#include "support/Diagnostics.h"

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

void DiagnosticPrinter::print(const Diagnostic &d) {
  printOne(d);
  for (const Diagnostic &n : d.notes)
    printOne(n);
}

} // namespace fgcc
