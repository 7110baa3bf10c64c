//===- TemplateLoader.cpp - Phase "load": finding and splitting templates -===//
#include "load/TemplateLoader.h"

#include "support/PyText.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace fgcc {

namespace {

/// realpath(3) as a string; empty when the path does not exist.
std::string canonicalPath(const std::string &path) {
  char buf[PATH_MAX];
  if (!::realpath(path.c_str(), buf))
    return {};
  return buf;
}

/// Whether canonical `path` lies strictly inside canonical `dir`; the `/`
/// check keeps `/a/bc` from passing as inside `/a/b`.
bool isBelow(const std::string &path, const std::string &dir) {
  if (dir == "/")
    return true;
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         path[dir.size()] == '/';
}

/// 1-based line and column of a byte offset, for errors about file content.
SourceLoc locAt(const SourceFile *file, std::string_view text, size_t offset) {
  uint32_t line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {file, line, col};
}

// The separator regex is \n#\s*-{3,}\s*([\w./]+)\s*-{3,}\n. Its character
// classes are disjoint, so greedy matching without backtracking finds exactly
// what Python's re finds.
size_t skipSpaces(std::string_view t, size_t i) {
  while (i < t.size()) {
    size_t next = i;
    if (!py::isSpace(py::decodeUtf8(t, next)))
      break;
    i = next;
  }
  return i;
}

/// `-*` from `i`; returns the offset after the run.
size_t skipDashes(std::string_view t, size_t i) {
  while (i < t.size() && t[i] == '-')
    ++i;
  return i;
}

/// Tries to match a separator whose leading '\n' is at `pos`. On success sets
/// the name and the offset just past the trailing '\n'.
bool matchSeparator(std::string_view t, size_t pos, std::string &name, size_t &end) {
  if (pos + 1 >= t.size() || t[pos] != '\n' || t[pos + 1] != '#')
    return false;
  size_t i = skipSpaces(t, pos + 2);
  size_t d = skipDashes(t, i);
  if (d - i < 3)
    return false;
  i = skipSpaces(t, d);
  // Group 1, `[\w./]+`: `\w` is Unicode-aware in Python, so decode UTF-8.
  size_t nameBegin = i;
  while (i < t.size()) {
    size_t next = i;
    char32_t c = py::decodeUtf8(t, next);
    if (!(py::isWordChar(c) || c == '.' || c == '/'))
      break;
    i = next;
  }
  if (i == nameBegin)
    return false;
  size_t nameEnd = i;
  i = skipSpaces(t, i);
  d = skipDashes(t, i);
  if (d - i < 3 || d >= t.size() || t[d] != '\n')
    return false;
  name.assign(t.substr(nameBegin, nameEnd - nameBegin));
  end = d + 1;
  return true;
}

} // namespace

/// Canonical forms are computed once; a missing directory gets an empty
/// one and can never contain a match.
TemplateLoader::TemplateLoader(SourceManager &sources, std::vector<std::string> searchPath,
                               LoadLimits limits)
    : sources_(sources), searchPath_(std::move(searchPath)), limits_(limits) {
  for (const std::string &dir : searchPath_)
    canonicalDirs_.push_back(canonicalPath(dir));
}

/// Python's re.split with the separator regex of spec section 2.2: each
/// separator eats the newline before and after it, so a separator can be
/// neither the first line nor an unterminated last line.
std::vector<TemplatePart> TemplateLoader::split(std::string_view text) {
  std::vector<TemplatePart> parts;
  std::string pendingName; // name of the part being collected; empty = file's own
  size_t partBegin = 0;
  size_t pos = text.find('\n');
  while (pos != std::string_view::npos) {
    std::string name;
    size_t end = 0;
    if (matchSeparator(text, pos, name, end)) {
      parts.push_back({pendingName, partBegin, std::string(text.substr(partBegin, pos - partBegin))});
      pendingName = std::move(name);
      partBegin = end;
      // The separator consumed its trailing newline, so the next separator
      // needs a newline of its own (re.split never overlaps matches).
      pos = text.find('\n', end);
    } else {
      pos = text.find('\n', pos + 1);
    }
  }
  parts.push_back({pendingName, partBegin, std::string(text.substr(partBegin))});
  return parts;
}

/// Jinja's split_template_path (spec section 2.1): empty and `.` segments
/// are dropped. Where Jinja answers "not found" for `..`, fgcc gives a
/// clear error instead, and also refuses absolute names and NUL bytes.
std::vector<std::string> TemplateLoader::nameSegments(std::string_view name, SourceLoc at) {
  if (!name.empty() && name.front() == '/')
    throw FatalError(at, "template name '" + std::string(name) +
                             "' is absolute; template names are relative to the search path");
  std::vector<std::string> segments;
  size_t begin = 0;
  while (begin <= name.size()) {
    size_t end = name.find('/', begin);
    if (end == std::string_view::npos)
      end = name.size();
    std::string_view seg = name.substr(begin, end - begin);
    if (seg == "..")
      throw FatalError(at, "template name '" + std::string(name) +
                               "' contains '..'; templates cannot be loaded from outside the "
                               "search path");
    if (seg.find('\0') != std::string_view::npos)
      throw FatalError(at, "template name contains a NUL byte");
    if (!seg.empty() && seg != ".")
      segments.emplace_back(seg);
    begin = end + 1;
  }
  return segments;
}

/// Reads a whole template file; the size check comes first so a huge (or
/// device) file is refused before any of it is read.
std::string TemplateLoader::readChecked(const std::string &path, SourceLoc at) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw FatalError(at, "cannot read '" + displayPath(path) + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    throw FatalError(at, "cannot read '" + displayPath(path) + "': not a regular file");
  if (static_cast<size_t>(st.st_size) > limits_.maxFileBytes)
    throw FatalError(at, "template file '" + displayPath(path) + "' is larger than " +
                             std::to_string(limits_.maxFileBytes >> 20) + " MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw FatalError(at, "cannot read '" + displayPath(path) + "': " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::shared_ptr<const TemplateSource>
/// Reads and splits a file: returns the file's own template (named `name`)
/// and registers every sub-template under its bare name, replacing any
/// earlier registration of that name (spec section 2.2).
TemplateLoader::registerFile(const std::string &path, std::string name, SourceLoc at) {
  std::string text = readChecked(path, at);
  const SourceFile *file = sources_.add(displayPath(path), text);
  // Templates are UTF-8 text; report bad bytes where they are.
  if (auto bad = py::findInvalidUtf8(text))
    throw FatalError(locAt(file, text, *bad), "invalid UTF-8 in template file");
  if (size_t nul = text.find('\0'); nul != std::string::npos)
    throw FatalError(locAt(file, text, nul), "NUL byte in template file");

  std::shared_ptr<const TemplateSource> own;
  for (TemplatePart &part : split(text)) {
    auto src = std::make_shared<TemplateSource>();
    src->file = file;
    // Remember where the part starts so diagnostics give true file lines,
    // not the reference's sub-template-relative ones (spec section 12).
    src->firstLine = locAt(file, text, part.offset).line;
    src->text = std::move(part.text);
    if (part.name.empty()) {
      src->name = name;
      own = src;
    } else {
      src->name = part.name;
      registry_[part.name] = src;
    }
  }
  return own;
}

/// The registry shadows files of the same name, as the reference's
/// loader consults its sub-templates first (spec section 2.1).
std::shared_ptr<const TemplateSource> TemplateLoader::find(std::string_view name, SourceLoc at) {
  if (auto it = registry_.find(name); it != registry_.end())
    return it->second;
  std::vector<std::string> segments = nameSegments(name, at);
  if (segments.empty())
    return nullptr;
  std::string relative;
  for (const std::string &seg : segments)
    relative += (relative.empty() ? "" : "/") + seg;
  for (size_t i = 0; i < searchPath_.size(); ++i) {
    std::string candidate = searchPath_[i] + "/" + relative;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    // A symlink inside the search path must not lead out of it.
    std::string real = canonicalPath(candidate);
    if (canonicalDirs_[i].empty() || !isBelow(real, canonicalDirs_[i]))
      throw FatalError(at, "template '" + std::string(name) + "' resolves to '" + real +
                               "', outside the search directory '" + searchPath_[i] + "'");
    return registerFile(candidate, std::string(name), at);
  }
  return nullptr;
}

std::shared_ptr<const TemplateSource>
TemplateLoader::loadFile(const std::string &path, std::string name, SourceLoc at) {
  return registerFile(path, std::move(name), at);
}

/// The pseudo file `<name>` lets diagnostics point into added text.
void TemplateLoader::addTemplate(std::string name, std::string text) {
  auto src = std::make_shared<TemplateSource>();
  src->file = sources_.add("<" + name + ">", text);
  src->name = name;
  src->text = std::move(text);
  registry_[std::move(name)] = std::move(src);
}

} // namespace fgcc
