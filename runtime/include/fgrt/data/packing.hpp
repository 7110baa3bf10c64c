//===- packing.hpp - Packing tokenized documents into blocks -*- C++ -*-===//
//
// Causal-LM training wants examples of a fixed maximum length. Documents
// rarely have it: padding each one to the longest wastes compute on pad
// tokens, so several documents are packed into one block instead, and
// `document_starts` records where each begins, so that the collator can
// restart position ids there (and a model can mask across documents).
// This follows the semantics of Forgather's block_tokenize_fn.
//
// Every document first becomes  [BOS] tokens [EOS]  (add_bos, add_eos);
// empty documents and, with max_len, documents of more than max_len tokens
// (counted before BOS/EOS) are skipped. Then, by strategy:
//
//   kGreedy    sequential fill: documents go into the current block in corpus
//              order; with overflow the rest of a document that does not fit
//              continues in the next block, else the document is truncated
//              to max_length and starts a new block when it does not fit
//              into the current one (next fit)
//   kBestFit   bin packing after sorting by descending length: each piece
//              goes into the open block with the least room that holds it
//   kFirstFit  the same, into the first (oldest) block that holds it
//
// For the bin-packing strategies a document longer than max_length is first
// split into pieces of max_length (overflow) or truncated to one. A piece
// that continues a document (in any strategy) starts with a continuation
// prefix: BOS (when add_bos and bos_on_continuation) and the last `stride`
// tokens before the cut, so the model sees some context again.
//
//   packed = false   no packing: each document is an example of its own
//                    (split or truncated by `overflow`), for padded batches
//
// Blocks shorter than min_len are dropped; shuffle_output reorders the
// result with a seeded permutation (bin packing leaves it sorted by size).
// Unlike the Python original, greedy packing without overflow still packs
// (the original closes the block after every document), and the stride
// overlap repeats tokens of the continued document only.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <c10/util/Optional.h>
#include <torch/arg.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fgrt::data {

/// One training example: a block of token ids and where its documents
/// begin.
struct Example {
  /// The token ids of the block (at most the packing max_length).
  std::vector<int64_t> input_ids;
  /// Ascending offsets into input_ids where a document, or the continuation
  /// of one, begins; the first is 0 for a non-empty block.
  std::vector<int64_t> document_starts;
};

/// A tokenizer's encode function: text to token ids, without special tokens.
using EncodeFn = std::function<std::vector<int64_t>(const std::string &)>;

/// How documents are assigned to blocks.
enum class PackingStrategy {
  /// Sequential fill in corpus order, carrying overflow into the next block.
  kGreedy,
  /// Best-fit decreasing bin packing (tightest block that still fits).
  kBestFit,
  /// First-fit decreasing bin packing (oldest block that still fits).
  kFirstFit,
};

/// Options of BlockPacker (Forgather's block_tokenize_fn arguments).
struct PackOptions {
  /// The most tokens a block holds.
  TORCH_ARG(int64_t, max_length) = 512;
  /// Put several documents into one block; without it each document is its
  /// own example (padded later by the collator).
  TORCH_ARG(bool, packed) = true;
  /// How documents are assigned to blocks when `packed`.
  TORCH_ARG(PackingStrategy, strategy) = PackingStrategy::kGreedy;
  /// A document longer than the room it gets continues in another block;
  /// without overflow it is truncated and the rest dropped.
  TORCH_ARG(bool, overflow) = true;
  /// Tokens of a document repeated at the start of the block that continues
  /// it, as context for its first predictions.
  TORCH_ARG(int64_t, stride) = 0;
  /// Blocks with fewer tokens than this are dropped.
  TORCH_ARG(int64_t, min_len) = 1;
  /// Documents with more tokens than this (before BOS/EOS) are skipped.
  TORCH_ARG(c10::optional<int64_t>, max_len) = c10::nullopt;
  /// Prepend bos_token_id to every document.
  TORCH_ARG(bool, add_bos) = true;
  /// The BOS id (0 in the project's BPE tokenizers).
  TORCH_ARG(int64_t, bos_token_id) = 0;
  /// Append eos_token_id to every document.
  TORCH_ARG(bool, add_eos) = true;
  /// The EOS id (2 in the project's BPE tokenizers).
  TORCH_ARG(int64_t, eos_token_id) = 2;
  /// With add_bos, also start each continuation of a split document with BOS.
  TORCH_ARG(bool, bos_on_continuation) = true;
  /// Shuffle the output blocks with `seed`.
  TORCH_ARG(bool, shuffle_output) = false;
  /// Seed of shuffle_output (SplitMix64, the same on every platform).
  TORCH_ARG(uint64_t, seed) = 42;
};

/// Packs tokenized documents into blocks as PackOptions describes.
class BlockPacker {
public:
  /// Checks the options; throws std::runtime_error naming a bad one (a
  /// non-positive max_length, a stride that leaves no room in a
  /// continuation block, min_len above max_length, ...).
  explicit BlockPacker(const PackOptions &options = {});

  /// The blocks of `documents` (token ids without special tokens).
  std::vector<Example> pack(const std::vector<std::vector<int64_t>> &documents) const;

  /// Encodes `texts` with `encode`, then packs them.
  std::vector<Example> pack_texts(const std::vector<std::string> &texts, const EncodeFn &encode) const;

  /// The options this packer was built with.
  const PackOptions &options() const { return options_; }

private:
  PackOptions options_;
};

/// Encodes every text with `encode` (one document per text).
std::vector<std::vector<int64_t>> encode_documents(const std::vector<std::string> &texts, const EncodeFn &encode);

/// The fraction of token slots that hold real tokens when every example is
/// padded to `block_length`: sum of lengths / (count * block_length).
double packing_utilisation(const std::vector<Example> &examples, int64_t block_length);

} // namespace fgrt::data
