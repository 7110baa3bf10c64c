//===- Preprocessor.h - Phase "preprocess": line syntax to Jinja ----------===//
//
// Forgather templates are Jinja2 with a line-oriented shorthand on top:
//   ## comment           (whole line, or trailing after whitespace)
//   -- stmt   << stmt   >> stmt   == expr   => expr     (line statements)
//   [block]  [block!]                                   (TOML-style blocks)
// This phase rewrites that shorthand into plain Jinja text, exactly as the
// reference's preprocessor does (spec section 3), and records for every output
// line the input line it came from, so later errors point at the true line.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fgcc {

/// What happens to `##` full-line comments (spec section 3.4). The reference
/// deletes them for `pp`/`graph` and keeps them as `{# #}` everywhere else; the
/// two modes can differ in blank lines next to `<<` statements.
enum class CommentMode { Delete, Preserve };

/// Where one preprocessed line came from.
struct LineOrigin {
  /// 1-based line in the preprocessor's input.
  uint32_t line = 1;
  /// Input column minus output column for text that was moved (the body of a
  /// line statement, a block name); 0 elsewhere.
  int32_t colShift = 0;
};

struct PreprocessedText {
  std::string text;
  /// One entry per line of `text` (split on '\n').
  std::vector<LineOrigin> origins;
};

/// Rewrites Forgather line syntax into Jinja text.
PreprocessedText preprocess(std::string_view source, CommentMode mode);

} // namespace fgcc
