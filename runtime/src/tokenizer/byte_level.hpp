//===- byte_level.hpp - GPT-2's reversible byte <-> character mapping -*- C++ -*-===//
//
// Byte-level BPE works on bytes, but its vocabulary is stored as text, so
// every byte is shown as one printable character:
//
//   bytes '!'..'~', 0xA1..0xAC, 0xAE..0xFF  ->  the character with that code
//   the other 68 bytes, in increasing order ->  U+0100, U+0101, ... U+0143
//
// (so space 0x20 -> U+0120 'Ġ' and newline 0x0A -> U+010A 'Ċ'). The mapping
// is a bijection between the 256 bytes and 256 characters; decoding reverses
// it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fgrt::tokenizer::detail {

/// `bytes` with each byte replaced by its byte-level character (UTF-8).
std::string to_byte_level(std::string_view bytes);

/// The raw bytes of a token whose characters are all byte-level characters;
/// nullopt when one is not (e.g. a special token containing a space), which
/// the ByteLevel decoder then copies verbatim.
std::optional<std::string> from_byte_level(std::string_view token);

/// The 256 byte-level characters (UTF-8), sorted by code point: the initial
/// alphabet of a byte-level BPE trainer.
std::vector<std::string> byte_level_alphabet();

} // namespace fgrt::tokenizer::detail
