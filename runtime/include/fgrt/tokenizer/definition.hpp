//===- definition.hpp - The contents of a Hugging Face tokenizer.json -*- C++ -*-===//
//
// A plain-data mirror of the parts of a Hugging Face `tokenizers` file that a
// byte-level BPE tokenizer uses (GPT-2, Llama-3 and the reference's trained
// tokenizers), plus the reader and writer of that JSON format:
//
//   added_tokens    special/added tokens, matched in the text before anything else
//   normalizer      null or NFC
//   pre_tokenizer   null, ByteLevel, Split, or a Sequence of ByteLevel/Split
//   post_processor  null, ByteLevel, TemplateProcessing, or a Sequence of them
//   decoder         null or ByteLevel
//   model           BPE: vocab, merges ("a b" strings or [a, b] pairs),
//                   unk_token, byte_fallback, fuse_unk, ignore_merges
//
// Keeping the definition separate from the runtime `Tokenizer` lets the
// trainer build one directly and lets save() write exactly what was loaded.
// Anything the runtime cannot honour (BPE dropout, WordPiece, truncation, ...)
// is rejected when parsing, with an error naming the JSON field, rather than
// silently encoding differently from the reference implementation.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fgrt::tokenizer {

/// Every user-facing tokenizer failure: unreadable or malformed files,
/// unsupported features, invalid options or input. The message names the
/// file and/or JSON field first, then what is wrong.
class TokenizerError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The flags of a ByteLevel pre-tokenizer, post-processor or decoder (one
/// JSON shape for all three, as in the reference).
struct ByteLevelSpec {
  /// Prepend a space to each piece that does not start with one, so the first
  /// word is encoded like any other ("Ġword").
  bool add_prefix_space = false;
  /// Only affects character offsets in the reference; kept for save().
  bool trim_offsets = true;
  /// Split with the GPT-2 regex before mapping bytes (pre-tokenizer only).
  bool use_regex = true;
};

/// How a Split pre-tokenizer turns regex matches into pieces (the reference's
/// SplitDelimiterBehavior). For "the-final--countdown" split on "-":
/// Removed [the, final, countdown]; Isolated [the, -, final, -, -, countdown];
/// MergedWithPrevious [the-, final-, -, countdown];
/// MergedWithNext [the, -final, -, -countdown];
/// Contiguous [the, -, final, --, countdown].
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

/// A Split pre-tokenizer.
struct SplitSpec {
  /// The pattern: a PCRE2 regex (UTF-8, Unicode classes) or a literal string.
  std::string pattern;
  /// True for {"Regex": ...}, false for {"String": ...} (matched literally).
  bool pattern_is_regex = true;
  /// What becomes of matches and the text between them.
  SplitBehavior behavior = SplitBehavior::Isolated;
  /// Swap the roles of matches and the text between them.
  bool invert = false;
};

/// One pre-tokenizer of the (possibly one-element) sequence.
struct PreTokenizerSpec {
  /// Which of the two supported pre-tokenizers this is.
  enum class Kind { ByteLevel, Split };
  /// Selects `byte_level` or `split`.
  Kind kind = Kind::ByteLevel;
  /// Settings when kind == ByteLevel.
  ByteLevelSpec byte_level;
  /// Settings when kind == Split.
  SplitSpec split;
};

/// An entry of `added_tokens`: a string matched verbatim in the input before
/// pre-tokenization and mapped to one id.
struct AddedTokenSpec {
  /// The token id (usually also in the model vocab for trained tokenizers).
  int64_t id = 0;
  /// The exact text of the token.
  std::string content;
  /// Only match when not inside a word (no word character on either side).
  bool single_word = false;
  /// Swallow whitespace on the left of a match.
  bool lstrip = false;
  /// Swallow whitespace on the right of a match.
  bool rstrip = false;
  /// Match in the normalized text (true) or in the raw input (false).
  bool normalized = false;
  /// Special tokens are dropped by decode(skip_special_tokens=true).
  bool special = true;
};

/// One element of a TemplateProcessing template.
struct TemplatePieceSpec {
  /// A fixed special token, the single sequence $A, or the pair's second $B.
  enum class Kind { SpecialToken, SequenceA, SequenceB };
  /// What this piece inserts.
  Kind kind = Kind::SequenceA;
  /// The key into TemplateSpec::special_tokens when kind == SpecialToken.
  std::string special_token;
  /// The token type id the reference assigns (kept for save()).
  int64_t type_id = 0;
};

/// A special token of TemplateProcessing: a name and the ids it inserts.
struct TemplateSpecialTokenSpec {
  /// The name used by the template pieces (usually the token text).
  std::string id;
  /// The ids inserted for it.
  std::vector<int64_t> ids;
  /// The token strings of those ids.
  std::vector<std::string> tokens;
};

/// A TemplateProcessing post-processor, e.g. single = [BOS, $A].
struct TemplateSpec {
  /// Template for encoding one sequence; must contain $A and not $B.
  std::vector<TemplatePieceSpec> single;
  /// Template for sequence pairs (kept for save(); pairs are not encoded).
  std::vector<TemplatePieceSpec> pair;
  /// The special tokens the templates refer to, in file order.
  std::vector<TemplateSpecialTokenSpec> special_tokens;
};

/// One post-processor of the (possibly one-element) sequence.
struct PostProcessorSpec {
  /// ByteLevel (ids unchanged; offsets only in the reference) or a template.
  enum class Kind { ByteLevel, Template };
  /// Selects `byte_level` or `templ`.
  Kind kind = Kind::Template;
  /// Settings when kind == ByteLevel.
  ByteLevelSpec byte_level;
  /// Settings when kind == Template.
  TemplateSpec templ;
};

/// The BPE model.
struct BpeModelSpec {
  /// (token, id) pairs in ascending id order.
  std::vector<std::pair<std::string, int64_t>> vocab;
  /// Merges in rank order (first = applied first): the two tokens joined.
  std::vector<std::pair<std::string, std::string>> merges;
  /// Token used for characters that are not in the vocab (none: dropped).
  std::optional<std::string> unk_token;
  /// Encode unknown characters as their UTF-8 bytes "<0xXX>" when those
  /// tokens exist, before falling back to unk_token.
  bool byte_fallback = false;
  /// Collapse consecutive unknown characters into one unk_token.
  bool fuse_unk = false;
  /// A whole pre-tokenized word that is in the vocab is one token, without
  /// applying merges (Llama-3).
  bool ignore_merges = false;
};

/// Everything the runtime reads from a tokenizer.json.
struct TokenizerDefinition {
  /// `added_tokens`, in ascending id order.
  std::vector<AddedTokenSpec> added_tokens;
  /// `normalizer`: true for NFC, false for null.
  bool nfc_normalizer = false;
  /// `pre_tokenizer`: empty for null; more than one is written as a Sequence.
  std::vector<PreTokenizerSpec> pre_tokenizer;
  /// `post_processor`: empty for null; more than one is written as a Sequence.
  std::vector<PostProcessorSpec> post_processor;
  /// `decoder`: ByteLevel, or nullopt for null (tokens joined by spaces).
  std::optional<ByteLevelSpec> decoder;
  /// `model`.
  BpeModelSpec model;
};

/// The GPT-2 pre-tokenization regex the ByteLevel pre-tokenizer uses when
/// use_regex is true.
extern const char *const kGpt2SplitPattern;

/// Parses the text of a tokenizer.json. Throws TokenizerError naming the JSON
/// field for malformed JSON, wrong types, missing fields and unsupported
/// features. Vocabulary consistency (merges naming unknown tokens, ...) is
/// checked when a Tokenizer is built from the definition.
TokenizerDefinition parse_tokenizer_json(std::string_view json_text);

/// Writes a tokenizer.json (2-space indented, vocab in id order) that
/// parse_tokenizer_json() reads back to an equal definition. Merges are
/// written as "a b" strings (readable by every tokenizers version) unless a
/// merged token contains a space, which needs the [a, b] pair form.
std::string to_tokenizer_json(const TokenizerDefinition &definition);

} // namespace fgrt::tokenizer
