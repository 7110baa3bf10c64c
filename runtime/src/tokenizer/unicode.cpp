//===- unicode.cpp - UTF-8 and Unicode helpers of the tokenizer -*- C++ -*-===//
//
// See unicode.hpp. The UTF-8 decoder follows the well-formedness table of
// the Unicode standard (Table 3-7): the second byte's allowed range depends
// on the lead byte (E0: A0..BF, ED: 80..9F, F0: 90..BF, F4: 80..8F), which
// excludes overlong forms, surrogates and code points above U+10FFFF.
//
//===----------------------------------------------------------------------===//
#include "unicode.hpp"

#include "fgrt/tokenizer/definition.hpp"

#include <cstdlib>
#include <memory>

#include <utf8proc.h>

namespace fgrt::tokenizer::detail {
namespace {

constexpr char32_t kReplacementCharacter = 0xFFFD;

/// Continuation-byte count and allowed range of the second byte for a lead
/// byte; continuation_bytes == 0 marks a byte that cannot start a sequence.
struct LeadByteRule {
  /// Bytes after the lead byte.
  std::size_t continuation_bytes = 0;
  /// Allowed range of the byte right after the lead byte.
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  /// The code point bits the lead byte carries.
  char32_t payload = 0;
};

/// The rule for `lead`; C0, C1 and F5..FF can never start a character.
LeadByteRule lead_byte_rule(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF)
    return {1, 0x80, 0xBF, char32_t(lead & 0x1F)};
  LeadByteRule rule;
  if (lead >= 0xE0 && lead <= 0xEF) {
    rule = {2, 0x80, 0xBF, char32_t(lead & 0x0F)};
    if (lead == 0xE0)
      rule.second_min = 0xA0; // shorter forms would be overlong
    if (lead == 0xED)
      rule.second_max = 0x9F; // 0xA0.. would encode UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    rule = {3, 0x80, 0xBF, char32_t(lead & 0x07)};
    if (lead == 0xF0)
      rule.second_min = 0x90; // overlong
    if (lead == 0xF4)
      rule.second_max = 0x8F; // above U+10FFFF
  }
  return rule;
}

/// ASCII text is unchanged by NFC, so most text skips utf8proc entirely.
bool is_ascii(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80)
      return false;
  return true;
}

} // namespace

Utf8Char decode_utf8_char(std::string_view text, std::size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80)
    return {lead, 1, true};
  const LeadByteRule rule = lead_byte_rule(lead);
  if (rule.continuation_bytes == 0)
    return {kReplacementCharacter, 1, false};
  char32_t code_point = rule.payload;
  unsigned char min = rule.second_min, max = rule.second_max;
  std::size_t length = 1;
  for (std::size_t k = 0; k < rule.continuation_bytes; ++k) {
    // A missing or out-of-range byte ends the maximal subpart before it.
    if (pos + length >= text.size())
      return {kReplacementCharacter, length, false};
    const auto byte = static_cast<unsigned char>(text[pos + length]);
    if (byte < min || byte > max)
      return {kReplacementCharacter, length, false};
    code_point = (code_point << 6) | (byte & 0x3F);
    ++length;
    min = 0x80;
    max = 0xBF;
  }
  return {code_point, length, true};
}

std::size_t find_invalid_utf8(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos; // ASCII dominates real text; skip the general decoder for it
      continue;
    }
    const Utf8Char c = decode_utf8_char(text, pos);
    if (!c.valid)
      return pos;
    pos += c.length;
  }
  return std::string_view::npos;
}

std::string utf8_lossy(std::string_view bytes) {
  // Decoded text is nearly always valid; check first and copy it whole.
  if (find_invalid_utf8(bytes) == std::string_view::npos)
    return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() + 8);
  for (std::size_t pos = 0; pos < bytes.size();) {
    const Utf8Char c = decode_utf8_char(bytes, pos);
    if (c.valid)
      out.append(bytes.substr(pos, c.length));
    else
      append_utf8(out, kReplacementCharacter);
    pos += c.length;
  }
  return out;
}

void append_utf8(std::string &out, char32_t cp) {
  // 1 to 4 bytes: 7, 11, 16 or 21 payload bits.
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string nfc_normalize(std::string_view text) {
  if (is_ascii(text))
    return std::string(text);
  utf8proc_uint8_t *mapped = nullptr;
  // An explicit length (no UTF8PROC_NULLTERM) keeps embedded NUL bytes.
  const utf8proc_ssize_t length =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t *>(text.data()), static_cast<utf8proc_ssize_t>(text.size()),
                   &mapped, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
  if (length < 0)
    throw TokenizerError(std::string("NFC normalization failed: ") + utf8proc_errmsg(length));
  return std::string(reinterpret_cast<const char *>(mapped), static_cast<std::size_t>(length));
}

bool is_unicode_whitespace(char32_t cp) {
  // The White_Space property (PropList.txt): tab..CR, space, NEL, NBSP,
  // Ogham space, the U+2000 block spaces, line/paragraph separators, narrow
  // NBSP, medium mathematical space and the ideographic space.
  if (cp <= 0x20)
    return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
  switch (cp) {
  case 0x85:
  case 0xA0:
  case 0x1680:
  case 0x2028:
  case 0x2029:
  case 0x202F:
  case 0x205F:
  case 0x3000:
    return true;
  default:
    return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool is_word_character(char32_t cp) {
  // The categories of Unicode's \w (UTS #18 annex C), which the reference's
  // regex crate uses for single_word.
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
  case UTF8PROC_CATEGORY_LU:
  case UTF8PROC_CATEGORY_LL:
  case UTF8PROC_CATEGORY_LT:
  case UTF8PROC_CATEGORY_LM:
  case UTF8PROC_CATEGORY_LO:
  case UTF8PROC_CATEGORY_MN:
  case UTF8PROC_CATEGORY_MC:
  case UTF8PROC_CATEGORY_ME:
  case UTF8PROC_CATEGORY_ND:
  case UTF8PROC_CATEGORY_NL:
  case UTF8PROC_CATEGORY_PC:
    return true;
  default:
    return false;
  }
}

std::size_t previous_char_start(std::string_view text, std::size_t end) {
  std::size_t start = end - 1;
  // Step back over continuation bytes (10xxxxxx) to the lead byte.
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
    --start;
  return start;
}

} // namespace fgrt::tokenizer::detail
