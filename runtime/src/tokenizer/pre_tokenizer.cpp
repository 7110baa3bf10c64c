//===- pre_tokenizer.cpp - Normalization and pre-tokenization -*- C++ -*-===//
//
// See pre_tokenizer.hpp. The split behaviors follow the reference's
// SplitDelimiterBehavior fold over (span, is_match) parts: a match merges
// into the neighbouring piece only when that neighbour is not itself a match
// (so "--" merged-with-previous gives "x-" then "-").
//
//===----------------------------------------------------------------------===//
#include "pre_tokenizer.hpp"

#include "byte_level.hpp"
#include "unicode.hpp"

#include <algorithm>

namespace fgrt::tokenizer::detail {
namespace {

/// A piece of the text and whether it counts as a match (after `invert`).
struct Part {
  Span span;
  bool is_match;
};

/// The text as alternating gap/match parts covering it (empty parts left out).
std::vector<Part> to_parts(std::size_t length, const std::vector<Span> &matches, bool invert) {
  std::vector<Part> parts;
  std::size_t previous_end = 0;
  for (const Span &match : matches) {
    if (previous_end < match.first)
      parts.push_back({{previous_end, match.first}, invert});
    parts.push_back({match, !invert});
    previous_end = match.second;
  }
  if (previous_end < length)
    parts.push_back({{previous_end, length}, invert});
  return parts;
}

/// Folds a match into the piece before it unless that piece was a match;
/// `forward` false runs the fold right to left (MergedWithNext).
std::vector<Span> merge_matches_into_neighbour(std::vector<Part> parts, bool forward) {
  if (!forward)
    std::reverse(parts.begin(), parts.end());
  std::vector<Span> pieces;
  bool previous_match = false;
  for (const Part &part : parts) {
    if (part.is_match && !previous_match && !pieces.empty() && forward)
      pieces.back().second = part.span.second;
    else if (part.is_match && !previous_match && !pieces.empty())
      pieces.back().first = part.span.first;
    else
      pieces.push_back(part.span);
    previous_match = part.is_match;
  }
  if (!forward)
    std::reverse(pieces.begin(), pieces.end());
  return pieces;
}

/// Joins runs of consecutive matches into one piece.
std::vector<Span> merge_contiguous_matches(const std::vector<Part> &parts) {
  std::vector<Span> pieces;
  bool previous_match = false;
  for (const Part &part : parts) {
    if (part.is_match && previous_match)
      pieces.back().second = part.span.second;
    else
      pieces.push_back(part.span);
    previous_match = part.is_match;
  }
  return pieces;
}

} // namespace

std::vector<Span> split_by_matches(std::size_t length, const std::vector<Span> &matches, SplitBehavior behavior,
                                   bool invert) {
  const std::vector<Part> parts = to_parts(length, matches, invert);
  std::vector<Span> pieces;
  switch (behavior) {
  case SplitBehavior::Removed:
    for (const Part &part : parts)
      if (!part.is_match)
        pieces.push_back(part.span);
    return pieces;
  case SplitBehavior::Isolated:
    for (const Part &part : parts)
      pieces.push_back(part.span);
    return pieces;
  case SplitBehavior::MergedWithPrevious:
    return merge_matches_into_neighbour(parts, true);
  case SplitBehavior::MergedWithNext:
    return merge_matches_into_neighbour(parts, false);
  case SplitBehavior::Contiguous:
    return merge_contiguous_matches(parts);
  }
  return pieces;
}

PreTokenizerPipeline::PreTokenizerPipeline(bool nfc, const std::vector<PreTokenizerSpec> &steps) : nfc_(nfc) {
  for (std::size_t i = 0; i < steps.size(); ++i) {
    Step step{steps[i], {}};
    const std::string field = "pre_tokenizer[" + std::to_string(i) + "]";
    if (steps[i].kind == PreTokenizerSpec::Kind::Split)
      step.regex.emplace_back(steps[i].split.pattern, !steps[i].split.pattern_is_regex, field + ".pattern");
    else if (steps[i].byte_level.use_regex)
      step.regex.emplace_back(kGpt2SplitPattern, false, field);
    steps_.push_back(std::move(step));
  }
}

std::string PreTokenizerPipeline::normalize(std::string_view text) const {
  return nfc_ ? nfc_normalize(text) : std::string(text);
}

std::vector<std::string> PreTokenizerPipeline::apply(const Step &step, const std::vector<std::string> &pieces) {
  // Like the reference, add_prefix_space applies to every piece reaching the
  // ByteLevel step (in a Sequence after Split, to each split piece).
  const bool byte_level = step.spec.kind == PreTokenizerSpec::Kind::ByteLevel;
  std::vector<std::string> out;
  for (const std::string &original : pieces) {
    if (original.empty())
      continue;
    std::string piece = original;
    if (byte_level && step.spec.byte_level.add_prefix_space && piece.front() != ' ')
      piece.insert(piece.begin(), ' ');
    std::vector<Span> spans{{0, piece.size()}};
    if (!step.regex.empty()) {
      // ByteLevel's own regex always isolates; a Split uses its settings.
      const SplitSpec &split = step.spec.split;
      spans =
          split_by_matches(piece.size(), step.regex.front().find_all(piece),
                           byte_level ? SplitBehavior::Isolated : split.behavior, byte_level ? false : split.invert);
    }
    for (const Span &span : spans) {
      const std::string_view text = std::string_view(piece).substr(span.first, span.second - span.first);
      out.push_back(byte_level ? to_byte_level(text) : std::string(text));
    }
  }
  return out;
}

void PreTokenizerPipeline::split_words(std::string_view text, std::vector<std::string> &words) const {
  // Each step maps every piece to new pieces; with no steps (pre_tokenizer
  // null) the whole segment stays one word.
  if (text.empty())
    return;
  std::vector<std::string> pieces{std::string(text)};
  for (const Step &step : steps_)
    pieces = apply(step, pieces);
  for (std::string &piece : pieces)
    if (!piece.empty())
      words.push_back(std::move(piece));
}

} // namespace fgrt::tokenizer::detail
