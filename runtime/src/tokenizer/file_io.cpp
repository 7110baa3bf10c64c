//===- file_io.cpp - Whole-file reads and writes with useful errors -*- C++ -*-===//
//
// See file_io.hpp. errno is captured right after the failing stream call,
// before anything else can overwrite it.
//
//===----------------------------------------------------------------------===//
#include "file_io.hpp"

#include "fgrt/tokenizer/definition.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace fgrt::tokenizer::detail {

std::string read_text_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw TokenizerError(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad())
    throw TokenizerError(path + ": read failed: " + std::strerror(errno));
  return contents.str();
}

void write_text_file(const std::string &path, std::string_view contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throw TokenizerError(path + ": cannot open for writing: " + std::strerror(errno));
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  out.flush();
  if (!out)
    throw TokenizerError(path + ": write failed: " + std::strerror(errno));
}

} // namespace fgrt::tokenizer::detail
