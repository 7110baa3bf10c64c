//===- tokenizer.hpp - Byte-level BPE tokenizer (Hugging Face compatible) -*- C++ -*-===//
//
// Encodes text to token ids and back exactly as the Hugging Face `tokenizers`
// library does for byte-level BPE tokenizer.json files:
//
//   1. added tokens with normalized=false are cut out of the raw text
//      (leftmost-longest match), each becoming its own id;
//   2. every other segment is normalized (NFC or nothing), then added tokens
//      with normalized=true are cut out of it;
//   3. the remaining text is pre-tokenized: the pre-tokenizers (GPT-2 regex
//      split, custom Split regexes) cut it into words and ByteLevel maps each
//      byte to a printable character (0x20 -> 'Ġ', 0x0A -> 'Ċ', ...);
//   4. each word is encoded by BPE: start from its characters and repeatedly
//      merge the adjacent pair with the lowest merge rank (leftmost first);
//   5. with add_special_tokens, the post-processor template adds e.g. BOS.
//
// Decoding maps ids back to tokens, joins them and maps the byte-level
// characters back to bytes; byte sequences that are not valid UTF-8 become
// U+FFFD, as in the reference.
//
// Words are cached (word -> ids), so text with the usual Zipf distribution
// encodes at over 10 MB/s on one core (bench/bench_tokenizer: ~15 MB/s on
// tinyshakespeare). A Tokenizer is immutable after construction apart
// from that cache, cheap to copy (shared state) and safe to use from several
// threads at once.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/tokenizer/definition.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fgrt::tokenizer {

/// The transformers-level settings saved next to tokenizer.json
/// (tokenizer_config.json / special_tokens_map.json): which tokens play the
/// BOS/EOS/PAD/UNK roles and the longest sequence the model accepts.
struct TokenizerConfig {
  /// Beginning-of-sequence token text, if any.
  std::optional<std::string> bos_token;
  /// End-of-sequence token text, if any.
  std::optional<std::string> eos_token;
  /// Padding token text, if any.
  std::optional<std::string> pad_token;
  /// Unknown-token text, if any.
  std::optional<std::string> unk_token;
  /// Longest input the model was trained for; nullopt means unlimited.
  std::optional<int64_t> model_max_length;
};

/// A loaded or trained byte-level BPE tokenizer.
class Tokenizer {
public:
  /// Builds the runtime tables. Throws TokenizerError when the definition is
  /// inconsistent (merges naming tokens outside the vocab, duplicate ids, an
  /// unk_token or template token that does not exist, a config role token
  /// that is not in the vocabulary, an invalid regex).
  explicit Tokenizer(TokenizerDefinition definition, TokenizerConfig config = {});

  /// Loads a tokenizer.json. Errors name the file.
  static Tokenizer from_file(const std::string &path);
  /// Parses tokenizer.json text (for definitions built in memory).
  static Tokenizer from_json(std::string_view json_text);
  /// Loads `directory`/tokenizer.json plus the roles and model_max_length of
  /// tokenizer_config.json and special_tokens_map.json when present (the
  /// former wins where both name a role).
  static Tokenizer from_pretrained(const std::string &directory);

  /// Token ids of `text` (valid UTF-8, else TokenizerError). With
  /// add_special_tokens the post-processor (e.g. BOS) is applied.
  std::vector<int64_t> encode(std::string_view text, bool add_special_tokens = true) const;
  /// Text of `ids`. Unknown ids are skipped (as in the reference, so ids of a
  /// padded embedding matrix do not throw); with skip_special_tokens the
  /// added tokens marked special are dropped.
  std::string decode(const std::vector<int64_t> &ids, bool skip_special_tokens = false) const;
  /// The words BPE sees for `text`: normalized, pre-tokenized and byte-level
  /// mapped (added tokens are not extracted), like the reference's
  /// pre_tokenize_str(normalize_str(text)).
  std::vector<std::string> pre_tokenize(std::string_view text) const;

  /// Id of a token string (added tokens first, then the model vocab).
  std::optional<int64_t> token_to_id(std::string_view token) const;
  /// Token string of an id, if the id exists.
  std::optional<std::string> id_to_token(int64_t id) const;
  /// Number of distinct tokens, model vocab and added tokens together.
  int64_t vocab_size() const;

  /// Writes tokenizer.json to `path`; from_file(path) gives a tokenizer that
  /// encodes and decodes identically (and saves to the same bytes).
  void save(const std::string &path) const;
  /// Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json
  /// into `directory` (created if missing), in the layout transformers'
  /// PreTrainedTokenizerFast.save_pretrained uses.
  void save_pretrained(const std::string &directory) const;

  /// The definition this tokenizer was built from.
  const TokenizerDefinition &definition() const;
  /// The roles and model_max_length.
  const TokenizerConfig &config() const;
  /// Id of the BOS role token, if one is configured.
  std::optional<int64_t> bos_token_id() const;
  /// Id of the EOS role token, if one is configured.
  std::optional<int64_t> eos_token_id() const;
  /// Id of the PAD role token, if one is configured.
  std::optional<int64_t> pad_token_id() const;
  /// Id of the UNK role token, if one is configured.
  std::optional<int64_t> unk_token_id() const;
  /// The model_max_length of the config (nullopt: unlimited).
  std::optional<int64_t> model_max_length() const;

private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

} // namespace fgrt::tokenizer
