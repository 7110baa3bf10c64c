//===- bpe_model.cpp - The BPE model: vocab, merges, word encoding -*- C++ -*-===//
//
// See bpe_model.hpp. When a merges list names the same pair twice, the later rank wins, as the
// reference's hash map build does.
//
//===----------------------------------------------------------------------===//
#include "bpe_model.hpp"

#include "unicode.hpp"

#include <cstdio>
#include <limits>
#include <queue>

namespace fgrt::tokenizer::detail {
namespace {

/// Ids beyond this many slots per token would make the id table mostly holes.
constexpr int64_t kMaxIdSlack = 1 << 16;

/// "<0xXX>" with upper-case hex digits, the reference's byte token names.
std::string byte_fallback_token(unsigned byte) {
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "<0x%02X>", byte);
  return buffer;
}

/// A symbol of the word being merged: its token and linked-list neighbours.
struct Symbol {
  /// Token id, or -1 once merged into its left neighbour.
  int32_t id;
  /// Index of the previous live symbol, or -1.
  int32_t prev;
  /// Index of the next live symbol, or -1.
  int32_t next;
};

/// A possible merge of the symbol at `pos` with its right neighbour.
struct Candidate {
  /// Rank of the merge when queued; a mismatch later means it is stale.
  int32_t rank;
  /// Index of the left symbol.
  int32_t pos;
  /// Lowest rank first, then leftmost (priority_queue pops the largest).
  bool operator<(const Candidate &other) const { return rank != other.rank ? rank > other.rank : pos > other.pos; }
};

} // namespace

BpeModel::BpeModel(const BpeModelSpec &spec) : fuse_unk_(spec.fuse_unk), ignore_merges_(spec.ignore_merges) {
  index_vocab(spec);
  index_merges(spec);
  byte_fallback_ids_.fill(-1);
  if (spec.byte_fallback)
    for (unsigned byte = 0; byte < 256; ++byte)
      byte_fallback_ids_[byte] = find(byte_fallback_token(byte)).value_or(-1);
  if (spec.unk_token) {
    const auto unk = find(*spec.unk_token);
    if (!unk)
      throw TokenizerError("model.unk_token: '" + *spec.unk_token + "' is not in the vocabulary");
    unk_id_ = *unk;
  }
}

void BpeModel::index_vocab(const BpeModelSpec &spec) {
  // Ids index a table, so they must be non-negative, fit int32 and not be
  // so sparse that the table is mostly holes.
  int64_t max_id = -1;
  for (const auto &[token, id] : spec.vocab) {
    if (id < 0 || id >= std::numeric_limits<int32_t>::max())
      throw TokenizerError("model.vocab: id " + std::to_string(id) + " of '" + token + "' is out of range");
    if (!ids_.emplace(token, static_cast<int32_t>(id)).second)
      throw TokenizerError("model.vocab: token '" + token + "' appears twice");
    max_id = std::max(max_id, id);
  }
  if (max_id >= static_cast<int64_t>(2 * spec.vocab.size()) + kMaxIdSlack)
    throw TokenizerError("model.vocab: ids are too sparse (largest id " + std::to_string(max_id) + " for " +
                         std::to_string(spec.vocab.size()) + " tokens)");
  tokens_.assign(static_cast<std::size_t>(max_id + 1), nullptr);
  for (const auto &[token, id] : ids_) {
    if (tokens_[id] != nullptr)
      throw TokenizerError("model.vocab: id " + std::to_string(id) + " is used by both '" + *tokens_[id] + "' and '" +
                           token + "'");
    tokens_[id] = &token;
  }
}

void BpeModel::index_merges(const BpeModelSpec &spec) {
  // Both halves and their concatenation must be tokens: merging produces
  // the concatenation's id.
  for (std::size_t rank = 0; rank < spec.merges.size(); ++rank) {
    const auto &[left, right] = spec.merges[rank];
    const std::string field = "model.merges[" + std::to_string(rank) + "]";
    const auto require = [&](const std::string &token, const char *role) {
      const auto id = find(token);
      if (!id)
        throw TokenizerError(field + ": " + role + " '" + token + "' is not in the vocabulary");
      return *id;
    };
    const int32_t left_id = require(left, "token");
    const int32_t right_id = require(right, "token");
    const int32_t result_id = require(left + right, "merged token");
    merges_[pair_key(left_id, right_id)] = {static_cast<int32_t>(rank), result_id};
  }
}

std::optional<int32_t> BpeModel::find(const std::string &token) const {
  const auto it = ids_.find(token);
  if (it == ids_.end())
    return std::nullopt;
  return it->second;
}

const std::string *BpeModel::token(int64_t id) const {
  if (id < 0 || id >= static_cast<int64_t>(tokens_.size()))
    return nullptr;
  return tokens_[static_cast<std::size_t>(id)];
}

const BpeModel::MergeRule *BpeModel::find_merge(int32_t left, int32_t right) const {
  const auto it = merges_.find(pair_key(left, right));
  return it == merges_.end() ? nullptr : &it->second;
}

std::vector<int32_t> BpeModel::initial_symbols(std::string_view word) const {
  std::vector<int32_t> symbols;
  symbols.reserve(word.size());
  // An unknown character is held back until the next known character (or
  // the end), so fuse_unk can fold a run of them into one; byte-fallback
  // tokens do not flush it -- both as in the reference.
  bool unk_pending = false;
  std::string character;
  for (std::size_t pos = 0; pos < word.size();) {
    const std::size_t length = decode_utf8_char(word, pos).length;
    character.assign(word.substr(pos, length));
    pos += length;
    if (const auto id = find(character)) {
      if (unk_pending)
        symbols.push_back(unk_id_);
      unk_pending = false;
      symbols.push_back(*id);
      continue;
    }
    bool all_bytes_known = true;
    for (char byte : character)
      all_bytes_known = all_bytes_known && byte_fallback_ids_[static_cast<unsigned char>(byte)] >= 0;
    if (all_bytes_known) {
      for (char byte : character)
        symbols.push_back(byte_fallback_ids_[static_cast<unsigned char>(byte)]);
      continue;
    }
    // Without unk_token the reference drops the character silently.
    if (unk_id_ < 0)
      continue;
    if (unk_pending && !fuse_unk_)
      symbols.push_back(unk_id_);
    unk_pending = true;
  }
  if (unk_pending)
    symbols.push_back(unk_id_);
  return symbols;
}

void BpeModel::apply_merges(std::vector<int32_t> &ids) const {
  // Symbols form a linked list over the initial positions; a merge keeps the
  // left symbol (new id) and unlinks the right one, then queues the two pairs
  // the new symbol forms with its neighbours.
  const auto n = static_cast<int32_t>(ids.size());
  std::vector<Symbol> symbols(ids.size());
  std::priority_queue<Candidate> queue;
  const auto consider = [&](int32_t pos) {
    if (pos < 0 || symbols[pos].next < 0)
      return;
    if (const MergeRule *rule = find_merge(symbols[pos].id, symbols[symbols[pos].next].id))
      queue.push({rule->rank, pos});
  };
  for (int32_t i = 0; i < n; ++i)
    symbols[i] = {ids[i], i - 1, i + 1 < n ? i + 1 : -1};
  for (int32_t i = 0; i + 1 < n; ++i)
    consider(i);
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol &left = symbols[top.pos];
    if (left.id < 0 || left.next < 0)
      continue; // merged away, or its right neighbour was
    Symbol &right = symbols[left.next];
    const MergeRule *rule = find_merge(left.id, right.id);
    if (rule == nullptr || rule->rank != top.rank)
      continue; // stale: a neighbour changed since this was queued
    left.id = rule->result;
    right.id = -1;
    left.next = right.next;
    if (right.next >= 0)
      symbols[right.next].prev = top.pos;
    consider(left.prev);
    consider(top.pos);
  }
  ids.clear();
  // Symbol 0 is never merged away (merges keep the left position).
  for (int32_t pos = n > 0 ? 0 : -1; pos >= 0; pos = symbols[pos].next)
    ids.push_back(symbols[pos].id);
}

void BpeModel::encode_word(std::string_view word, std::vector<int32_t> &ids) const {
  if (ignore_merges_) {
    if (const auto id = find(std::string(word))) {
      ids.push_back(*id);
      return;
    }
  }
  std::vector<int32_t> symbols = initial_symbols(word);
  apply_merges(symbols);
  ids.insert(ids.end(), symbols.begin(), symbols.end());
}

} // namespace fgrt::tokenizer::detail
