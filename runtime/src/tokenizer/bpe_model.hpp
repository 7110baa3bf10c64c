//===- bpe_model.hpp - The BPE model: vocab, merges, word encoding -*- C++ -*-===//
//
// Encodes one pre-tokenized word:
//
//   1. with ignore_merges, a word that is itself a token is that token;
//   2. split the word into characters; a character missing from the vocab
//      becomes its UTF-8 bytes "<0xXX>" (byte_fallback, when all exist), else
//      unk_token (consecutive ones fused into one with fuse_unk), else is
//      dropped -- the reference's order of fallbacks;
//   3. repeatedly merge the adjacent pair with the lowest merge rank, the
//      leftmost one on ties, until no adjacent pair has a merge.
//
// Step 3 uses a min-heap of (rank, position) over a linked list of symbols,
// so a word of n characters costs O(n log n) (a 1 MB run of digits is one
// word for the GPT-2 regex).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/tokenizer/definition.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fgrt::tokenizer::detail {

/// A pair of adjacent token ids as one hashable key; ordering the keys orders
/// the pairs by (left, right).
inline uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

/// The lookup tables of a BpeModelSpec.
class BpeModel {
public:
  /// Validates the spec (unique ids, merges over known tokens, unk_token in
  /// the vocab); throws TokenizerError naming the "model.*" field.
  explicit BpeModel(const BpeModelSpec &spec);

  /// Appends the ids of `word` (a non-empty pre-tokenized word).
  void encode_word(std::string_view word, std::vector<int32_t> &ids) const;
  /// Id of a vocab token.
  std::optional<int32_t> find(const std::string &token) const;
  /// Token of an id, or nullptr when the vocab has no such id.
  const std::string *token(int64_t id) const;
  /// Number of tokens in the vocab.
  std::size_t size() const { return ids_.size(); }

private:
  /// What merging a pair yields: its priority and the merged token's id.
  struct MergeRule {
    int32_t rank;
    int32_t result;
  };
  /// Fills ids_ and tokens_ (validating ids).
  void index_vocab(const BpeModelSpec &spec);
  /// Fills merges_ (validating that all tokens exist).
  void index_merges(const BpeModelSpec &spec);
  /// Step 2 above: the initial symbols of `word`.
  std::vector<int32_t> initial_symbols(std::string_view word) const;
  /// Step 3 above, in place.
  void apply_merges(std::vector<int32_t> &symbols) const;
  /// The rule for the pair (left, right), or nullptr.
  const MergeRule *find_merge(int32_t left, int32_t right) const;

  /// Vocab: token -> id.
  std::unordered_map<std::string, int32_t> ids_;
  /// Token by id; pointers into ids_' keys (stable: node-based map).
  std::vector<const std::string *> tokens_;
  /// pair_key(left, right) -> rule.
  std::unordered_map<uint64_t, MergeRule> merges_;
  /// Id of "<0xXX>" per byte, -1 where missing (byte_fallback off: all -1).
  std::array<int32_t, 256> byte_fallback_ids_{};
  /// Id of unk_token, -1 without one (unknown characters are dropped).
  int32_t unk_id_ = -1;
  /// The spec's flags of the same names.
  bool fuse_unk_ = false;
  bool ignore_merges_ = false;
};

} // namespace fgrt::tokenizer::detail
