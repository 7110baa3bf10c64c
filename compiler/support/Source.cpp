//===- Source.cpp - Source files and locations ----------------------------===//
#include "support/Source.h"

#include <unistd.h>

namespace fgcc {

SourceFile::SourceFile(std::string path, std::string text)
    : path_(std::move(path)), text_(std::move(text)) {
  // Line terminators are \n, \r\n and lone \r, matching the preprocessor's
  // line splitting so that line numbers agree everywhere.
  lineStarts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i) {
    char c = text_[i];
    if (c == '\r' && i + 1 < text_.size() && text_[i + 1] == '\n')
      ++i;
    if ((c == '\n' || c == '\r') && i + 1 < text_.size())
      lineStarts_.push_back(i + 1);
  }
}

std::string_view SourceFile::lineText(uint32_t line) const {
  if (line == 0 || line > lineStarts_.size())
    return {};
  size_t begin = lineStarts_[line - 1];
  size_t end = begin;
  while (end < text_.size() && text_[end] != '\n' && text_[end] != '\r')
    ++end;
  return std::string_view(text_).substr(begin, end - begin);
}

const SourceFile *SourceManager::add(std::string path, std::string text) {
  files_.push_back(std::make_unique<SourceFile>(std::move(path), std::move(text)));
  return files_.back().get();
}

std::string executableDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    return ".";
  std::string path(buf, static_cast<size_t>(n));
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

std::string displayPath(const std::string &absolutePath) {
  char buf[4096];
  if (!getcwd(buf, sizeof buf))
    return absolutePath;
  std::string cwd(buf);
  if (cwd != "/")
    cwd += '/';
  if (absolutePath.compare(0, cwd.size(), cwd) == 0 && absolutePath.size() > cwd.size())
    return absolutePath.substr(cwd.size());
  return absolutePath;
}

} // namespace fgcc
