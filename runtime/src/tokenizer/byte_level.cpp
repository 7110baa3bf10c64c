//===- byte_level.cpp - GPT-2's reversible byte <-> character mapping -*- C++ -*-===//
//
// See byte_level.hpp. Both directions are table lookups built once: bytes to
// UTF-8 strings, and code points below 0x144 (the largest mapped character
// is U+0143) back to bytes.
//
//===----------------------------------------------------------------------===//
#include "byte_level.hpp"

#include "unicode.hpp"

#include <array>
#include <cstdint>

namespace fgrt::tokenizer::detail {
namespace {

constexpr char32_t kFirstShiftedCodePoint = 0x100;
constexpr std::size_t kMappedCodePointLimit = 0x144;

/// Bytes that keep their own code point: the printable Latin-1 range minus
/// space and the soft hyphen (0xAD, invisible in most fonts).
bool is_self_mapped(unsigned byte) {
  return (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) || (byte >= 0xAE && byte <= 0xFF);
}

struct ByteLevelTables {
  std::array<std::string, 256> byte_to_text;
  std::array<int16_t, kMappedCodePointLimit> code_point_to_byte{};

  ByteLevelTables() {
    code_point_to_byte.fill(-1);
    char32_t next_shifted = kFirstShiftedCodePoint;
    for (unsigned byte = 0; byte < 256; ++byte) {
      const char32_t cp = is_self_mapped(byte) ? char32_t(byte) : next_shifted++;
      append_utf8(byte_to_text[byte], cp);
      code_point_to_byte[cp] = static_cast<int16_t>(byte);
    }
  }
};

const ByteLevelTables &tables() {
  static const ByteLevelTables instance;
  return instance;
}

} // namespace

std::string to_byte_level(std::string_view bytes) {
  const ByteLevelTables &t = tables();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes)
    out += t.byte_to_text[static_cast<unsigned char>(c)];
  return out;
}

std::optional<std::string> from_byte_level(std::string_view token) {
  const ByteLevelTables &t = tables();
  std::string bytes;
  bytes.reserve(token.size());
  for (std::size_t pos = 0; pos < token.size();) {
    const Utf8Char c = decode_utf8_char(token, pos);
    if (!c.valid || c.code_point >= kMappedCodePointLimit || t.code_point_to_byte[c.code_point] < 0)
      return std::nullopt;
    bytes.push_back(static_cast<char>(t.code_point_to_byte[c.code_point]));
    pos += c.length;
  }
  return bytes;
}

std::vector<std::string> byte_level_alphabet() {
  const ByteLevelTables &t = tables();
  std::vector<std::string> alphabet;
  // Walking code points in order yields the alphabet already sorted.
  for (std::size_t cp = 0; cp < kMappedCodePointLimit; ++cp)
    if (t.code_point_to_byte[cp] >= 0)
      alphabet.push_back(t.byte_to_text[static_cast<unsigned char>(t.code_point_to_byte[cp])]);
  return alphabet;
}

} // namespace fgrt::tokenizer::detail
