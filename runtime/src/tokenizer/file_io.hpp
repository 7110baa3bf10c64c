//===- file_io.hpp - Whole-file reads and writes with useful errors -*- C++ -*-===//
//
// tokenizer.json and its companion files are read and written whole; errors
// name the path and the OS reason so a user can fix a typo or a permission
// without a debugger.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <string_view>

namespace fgrt::tokenizer::detail {

/// The contents of `path`; TokenizerError "<path>: cannot open: <reason>".
std::string read_text_file(const std::string &path);

/// Replaces `path` with `contents`; TokenizerError naming the path on failure.
void write_text_file(const std::string &path, std::string_view contents);

} // namespace fgrt::tokenizer::detail
