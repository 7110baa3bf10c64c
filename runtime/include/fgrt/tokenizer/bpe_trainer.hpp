//===- bpe_trainer.hpp - Train a byte-level BPE tokenizer -*- C++ -*-===//
//
// Learns merges the way the Hugging Face BpeTrainer does, producing the
// tokenizer the reference defines (NFC normalizer, ByteLevel pre-tokenizer
// with the GPT-2 regex, BPE with byte_fallback, ByteLevel decoder and a
// TemplateProcessing post-processor that prepends BOS):
//
//   vocab  = special tokens (ids 0..k-1, in the given order)
//          + the 256 byte-level characters, sorted by code point
//          + one token per merge, in merge order
//   words  = the pre-tokenized words of all documents, with counts (special
//            tokens in documents are not treated specially, as in the
//            reference's training)
//   repeat until |vocab| == vocab_size or no pair is left:
//       take the adjacent pair (a, b) with the highest count over all words
//       (count = sum of word counts, overlapping occurrences included);
//       ties go to the smallest (id(a), id(b)) -- the reference's BpeTrainer
//       compares the pair's ids, not its strings, so for merged tokens the
//       earlier-created token wins;
//       stop if that count < min_frequency;
//       add token a+b and rewrite every word containing the pair.
//
// Pair counts are updated incrementally around each rewritten occurrence and
// the best pair comes from a max-heap with lazy invalidation, so training on
// ~1 MB of text to a 2000-token vocabulary takes well under a second.
//
// One documented divergence: when a merge produces a string that is already
// a token (possible only with unusual alphabets), the reference may record
// the merge again later; here every occurrence is merged at once.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/tokenizer/tokenizer.hpp"

#include <torch/arg.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fgrt::tokenizer {

/// Options of train_bpe(); defaults reproduce the reference's tokenizer
/// definition.
struct BpeTrainerOptions {
  /// Target vocabulary size, special tokens and the 256-character alphabet
  /// included (like the reference's BpeTrainer). Smaller than
  /// |special_tokens| + 256 gives no merges (the alphabet is always kept).
  TORCH_ARG(int64_t, vocab_size) = 2000;
  /// A pair seen fewer times than this is never merged (training stops).
  TORCH_ARG(int64_t, min_frequency) = 0;
  /// Special tokens, given ids 0, 1, ... in this order.
  TORCH_ARG(std::vector<std::string>, special_tokens) = {"<|BOS|>", "<|PAD|>", "<|EOS|>", "<|UNK|>"};
  /// The BOS role (empty: none); must be one of special_tokens.
  TORCH_ARG(std::string, bos_token) = "<|BOS|>";
  /// The PAD role (empty: none); must be one of special_tokens.
  TORCH_ARG(std::string, pad_token) = "<|PAD|>";
  /// The EOS role (empty: none); must be one of special_tokens.
  TORCH_ARG(std::string, eos_token) = "<|EOS|>";
  /// The UNK role and the BPE model's unk_token (empty: none); must be one of
  /// special_tokens.
  TORCH_ARG(std::string, unk_token) = "<|UNK|>";
  /// Prepend BOS when encoding with add_special_tokens (a TemplateProcessing
  /// post-processor "BOS $A"); needs bos_token.
  TORCH_ARG(bool, add_bos) = true;
  /// model_max_length written to tokenizer_config.json.
  TORCH_ARG(int64_t, model_max_length) = 2048;
  /// NFC-normalize text before pre-tokenization (the reference does).
  TORCH_ARG(bool, nfc) = true;
  /// The BPE model's byte_fallback flag (the reference sets it; it never
  /// triggers because every byte-level character is in the vocab).
  TORCH_ARG(bool, byte_fallback) = true;
  /// The ByteLevel pre-tokenizer's add_prefix_space.
  TORCH_ARG(bool, add_prefix_space) = false;
};

/// Trains a byte-level BPE tokenizer on `documents` (each valid UTF-8).
/// Deterministic: the same documents and options give the same tokenizer.
/// Throws TokenizerError naming the option for invalid options and naming
/// the document index for invalid UTF-8.
Tokenizer train_bpe(const std::vector<std::string> &documents, const BpeTrainerOptions &options = {});

} // namespace fgrt::tokenizer
