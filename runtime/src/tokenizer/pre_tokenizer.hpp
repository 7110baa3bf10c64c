//===- pre_tokenizer.hpp - Normalization and pre-tokenization -*- C++ -*-===//
//
// Turns a segment of text (no added tokens in it) into the words BPE encodes:
// NFC normalization if configured, then each pre-tokenizer in order, each
// mapping every current piece to zero or more new pieces:
//
//   ByteLevel  prepend ' ' to a piece not starting with one (add_prefix_space),
//              split it with the GPT-2 regex (use_regex, Isolated), and map
//              every byte to its byte-level character;
//   Split      cut a piece at the matches of its regex, keeping matches and
//              gaps as the SplitBehavior says.
//
// Empty pieces are dropped. Shared by the encoder and the trainer, so both
// see exactly the same words.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/tokenizer/definition.hpp"

#include "regex.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace fgrt::tokenizer::detail {

/// Pieces of a text of length `length` given the regex `matches` in it.
std::vector<Span> split_by_matches(std::size_t length, const std::vector<Span> &matches, SplitBehavior behavior,
                                   bool invert);

/// The normalizer and pre-tokenizers of one tokenizer definition.
class PreTokenizerPipeline {
public:
  /// Compiles the regexes; throws TokenizerError naming the bad pattern.
  PreTokenizerPipeline(bool nfc, const std::vector<PreTokenizerSpec> &steps);

  /// The normalized form of valid UTF-8 `text`.
  std::string normalize(std::string_view text) const;
  /// Appends the words of already-normalized `text` to `words`.
  void split_words(std::string_view text, std::vector<std::string> &words) const;

private:
  struct Step {
    PreTokenizerSpec spec;
    /// The Split pattern, or the GPT-2 pattern of a ByteLevel with use_regex.
    std::vector<Regex> regex;
  };
  /// Applies one step to every piece of `pieces`.
  static std::vector<std::string> apply(const Step &step, const std::vector<std::string> &pieces);

  bool nfc_;
  std::vector<Step> steps_;
};

} // namespace fgrt::tokenizer::detail
