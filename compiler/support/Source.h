//===- Source.h - Source files and locations ------------------------------===//
//
// Every template file fgcc reads is kept here for the whole run, so that a
// diagnostic raised in any later phase can quote the offending source line.
// Locations are 1-based (line, column) pairs into one of these files; columns
// count bytes, which is what editors and compilers print for UTF-8 text.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fgcc {

/// One file's text, with an index of line starts for quoting lines.
class SourceFile {
public:
  SourceFile(std::string path, std::string text);

  /// The path as fgcc prints it (relative to the working directory when the
  /// file lies below it, absolute otherwise).
  const std::string &path() const { return path_; }
  const std::string &text() const { return text_; }

  /// Number of lines, counting a final line without a newline.
  uint32_t lineCount() const { return static_cast<uint32_t>(lineStarts_.size()); }
  /// Text of a 1-based line without its terminator; empty when out of range.
  std::string_view lineText(uint32_t line) const;

private:
  std::string path_;
  std::string text_;
  std::vector<size_t> lineStarts_;
};

/// A position in a source file. A null file means "no location".
struct SourceLoc {
  const SourceFile *file = nullptr;
  uint32_t line = 0;
  uint32_t col = 0;

  bool valid() const { return file != nullptr && line > 0; }
};

/// Owns every SourceFile of a run. Files never move once added, so a
/// SourceLoc stays valid as long as the manager lives.
class SourceManager {
public:
  const SourceFile *add(std::string path, std::string text);

private:
  std::deque<std::unique_ptr<SourceFile>> files_;
};

/// The directory of the running executable (fgcc finds its template library
/// and manifests relative to it).
std::string executableDir();

/// The path fgcc prints for a file: relative to the current directory when
/// the file is below it, as given otherwise.
std::string displayPath(const std::string &absolutePath);

} // namespace fgcc
