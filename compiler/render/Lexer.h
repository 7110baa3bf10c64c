//===- Lexer.h - Jinja2 tokenizer ------------------------------------------===//
//
// Splits preprocessed template text into data and tag tokens with Jinja 3.1's
// whitespace rules as configured by the reference: trim_blocks (one newline
// after `%}` and `#}` is dropped), `-` strips whitespace on that side of a
// tag, `+%}` keeps the newline, and one trailing newline of the whole
// template is dropped (keep_trailing_newline is off).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "support/Diagnostics.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fgcc::render {

struct TemplateLines;

/// Token kinds, following Jinja's lexer (names and operators carry their
/// text; whitespace-control markers are applied, not emitted).
enum class TokenKind : uint8_t {
  Data,          ///< text outside tags
  VariableBegin, ///< {{
  VariableEnd,   ///< }}
  BlockBegin,    ///< {%
  BlockEnd,      ///< %}
  Name,
  String, ///< text holds the unescaped value
  Integer,
  Float,
  Operator,
  Eof,
};

/// One token with its position, for Jinja-style error messages.
struct Token {
  TokenKind kind;
  std::string text;
  /// 1-based position in the preprocessed text.
  uint32_t line = 1;
  uint32_t col = 1;
};

/// Tokenizes one template. Syntax errors are reported through `lines` at
/// their file location.
std::vector<Token> tokenize(std::string_view source, const TemplateLines &lines);

} // namespace fgcc::render
