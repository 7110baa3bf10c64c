//===- Diagnostics.h - Compiler-style diagnostics -------------------------===//
//
// Every user-facing failure in fgcc is a Diagnostic: a severity, a location,
// the message (keeping the reference implementation's wording at its core so
// that searches for it still work) and notes such as the include/extends stack.
// Phases that cannot continue throw a FatalError carrying one; phases that can
// collect several (the checker) report into a DiagnosticEngine.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "support/Source.h"

#include <exception>
#include <iosfwd>
#include <string>
#include <vector>

namespace fgcc {

enum class Severity { Error, Warning, Note };

struct Diagnostic {
  Severity severity = Severity::Error;
  SourceLoc loc;
  std::string message;
  /// Notes printed after the main message, innermost first.
  std::vector<Diagnostic> notes;

  Diagnostic &note(SourceLoc at, std::string text) {
    notes.push_back({Severity::Note, at, std::move(text), {}});
    return *this;
  }
};

/// Thrown by a phase that cannot go on. The driver prints it and exits 1.
class FatalError : public std::exception {
public:
  explicit FatalError(Diagnostic d) : diag_(std::move(d)) {}
  FatalError(SourceLoc loc, std::string message)
      : diag_{Severity::Error, loc, std::move(message), {}} {}

  const char *what() const noexcept override { return diag_.message.c_str(); }
  Diagnostic &diag() { return diag_; }
  const Diagnostic &diag() const { return diag_; }

private:
  Diagnostic diag_;
};

/// Prints diagnostics as `file:line:col: error: message`, the source line
/// and a caret, then the notes.
class DiagnosticPrinter {
public:
  explicit DiagnosticPrinter(std::ostream &os) : os_(os) {}
  void print(const Diagnostic &d);

private:
  void printOne(const Diagnostic &d);
  std::ostream &os_;
};

/// The candidate closest to `name` by edit distance, if it is close enough
/// to be a likely typo; empty otherwise.
std::string closestName(const std::string &name, const std::vector<std::string> &candidates);

/// Collects diagnostics of a phase that reports all of its errors at once.
class DiagnosticEngine {
public:
  void report(Diagnostic d) {
    if (d.severity == Severity::Error)
      ++errors_;
    diags_.push_back(std::move(d));
  }
  unsigned errorCount() const { return errors_; }
  const std::vector<Diagnostic> &diagnostics() const { return diags_; }

private:
  std::vector<Diagnostic> diags_;
  unsigned errors_ = 0;
};

} // namespace fgcc
