//===- dataset.hpp - From a corpus to resumable batch streams ----*- C++ -*-===//
//
// The data half of a training run, as one options object a config sets:
//
//   corpus  --split-->  documents  --train/eval split-->  tokenizer (loaded,
//   or trained on the training documents and kept in <output_dir>/tokenizer)
//   --encode + pack-->  blocks of max_length  --collate-->  batches
//
// The corpus is the embedded synthetic stories ("synthetic"), a text file
// (documents separated as `text_split` says) or a JSONL file (`text_field`).
// The split, the tokenizer and the packing are deterministic functions of the
// options, so a resumed run sees the same blocks in the same order.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>

namespace fgrt::tokenizer {
class Tokenizer;
}

namespace fgrt::train {

class BatchStream;
struct TrainingArguments;

/// Where the training text comes from and how it becomes batches.
struct DatasetOptions {
  /// "synthetic" (the embedded stories), or a path to a .txt or .jsonl file.
  TORCH_ARG(std::string, corpus) = "synthetic";
  /// Number of synthetic stories to generate.
  TORCH_ARG(int64_t, synthetic_stories) = 10000;
  /// How a text file splits into documents: "blank_lines", "lines" or "whole".
  TORCH_ARG(std::string, text_split) = "blank_lines";
  /// The JSONL field that holds each document's text.
  TORCH_ARG(std::string, text_field) = "text";
  /// A tokenizer.json to use; empty: train a byte-level BPE tokenizer on the
  /// training documents (once; kept in <output_dir>/tokenizer).
  TORCH_ARG(std::string, tokenizer) = "";
  /// Vocabulary size of a trained tokenizer (special tokens included).
  TORCH_ARG(int64_t, vocab_size) = 2000;
  /// Tokens per training sequence.
  TORCH_ARG(int64_t, max_length) = 256;
  /// "greedy", "best_fit", "first_fit", or "none" (one padded document per
  /// sequence).
  TORCH_ARG(std::string, packing) = "greedy";
  /// Fraction of the documents held out for evaluation.
  TORCH_ARG(double, eval_fraction) = 0.02;
  /// Seed of the train/eval split and of the per-epoch shuffle.
  TORCH_ARG(int64_t, seed) = 42;
};

/// The streams a trainer consumes, and what was learned on the way.
struct PreparedData {
  std::shared_ptr<BatchStream> train;
  std::shared_ptr<BatchStream> eval; ///< null when eval_fraction is 0
  int64_t vocab_size = 0;            ///< of the tokenizer
  int64_t train_documents = 0, eval_documents = 0;
  int64_t train_tokens = 0; ///< tokens in the training blocks
  std::string tokenizer_dir; ///< where the tokenizer was saved or read
  /// The tokenizer itself (text generation during training uses it).
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer;
};

/// Builds the training and eval streams (batch sizes from `args`). With
/// `whole_batches`, both streams drop an epoch's short last batch: a
/// pipeline splits every batch into its microbatches, and the reference
/// forces dataloader_drop_last there. Throws std::runtime_error naming the
/// file or option on bad input.
PreparedData prepare_data(const DatasetOptions &options, const TrainingArguments &args, bool whole_batches = false);

/// A stream of uniformly random token ids with every label kept, for
/// throughput measurements (`--benchmark`).
std::shared_ptr<BatchStream> random_token_stream(int64_t vocab_size, int64_t batch_size, int64_t length,
                                                 uint64_t seed);

} // namespace fgrt::train
