//===- unicode.hpp - UTF-8 and Unicode helpers of the tokenizer -*- C++ -*-===//
//
// The small amount of Unicode the tokenizer needs beyond PCRE2:
//
//   * decoding one UTF-8 character with the "maximal subpart" rule (an
//     invalid sequence is replaced by one U+FFFD per maximal prefix of a
//     valid sequence), which is what Rust's String::from_utf8_lossy does and
//     therefore what the reference's ByteLevel decoder produces;
//   * NFC normalization (utf8proc), with an ASCII fast path because ASCII
//     text is always in NFC;
//   * the White_Space property and "word character" test that added tokens'
//     lstrip/rstrip/single_word use (Rust's \s and \w).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fgrt::tokenizer::detail {

/// One decoded UTF-8 character.
struct Utf8Char {
  /// The code point, or U+FFFD when `valid` is false.
  char32_t code_point;
  /// Bytes consumed: the character's length, or for an invalid sequence the
  /// length of its maximal valid prefix (at least 1).
  std::size_t length;
  /// Whether the bytes form a well-formed character.
  bool valid;
};

/// Decodes the character starting at byte `pos` (< text.size()).
Utf8Char decode_utf8_char(std::string_view text, std::size_t pos);

/// Byte offset of the first ill-formed sequence, or std::string_view::npos.
std::size_t find_invalid_utf8(std::string_view text);

/// `bytes` with every ill-formed sequence replaced by U+FFFD.
std::string utf8_lossy(std::string_view bytes);

/// Appends the UTF-8 encoding of `code_point`.
void append_utf8(std::string &out, char32_t code_point);

/// NFC form of valid UTF-8 `text`.
std::string nfc_normalize(std::string_view text);

/// The Unicode White_Space property.
bool is_unicode_whitespace(char32_t code_point);

/// Letters, marks, decimal/letter numbers and connector punctuation (\w).
bool is_word_character(char32_t code_point);

/// Start offset of the character that ends at byte `end` (> 0) of valid
/// UTF-8 `text`.
std::size_t previous_char_start(std::string_view text, std::size_t end);

} // namespace fgrt::tokenizer::detail
