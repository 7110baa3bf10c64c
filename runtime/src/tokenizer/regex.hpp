//===- regex.hpp - PCRE2 regexes for pre-tokenization -*- C++ -*-===//
//
// The reference runs its pre-tokenizer regexes with Oniguruma; PCRE2 in UTF
// + UCP mode has the same syntax for everything these patterns use (\p{L},
// \p{N}, \s, lookahead, (?i:...), {1,3}) and the same leftmost-first
// alternation, so the matches agree. UCP makes \s, \d and \w Unicode-aware
// as in Oniguruma. Patterns are JIT-compiled where PCRE2 supports it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fgrt::tokenizer::detail {

/// A [begin, end) byte range of a text.
using Span = std::pair<std::size_t, std::size_t>;

/// A compiled, immutable pattern; safe to share between threads.
class Regex {
public:
  /// Compiles `pattern` (a regex, or literal text when `literal`). Throws
  /// TokenizerError naming `field` and the PCRE2 message on a bad pattern.
  Regex(const std::string &pattern, bool literal, const std::string &field);

  /// The non-empty, non-overlapping matches in `text` (valid UTF-8), left to
  /// right. Empty matches are skipped, as the reference's splitter does.
  std::vector<Span> find_all(std::string_view text) const;

private:
  struct Code;
  std::shared_ptr<const Code> code_;
};

} // namespace fgrt::tokenizer::detail
