//===- packing.cpp - Packing tokenized documents into blocks --------------===//
#include "fgrt/data/packing.hpp"

#include "fgrt/data/random.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <utility>

namespace fgrt::data {

namespace {

using Tokens = std::vector<int64_t>;

void check_option(bool ok, const std::string &what) {
  if (!ok)
    throw std::runtime_error("PackOptions: " + what);
}

/// The documents that pass the filters, with BOS and EOS added.
std::vector<Tokens> prepared_documents(const std::vector<Tokens> &documents, const PackOptions &options) {
  std::vector<Tokens> prepared;
  prepared.reserve(documents.size());
  for (const Tokens &doc : documents) {
    // An empty document would only contribute a lone BOS/EOS pair.
    const bool too_long = options.max_len().has_value() && static_cast<int64_t>(doc.size()) > *options.max_len();
    if (doc.empty() || too_long)
      continue;
    Tokens tokens;
    tokens.reserve(doc.size() + 2);
    if (options.add_bos())
      tokens.push_back(options.bos_token_id());
    tokens.insert(tokens.end(), doc.begin(), doc.end());
    if (options.add_eos())
      tokens.push_back(options.eos_token_id());
    prepared.push_back(std::move(tokens));
  }
  return prepared;
}

/// Appends doc[begin, end) to `out`.
void append_range(Tokens &out, const Tokens &doc, size_t begin, size_t end) {
  out.insert(out.end(), doc.begin() + static_cast<std::ptrdiff_t>(begin),
             doc.begin() + static_cast<std::ptrdiff_t>(end));
}

/// What a block that continues `doc` at token `cut` starts with: BOS and
/// up to `stride` tokens from before the cut.
Tokens continuation_prefix(const Tokens &doc, size_t cut, const PackOptions &options) {
  Tokens prefix;
  if (options.add_bos() && options.bos_on_continuation())
    prefix.push_back(options.bos_token_id());
  const size_t overlap = std::min(cut, static_cast<size_t>(options.stride()));
  append_range(prefix, doc, cut - overlap, cut);
  return prefix;
}

/// `doc` cut to blocks of at most max_length tokens: split into pieces
/// with continuation prefixes (overflow) or truncated to its first piece.
std::vector<Tokens> pieces_of(const Tokens &doc, const PackOptions &options) {
  const auto max_length = static_cast<size_t>(options.max_length());
  size_t cut = std::min(max_length, doc.size());
  std::vector<Tokens> pieces(1);
  append_range(pieces[0], doc, 0, cut);
  while (options.overflow() && cut < doc.size()) {
    Tokens piece = continuation_prefix(doc, cut, options);
    // The options check guarantees room for at least one new token.
    const size_t take = std::min(max_length - piece.size(), doc.size() - cut);
    append_range(piece, doc, cut, cut + take);
    pieces.push_back(std::move(piece));
    cut += take;
  }
  return pieces;
}

/// Appends `piece` to `block` as a new document.
void append_document(Example &block, const Tokens &piece) {
  block.document_starts.push_back(static_cast<int64_t>(block.input_ids.size()));
  block.input_ids.insert(block.input_ids.end(), piece.begin(), piece.end());
}

/// Sequential packing: fills one block at a time in document order.
class GreedyFiller {
public:
  explicit GreedyFiller(const PackOptions &options) : options_(options) {}

  void add(const Tokens &doc) {
    if (options_.overflow())
      add_overflowing(doc);
    else
      add_truncated(doc);
  }

  std::vector<Example> finish() {
    emit();
    return std::move(blocks_);
  }

private:
  size_t room() const { return static_cast<size_t>(options_.max_length()) - current_.input_ids.size(); }

  void emit() {
    if (!current_.input_ids.empty())
      blocks_.push_back(std::move(current_));
    current_ = Example();
  }

  /// Fills the current block and carries the rest of `doc` into new ones.
  void add_overflowing(const Tokens &doc) {
    size_t cut = 0;
    while (cut < doc.size()) {
      if (room() == 0) {
        emit();
        if (cut > 0) // a continuation: the new block restarts positions at 0
          append_document(current_, continuation_prefix(doc, cut, options_));
      }
      if (cut == 0)
        current_.document_starts.push_back(static_cast<int64_t>(current_.input_ids.size()));
      const size_t take = std::min(room(), doc.size() - cut);
      append_range(current_.input_ids, doc, cut, cut + take);
      cut += take;
    }
  }

  /// Next fit: the truncated document goes into the current block if it
  /// fits there, else into a new one.
  void add_truncated(const Tokens &doc) {
    const Tokens piece = pieces_of(doc, options_).front();
    if (piece.size() > room())
      emit();
    append_document(current_, piece);
  }

  const PackOptions &options_;
  Example current_;
  std::vector<Example> blocks_;
};

/// Best fit: the open block with the least room that still holds a piece
/// (the oldest one among equals), in O(log blocks).
class BestFitIndex {
public:
  explicit BestFitIndex(size_t /*capacity*/) {}

  c10::optional<size_t> find(int64_t length) const {
    auto it = by_room_.lower_bound({length, 0});
    return it == by_room_.end() ? c10::nullopt : c10::optional<size_t>(it->second);
  }

  void set_room(size_t block, int64_t room) {
    if (block >= rooms_.size())
      rooms_.resize(block + 1, 0);
    by_room_.erase({rooms_[block], block});
    rooms_[block] = room;
    if (room > 0)
      by_room_.insert({room, block});
  }

private:
  std::set<std::pair<int64_t, size_t>> by_room_;
  std::vector<int64_t> rooms_;
};

/// First fit: the oldest block whose room holds a piece, found by descending
/// a max-tree over the blocks' rooms in O(log blocks).
class FirstFitIndex {
public:
  explicit FirstFitIndex(size_t capacity) {
    while (leaves_ < capacity)
      leaves_ *= 2;
    max_room_.assign(2 * leaves_, 0);
  }

  c10::optional<size_t> find(int64_t length) const {
    if (max_room_[1] < length)
      return c10::nullopt;
    size_t node = 1;
    while (node < leaves_)
      node = max_room_[2 * node] >= length ? 2 * node : 2 * node + 1;
    return node - leaves_;
  }

  void set_room(size_t block, int64_t room) {
    size_t node = leaves_ + block;
    max_room_[node] = room;
    for (node /= 2; node >= 1; node /= 2)
      max_room_[node] = std::max(max_room_[2 * node], max_room_[2 * node + 1]);
  }

private:
  size_t leaves_ = 1;
  std::vector<int64_t> max_room_;
};

/// Decreasing bin packing of the pieces of `docs` with the block choice of
/// `Index`.
template <typename Index> std::vector<Example> bin_pack(const std::vector<Tokens> &docs, const PackOptions &options) {
  std::vector<Tokens> pieces;
  for (const Tokens &doc : docs)
    for (Tokens &piece : pieces_of(doc, options))
      pieces.push_back(std::move(piece));
  // Stable, so that equally long pieces keep corpus order and the result
  // does not depend on the sort implementation.
  std::stable_sort(pieces.begin(), pieces.end(), [](const Tokens &a, const Tokens &b) { return a.size() > b.size(); });

  Index index(pieces.size());
  std::vector<Example> blocks;
  for (const Tokens &piece : pieces) {
    c10::optional<size_t> block = index.find(static_cast<int64_t>(piece.size()));
    if (!block.has_value()) {
      block = blocks.size();
      blocks.emplace_back();
    }
    append_document(blocks[*block], piece);
    index.set_room(*block, options.max_length() - static_cast<int64_t>(blocks[*block].input_ids.size()));
  }
  return blocks;
}

/// No packing: every piece of every document is an example of its own.
std::vector<Example> unpacked(const std::vector<Tokens> &docs, const PackOptions &options) {
  std::vector<Example> examples;
  for (const Tokens &doc : docs)
    for (Tokens &piece : pieces_of(doc, options))
      examples.push_back(Example{std::move(piece), {0}});
  return examples;
}

std::vector<Example> greedy_pack(const std::vector<Tokens> &docs, const PackOptions &options) {
  GreedyFiller filler(options);
  for (const Tokens &doc : docs)
    filler.add(doc);
  return filler.finish();
}

std::vector<Example> assign_to_blocks(const std::vector<Tokens> &docs, const PackOptions &options) {
  if (!options.packed())
    return unpacked(docs, options);
  switch (options.strategy()) {
  case PackingStrategy::kGreedy:
    return greedy_pack(docs, options);
  case PackingStrategy::kBestFit:
    return bin_pack<BestFitIndex>(docs, options);
  case PackingStrategy::kFirstFit:
    return bin_pack<FirstFitIndex>(docs, options);
  }
  throw std::runtime_error("PackOptions: unknown strategy " + std::to_string(static_cast<int>(options.strategy())));
}

} // namespace

BlockPacker::BlockPacker(const PackOptions &options) : options_(options) {
  const int64_t max_length = options.max_length();
  check_option(max_length >= 1, "max_length must be >= 1, got " + std::to_string(max_length));
  check_option(options.stride() >= 0, "stride must be >= 0, got " + std::to_string(options.stride()));
  check_option(options.min_len() >= 1 && options.min_len() <= max_length,
               "min_len must be in [1, max_length = " + std::to_string(max_length) + "], got " +
                   std::to_string(options.min_len()));
  check_option(!options.max_len().has_value() || *options.max_len() >= 0,
               "max_len must be >= 0 when set, got " + std::to_string(options.max_len().value_or(0)));
  // A continuation block must have room for at least one new token after
  // its prefix, or splitting a document would never end.
  const int64_t prefix = options.stride() + (options.add_bos() && options.bos_on_continuation() ? 1 : 0);
  check_option(!options.overflow() || prefix < max_length,
               "stride " + std::to_string(options.stride()) + " (plus BOS) leaves no room in a continuation block of " +
                   std::to_string(max_length) + " tokens");
}

std::vector<Example> BlockPacker::pack(const std::vector<std::vector<int64_t>> &documents) const {
  std::vector<Example> blocks = assign_to_blocks(prepared_documents(documents, options_), options_);
  blocks.erase(std::remove_if(blocks.begin(), blocks.end(),
                              [&](const Example &block) {
                                return static_cast<int64_t>(block.input_ids.size()) < options_.min_len();
                              }),
               blocks.end());
  if (options_.shuffle_output())
    seeded_shuffle(blocks, options_.seed());
  return blocks;
}

std::vector<Example> BlockPacker::pack_texts(const std::vector<std::string> &texts, const EncodeFn &encode) const {
  return pack(encode_documents(texts, encode));
}

std::vector<std::vector<int64_t>> encode_documents(const std::vector<std::string> &texts, const EncodeFn &encode) {
  if (!encode)
    throw std::runtime_error("encode_documents: no encode function given");
  std::vector<std::vector<int64_t>> documents;
  documents.reserve(texts.size());
  for (const std::string &text : texts)
    documents.push_back(encode(text));
  return documents;
}

double packing_utilisation(const std::vector<Example> &examples, int64_t block_length) {
  if (examples.empty() || block_length <= 0)
    return 0.0;
  double tokens = 0.0;
  for (const Example &example : examples)
    tokens += static_cast<double>(example.input_ids.size());
  return tokens / (static_cast<double>(examples.size()) * static_cast<double>(block_length));
}

} // namespace fgrt::data
