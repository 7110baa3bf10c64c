//===- added_tokens.cpp - Cut added/special tokens out of text -*- C++ -*-===//
//
// See added_tokens.hpp. The whitespace tests use the Unicode White_Space
// property and the word test Unicode letters/marks/numbers/connectors, the
// same classes as the reference's \s and \w.
//
//===----------------------------------------------------------------------===//
#include "added_tokens.hpp"

#include "unicode.hpp"

#include <algorithm>

namespace fgrt::tokenizer::detail {
namespace {

/// Start of the whitespace run that ends at `end`.
std::size_t whitespace_start_before(std::string_view text, std::size_t end) {
  while (end > 0) {
    const std::size_t start = previous_char_start(text, end);
    if (!is_unicode_whitespace(decode_utf8_char(text, start).code_point))
      break;
    end = start;
  }
  return end;
}

/// End of the whitespace run that starts at `begin`.
std::size_t whitespace_end_after(std::string_view text, std::size_t begin) {
  while (begin < text.size()) {
    const Utf8Char c = decode_utf8_char(text, begin);
    if (!is_unicode_whitespace(c.code_point))
      break;
    begin += c.length;
  }
  return begin;
}

/// No word character touches [begin, end) on either side.
bool is_standalone_word(std::string_view text, std::size_t begin, std::size_t end) {
  const bool clear_before =
      begin == 0 || !is_word_character(decode_utf8_char(text, previous_char_start(text, begin)).code_point);
  const bool clear_after = end == text.size() || !is_word_character(decode_utf8_char(text, end).code_point);
  return clear_before && clear_after;
}

} // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedTokenPattern> patterns) : patterns_(std::move(patterns)) {
  patterns_.erase(std::remove_if(patterns_.begin(), patterns_.end(), [](const auto &p) { return p.text.empty(); }),
                  patterns_.end());
  // Longest first, so the first candidate that matches is the longest one.
  std::stable_sort(patterns_.begin(), patterns_.end(),
                   [](const auto &a, const auto &b) { return a.text.size() > b.text.size(); });
  for (std::size_t i = 0; i < patterns_.size(); ++i)
    candidates_by_first_byte_[static_cast<unsigned char>(patterns_[i].text[0])].push_back(i);
}

const AddedTokenPattern *AddedTokenMatcher::longest_match_at(std::string_view text, std::size_t pos) const {
  for (std::size_t index : candidates_by_first_byte_[static_cast<unsigned char>(text[pos])]) {
    const AddedTokenPattern &pattern = patterns_[index];
    if (text.compare(pos, pattern.text.size(), pattern.text) == 0)
      return &pattern;
  }
  return nullptr;
}

std::vector<TextSegment> AddedTokenMatcher::split(std::string_view text) const {
  // plain_start is where the pending plain-text segment begins; pos scans
  // for the next match.
  std::vector<TextSegment> segments;
  std::size_t plain_start = 0;
  std::size_t pos = 0;
  while (!patterns_.empty() && pos < text.size()) {
    const AddedTokenPattern *match = longest_match_at(text, pos);
    if (match == nullptr) {
      ++pos;
      continue;
    }
    std::size_t begin = pos, end = pos + match->text.size();
    pos = end;
    if (match->single_word && !is_standalone_word(text, begin, end))
      continue;
    // lstrip never reaches back into a previous token's span.
    if (match->lstrip)
      begin = std::max(plain_start, whitespace_start_before(text, begin));
    if (match->rstrip)
      pos = end = whitespace_end_after(text, end);
    if (plain_start < begin)
      segments.push_back({plain_start, begin, -1});
    segments.push_back({begin, end, match->id});
    plain_start = end;
  }
  if (plain_start < text.size())
    segments.push_back({plain_start, text.size(), -1});
  return segments;
}

} // namespace fgrt::tokenizer::detail
