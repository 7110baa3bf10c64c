//===- text_format.hpp - printf into std::string, padding ------*- C++ -*-===//
//
// The console line and the progress bar build fixed-width text from numbers
// formatted with printf conversions (their layouts are specified as printf
// formats); these helpers return std::string of the exact length. Private to
// src/train/logging.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdio>
#include <string>

namespace fgrt::train::detail {

/// snprintf() into a string of the exact length (a diverged loss of 1e300
/// printed with "%.5f" is over 300 characters, so no fixed buffer).
template <typename... Args> std::string printf_string(const char *format, Args... args) {
  int length = std::snprintf(nullptr, 0, format, args...);
  if (length <= 0)
    return "";
  std::string text(size_t(length), '\0');
  std::snprintf(text.data(), text.size() + 1, format, args...);
  return text;
}

/// `text` followed by spaces up to `width` columns (unchanged if wider).
inline std::string pad_right(std::string text, size_t width) {
  if (text.size() < width)
    text.append(width - text.size(), ' ');
  return text;
}

/// Spaces, then `text`, up to `width` columns (unchanged if wider).
inline std::string pad_left(const std::string &text, size_t width) {
  return text.size() < width ? std::string(width - text.size(), ' ') + text : text;
}

} // namespace fgrt::train::detail
