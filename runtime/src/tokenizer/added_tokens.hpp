//===- added_tokens.hpp - Cut added/special tokens out of text -*- C++ -*-===//
//
// Added tokens are found before pre-tokenization, like the reference's
// Aho-Corasick pass with MatchKind::LeftmostLongest: scanning left to right,
// the first position where some token matches wins, and among the tokens
// matching there the longest. Non-overlapping: after a match (accepted or
// rejected by single_word) the scan resumes at its end. Then
//
//   single_word  rejects a match with a word character (\w) just before or
//                after it;
//   lstrip       extends the match left over whitespace (not into a previous
//                match);
//   rstrip       extends the match right over whitespace.
//
// The extended match becomes the token; the swallowed whitespace is dropped.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fgrt::tokenizer::detail {

/// One token to look for.
struct AddedTokenPattern {
  /// The exact text to find (already normalized for normalized tokens).
  std::string text;
  /// Id emitted for a match.
  int64_t id = 0;
  /// Reject matches inside words.
  bool single_word = false;
  /// Swallow whitespace before the match.
  bool lstrip = false;
  /// Swallow whitespace after the match.
  bool rstrip = false;
};

/// A piece of the input: plain text (token_id < 0) or one added token.
struct TextSegment {
  /// Start byte offset.
  std::size_t begin = 0;
  /// End byte offset (exclusive).
  std::size_t end = 0;
  /// The added token's id, or -1 for plain text.
  int64_t token_id = -1;
};

/// Finds a fixed set of added tokens in text.
class AddedTokenMatcher {
public:
  /// An empty matcher (every text is one plain segment).
  AddedTokenMatcher() = default;
  /// Looks for `patterns` (empty texts are ignored).
  explicit AddedTokenMatcher(std::vector<AddedTokenPattern> patterns);

  /// Splits valid UTF-8 `text` into plain and token segments covering it.
  std::vector<TextSegment> split(std::string_view text) const;

private:
  /// The longest pattern matching at `pos`, or nullptr.
  const AddedTokenPattern *longest_match_at(std::string_view text, std::size_t pos) const;

  std::vector<AddedTokenPattern> patterns_;
  /// Pattern indices by first byte, longest first, so a scan position costs
  /// one table lookup when nothing can match there.
  std::array<std::vector<std::size_t>, 256> candidates_by_first_byte_;
};

} // namespace fgrt::tokenizer::detail
