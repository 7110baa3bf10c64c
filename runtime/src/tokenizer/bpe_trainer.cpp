//===- bpe_trainer.cpp - Train a byte-level BPE tokenizer -*- C++ -*-===//
//
// See bpe_trainer.hpp for the algorithm. Data structures:
//
//   words_        each distinct pre-tokenized word as token ids, with its count
//   pair_counts_  pair -> sum over words of count * occurrences
//   pair_words_   pair -> indices of words that contained it when it was
//                 created (may list words that lost it since; merging such a
//                 word is a no-op, so the list never needs pruning)
//   queue_        max-heap of (count, pair) snapshots; an entry whose count
//                 no longer matches pair_counts_ is stale and is re-queued
//                 with the current count when popped
//
// Counts only grow for pairs containing the token just created, and those
// are queued at once, so the lazy heap always yields the true best pair.
//
// Rewriting a word replaces each occurrence of (a, b), left to right, by the
// new token n, adjusting only the pairs around it: (prev, a) -> (prev, n)
// and (b, next) -> (n, next), where prev is the already-rewritten symbol on
// the left -- the same bookkeeping as the reference, so overlapping runs
// like "aaaa" count correctly.
//
//===----------------------------------------------------------------------===//
#include "fgrt/tokenizer/bpe_trainer.hpp"

#include "bpe_model.hpp"
#include "byte_level.hpp"
#include "pre_tokenizer.hpp"
#include "unicode.hpp"

#include <algorithm>
#include <queue>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace fgrt::tokenizer {
namespace {

/// Throws "BpeTrainerOptions.<option>: <problem>".
[[noreturn]] void fail_option(const char *option, const std::string &problem) {
  throw TokenizerError(std::string("BpeTrainerOptions.") + option + ": " + problem);
}

/// Checks every option before any work, so a typo fails fast.
void validate_options(const BpeTrainerOptions &options) {
  if (options.vocab_size() < 1)
    fail_option("vocab_size", "must be at least 1, got " + std::to_string(options.vocab_size()));
  if (options.min_frequency() < 0)
    fail_option("min_frequency", "must not be negative, got " + std::to_string(options.min_frequency()));
  if (options.model_max_length() < 1)
    fail_option("model_max_length", "must be positive, got " + std::to_string(options.model_max_length()));
  std::unordered_set<std::string> seen;
  for (const std::string &token : options.special_tokens()) {
    if (token.empty())
      fail_option("special_tokens", "an entry is empty");
    if (detail::find_invalid_utf8(token) != std::string::npos)
      fail_option("special_tokens", "'" + token + "' is not valid UTF-8");
    if (!seen.insert(token).second)
      fail_option("special_tokens", "'" + token + "' is listed twice");
  }
  const std::pair<const char *, std::string> roles[] = {{"bos_token", options.bos_token()},
                                                        {"pad_token", options.pad_token()},
                                                        {"eos_token", options.eos_token()},
                                                        {"unk_token", options.unk_token()}};
  for (const auto &[option, token] : roles)
    if (!token.empty() && !seen.count(token))
      fail_option(option, "'" + token + "' is not one of special_tokens");
  if (options.add_bos() && options.bos_token().empty())
    fail_option("add_bos", "needs a bos_token");
}

/// An option's role token, where "" means no such role.
std::optional<std::string> optional_role(const std::string &token) {
  return token.empty() ? std::nullopt : std::optional<std::string>(token);
}

/// "BOS $A" (and "BOS $A $B:1" for pairs, as the reference derives it).
PostProcessorSpec bos_template(const std::string &bos_token, int64_t bos_id) {
  using Kind = TemplatePieceSpec::Kind;
  PostProcessorSpec spec;
  spec.kind = PostProcessorSpec::Kind::Template;
  const TemplatePieceSpec bos{Kind::SpecialToken, bos_token, 0};
  spec.templ.single = {bos, {Kind::SequenceA, "", 0}};
  spec.templ.pair = {bos, {Kind::SequenceA, "", 0}, {Kind::SequenceB, "", 1}};
  spec.templ.special_tokens = {{bos_token, {bos_id}, {bos_token}}};
  return spec;
}

/// Everything but the learned vocab and merges. Special tokens get ids
/// 0..k-1 because the trainer puts them first.
TokenizerDefinition definition_skeleton(const BpeTrainerOptions &options) {
  TokenizerDefinition definition;
  const std::vector<std::string> &specials = options.special_tokens();
  for (std::size_t id = 0; id < specials.size(); ++id)
    definition.added_tokens.push_back({static_cast<int64_t>(id), specials[id], false, false, false, false, true});
  definition.nfc_normalizer = options.nfc();
  PreTokenizerSpec byte_level;
  byte_level.byte_level.add_prefix_space = options.add_prefix_space();
  definition.pre_tokenizer = {byte_level};
  if (options.add_bos()) {
    const auto bos = std::find(specials.begin(), specials.end(), options.bos_token());
    definition.post_processor = {bos_template(options.bos_token(), bos - specials.begin())};
  }
  definition.decoder = ByteLevelSpec{true, true, true};
  definition.model.unk_token = optional_role(options.unk_token());
  definition.model.byte_fallback = options.byte_fallback();
  return definition;
}

/// The mutable state of one training run.
class BpeTraining {
public:
  /// Vocab = special tokens, then the alphabet; words split into characters.
  BpeTraining(const BpeTrainerOptions &options, const std::unordered_map<std::string, int64_t> &word_counts);
  /// Runs merges until the vocab is full or no pair qualifies.
  void run();
  /// Fills vocab and merges of `model`.
  void export_to(BpeModelSpec &model) const;

private:
  /// A distinct word as current token ids, and how often it occurred.
  struct Word {
    std::vector<int32_t> symbols;
    int64_t count;
  };
  /// A (count, pair) snapshot in the queue.
  struct QueueEntry {
    int64_t count;
    uint64_t pair;
    /// Highest count first; on equal counts the smallest (left, right) ids.
    bool operator<(const QueueEntry &other) const {
      return count != other.count ? count < other.count : pair > other.pair;
    }
  };

  /// Id of `token`, adding it to the vocab if new.
  int32_t intern(const std::string &token);
  /// Adds the initial alphabet in code point order.
  void add_alphabet(const std::unordered_map<std::string, int64_t> &word_counts);
  /// Counts all adjacent pairs and queues them.
  void count_initial_pairs();
  /// Changes a pair's count by `delta`; a grown pair remembers `word` and is
  /// collected in `grown` for re-queueing.
  void add_to_pair(uint64_t pair, int64_t delta, int32_t word, std::vector<uint64_t> &grown);
  /// Replaces every (left, right) in word `word` by `merged`, updating counts.
  void rewrite_word(int32_t word, int32_t left, int32_t right, int32_t merged, std::vector<uint64_t> &grown);
  /// Records the merge of `pair` and applies it to every word holding it.
  void merge(uint64_t pair);

  const BpeTrainerOptions &options_;
  /// Vocab by id, and ids by token.
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t> ids_;
  /// See the file comment for these four.
  std::vector<Word> words_;
  std::unordered_map<uint64_t, int64_t> pair_counts_;
  std::unordered_map<uint64_t, std::vector<int32_t>> pair_words_;
  std::priority_queue<QueueEntry> queue_;
  /// The learned merges, in order.
  std::vector<std::pair<std::string, std::string>> merges_;
};

BpeTraining::BpeTraining(const BpeTrainerOptions &options, const std::unordered_map<std::string, int64_t> &word_counts)
    : options_(options) {
  for (const std::string &special : options.special_tokens())
    intern(special);
  add_alphabet(word_counts);
  words_.reserve(word_counts.size());
  for (const auto &[text, count] : word_counts) {
    Word word{{}, count};
    for (std::size_t pos = 0; pos < text.size();) {
      const std::size_t length = detail::decode_utf8_char(text, pos).length;
      word.symbols.push_back(ids_.at(text.substr(pos, length)));
      pos += length;
    }
    words_.push_back(std::move(word));
  }
  count_initial_pairs();
}

int32_t BpeTraining::intern(const std::string &token) {
  const auto [it, inserted] = ids_.emplace(token, static_cast<int32_t>(tokens_.size()));
  if (inserted)
    tokens_.push_back(token);
  return it->second;
}

void BpeTraining::add_alphabet(const std::unordered_map<std::string, int64_t> &word_counts) {
  // All 256 byte-level characters, plus any other character the words use
  // (none with a ByteLevel pre-tokenizer), in code point order.
  std::set<char32_t> alphabet;
  const auto collect = [&](const std::string &text) {
    for (std::size_t pos = 0; pos < text.size();) {
      const detail::Utf8Char c = detail::decode_utf8_char(text, pos);
      alphabet.insert(c.code_point);
      pos += c.length;
    }
  };
  for (const std::string &character : detail::byte_level_alphabet())
    collect(character);
  for (const auto &entry : word_counts)
    collect(entry.first);
  for (char32_t code_point : alphabet) {
    std::string character;
    detail::append_utf8(character, code_point);
    intern(character);
  }
}

void BpeTraining::count_initial_pairs() {
  for (int32_t w = 0; w < static_cast<int32_t>(words_.size()); ++w) {
    const Word &word = words_[w];
    for (std::size_t i = 0; i + 1 < word.symbols.size(); ++i) {
      const uint64_t pair = detail::pair_key(word.symbols[i], word.symbols[i + 1]);
      pair_counts_[pair] += word.count;
      std::vector<int32_t> &holders = pair_words_[pair];
      if (holders.empty() || holders.back() != w)
        holders.push_back(w);
    }
  }
  for (const auto &[pair, count] : pair_counts_)
    queue_.push({count, pair});
}

void BpeTraining::add_to_pair(uint64_t pair, int64_t delta, int32_t word, std::vector<uint64_t> &grown) {
  pair_counts_[pair] += delta;
  if (delta <= 0)
    return;
  grown.push_back(pair);
  std::vector<int32_t> &holders = pair_words_[pair];
  if (holders.empty() || holders.back() != word)
    holders.push_back(word);
}

void BpeTraining::rewrite_word(int32_t w, int32_t left, int32_t right, int32_t merged, std::vector<uint64_t> &grown) {
  std::vector<int32_t> &symbols = words_[w].symbols;
  const int64_t count = words_[w].count;
  std::size_t out = 0;
  for (std::size_t i = 0; i < symbols.size();) {
    if (i + 1 >= symbols.size() || symbols[i] != left || symbols[i + 1] != right) {
      symbols[out++] = symbols[i++];
      continue;
    }
    if (out > 0) {
      add_to_pair(detail::pair_key(symbols[out - 1], left), -count, w, grown);
      add_to_pair(detail::pair_key(symbols[out - 1], merged), count, w, grown);
    }
    if (i + 2 < symbols.size()) {
      add_to_pair(detail::pair_key(right, symbols[i + 2]), -count, w, grown);
      add_to_pair(detail::pair_key(merged, symbols[i + 2]), count, w, grown);
    }
    symbols[out++] = merged;
    i += 2;
  }
  symbols.resize(out);
}

void BpeTraining::merge(uint64_t pair) {
  const auto left = static_cast<int32_t>(pair >> 32);
  const auto right = static_cast<int32_t>(pair & 0xFFFFFFFFu);
  merges_.emplace_back(tokens_[left], tokens_[right]);
  const int32_t merged = intern(tokens_[left] + tokens_[right]);
  const std::vector<int32_t> holders = std::move(pair_words_[pair]);
  pair_words_.erase(pair);
  std::vector<uint64_t> grown;
  for (int32_t w : holders)
    rewrite_word(w, left, right, merged, grown);
  // Every occurrence is gone now, whatever the per-site bookkeeping said.
  pair_counts_.erase(pair);
  std::sort(grown.begin(), grown.end());
  grown.erase(std::unique(grown.begin(), grown.end()), grown.end());
  for (uint64_t grown_pair : grown) {
    // A pair can grow and shrink within one merge ("aaaa": (A, a) appears,
    // then becomes (A, A)); only pairs still present are worth queueing, and
    // a zero-count entry would end training early.
    const int64_t count = pair_counts_[grown_pair];
    if (count > 0)
      queue_.push({count, grown_pair});
  }
}

void BpeTraining::run() {
  const auto target = static_cast<std::size_t>(options_.vocab_size());
  while (tokens_.size() < target && !queue_.empty()) {
    const QueueEntry top = queue_.top();
    queue_.pop();
    const auto found = pair_counts_.find(top.pair);
    const int64_t current = found == pair_counts_.end() ? 0 : found->second;
    if (current != top.count) {
      if (current > 0)
        queue_.push({current, top.pair}); // stale snapshot: retry at the true count
      continue;
    }
    if (current < 1 || current < options_.min_frequency())
      break;
    merge(top.pair);
  }
}

void BpeTraining::export_to(BpeModelSpec &model) const {
  for (std::size_t id = 0; id < tokens_.size(); ++id)
    model.vocab.emplace_back(tokens_[id], static_cast<int64_t>(id));
  model.merges = merges_;
}

/// Pre-tokenized words of all documents with their counts.
std::unordered_map<std::string, int64_t> count_words(const std::vector<std::string> &documents,
                                                     const detail::PreTokenizerPipeline &pipeline) {
  std::unordered_map<std::string, int64_t> counts;
  std::vector<std::string> words;
  for (std::size_t i = 0; i < documents.size(); ++i) {
    const std::size_t bad = detail::find_invalid_utf8(documents[i]);
    if (bad != std::string::npos)
      throw TokenizerError("train_bpe: document " + std::to_string(i) + " is not valid UTF-8 (byte offset " +
                           std::to_string(bad) + ")");
    words.clear();
    pipeline.split_words(pipeline.normalize(documents[i]), words);
    for (std::string &word : words)
      ++counts[std::move(word)];
  }
  return counts;
}

} // namespace

Tokenizer train_bpe(const std::vector<std::string> &documents, const BpeTrainerOptions &options) {
  validate_options(options);
  TokenizerDefinition definition = definition_skeleton(options);
  const detail::PreTokenizerPipeline pipeline(definition.nfc_normalizer, definition.pre_tokenizer);
  BpeTraining training(options, count_words(documents, pipeline));
  training.run();
  training.export_to(definition.model);
  TokenizerConfig config{optional_role(options.bos_token()), optional_role(options.eos_token()),
                         optional_role(options.pad_token()), optional_role(options.unk_token()),
                         options.model_max_length()};
  return Tokenizer(std::move(definition), std::move(config));
}

} // namespace fgrt::tokenizer
