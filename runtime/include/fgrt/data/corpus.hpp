//===- corpus.hpp - Reading text corpora and splitting them -*- C++ -*-===//
//
// The first stage of the data pipeline: text files become a list of
// documents (std::string, UTF-8 as stored), which a tokenizer's encode
// function later turns into token ids for packing.
//
//   plain text   TextSplit::kWholeFile    the file is one document
//                TextSplit::kBlankLines   paragraphs: runs of non-blank lines,
//                                         separated by blank lines
//                TextSplit::kLines        one document per non-blank line
//   JSON Lines   one JSON object per line; the document is a string field
//                ("text" by default), as in the TinyStories and HF exports
//
// HF `datasets` and its Arrow cache are Python-only, so these two formats
// are what a C++ training program reads directly. Errors name the file and,
// for JSON Lines, the 1-based line, because a corpus of a million lines is
// not debugged any other way.
//
// split_train_eval() holds out an eval set reproducibly: which documents go
// to eval depends only on the corpus size and the options (seed included),
// with the size rounded up from a fraction as in HF's train_test_split.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <c10/util/Optional.h>
#include <torch/arg.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fgrt::data {

/// How a plain-text file is cut into documents.
enum class TextSplit {
  /// The whole file is one document (none if it is blank).
  kWholeFile,
  /// Runs of non-blank lines are documents; blank (whitespace-only) lines
  /// separate them. Lines inside a document are joined with "\n".
  kBlankLines,
  /// Every non-blank line is a document (its line ending removed).
  kLines,
};

/// Cuts `text` into documents as `split` says. Line endings may be "\n" or
/// "\r\n"; blank documents are never returned.
std::vector<std::string> split_text(const std::string &text, TextSplit split);

/// Reads the plain-text file `path` and cuts it with split_text(). Throws
/// std::runtime_error naming the file when it cannot be read.
std::vector<std::string> read_text_corpus(const std::string &path, TextSplit split);

/// Reads the JSON Lines file `path`: every non-blank line must be a JSON
/// object whose member `field` is a string, which becomes one document.
/// Throws std::runtime_error "path:line: ..." for a line that is not valid
/// JSON, not an object, lacks `field`, or holds a non-string there.
std::vector<std::string> read_jsonl_corpus(const std::string &path, const std::string &field = "text");

/// Options of split_train_eval().
struct TrainEvalSplitOptions {
  /// Fraction of the items held out for evaluation, in [0, 1]; the count is
  /// rounded up (HF train_test_split). Ignored when eval_count is set.
  TORCH_ARG(double, eval_fraction) = 0.1;
  /// Exact number of items held out; overrides eval_fraction.
  TORCH_ARG(c10::optional<int64_t>, eval_count) = c10::nullopt;
  /// Choose the eval items at random with `seed`; otherwise the last ones.
  TORCH_ARG(bool, shuffle) = true;
  /// Seed of the random choice (SplitMix64, the same on every platform).
  TORCH_ARG(uint64_t, seed) = 42;
};

/// Indices into a corpus of `size` items: which go to training and which to
/// evaluation. Both lists are ascending, so each split keeps corpus order.
struct SplitIndices {
  /// Items used for training.
  std::vector<size_t> train;
  /// Items held out for evaluation.
  std::vector<size_t> eval;
};

/// The train/eval partition of `size` items that `options` determines.
/// Throws std::runtime_error for a fraction outside [0, 1] or a count that
/// is negative or larger than `size`.
SplitIndices train_eval_indices(size_t size, const TrainEvalSplitOptions &options = {});

/// The items of a corpus divided by split_train_eval().
template <typename T> struct TrainEvalSplit {
  /// Items used for training, in corpus order.
  std::vector<T> train;
  /// Items held out for evaluation, in corpus order.
  std::vector<T> eval;
};

/// Divides `items` (documents or tokenized documents) by train_eval_indices().
template <typename T>
TrainEvalSplit<T> split_train_eval(const std::vector<T> &items, const TrainEvalSplitOptions &options = {}) {
  const SplitIndices indices = train_eval_indices(items.size(), options);
  TrainEvalSplit<T> split;
  split.train.reserve(indices.train.size());
  split.eval.reserve(indices.eval.size());
  for (size_t i : indices.train)
    split.train.push_back(items[i]);
  for (size_t i : indices.eval)
    split.eval.push_back(items[i]);
  return split;
}

} // namespace fgrt::data
