//===- corpus.cpp - Reading text corpora and splitting them ---------------===//
#include "fgrt/data/corpus.hpp"

#include "fgrt/data/random.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fgrt::data {

namespace {

bool is_blank(const std::string &line) {
  return std::all_of(line.begin(), line.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

/// The lines of `text` without their "\n" or "\r\n" endings.
std::vector<std::string> lines_of(const std::string &text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    lines.push_back(std::move(line));
  }
  return lines;
}

/// Paragraphs: consecutive non-blank lines joined with "\n".
std::vector<std::string> paragraphs_of(const std::string &text) {
  std::vector<std::string> documents;
  std::string current;
  for (const std::string &line : lines_of(text)) {
    if (is_blank(line)) {
      if (!current.empty())
        documents.push_back(std::move(current));
      current.clear();
      continue;
    }
    if (!current.empty())
      current += '\n';
    current += line;
  }
  if (!current.empty())
    documents.push_back(std::move(current));
  return documents;
}

std::vector<std::string> non_blank_lines_of(const std::string &text) {
  std::vector<std::string> lines = lines_of(text);
  lines.erase(std::remove_if(lines.begin(), lines.end(), is_blank), lines.end());
  return lines;
}

std::ifstream open_corpus(const std::string &path) {
  // A directory opens as a stream on Linux and then reads as empty; say
  // what it is instead of returning an empty corpus.
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored))
    throw std::runtime_error("cannot read corpus file '" + path + "': it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot open corpus file '" + path + "': " + std::strerror(errno));
  return in;
}

std::string read_file(const std::string &path) {
  std::ifstream in = open_corpus(path);
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad())
    throw std::runtime_error("cannot read corpus file '" + path + "'");
  return contents.str();
}

/// The document of one JSON Lines record, or an error naming `where`
/// ("file:line").
std::string document_of_record(const std::string &line, const std::string &field, const std::string &where) {
  nlohmann::json record;
  try {
    record = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error &e) {
    throw std::runtime_error(where + ": invalid JSON: " + e.what());
  }
  if (!record.is_object())
    throw std::runtime_error(where + ": expected a JSON object, got " + record.type_name());
  auto value = record.find(field);
  if (value == record.end())
    throw std::runtime_error(where + ": missing field \"" + field + "\"");
  if (!value->is_string())
    throw std::runtime_error(where + ": field \"" + field + "\" must be a string, got " + value->type_name());
  return value->get<std::string>();
}

/// The number of eval items that `options` asks of `size` items.
size_t eval_size(size_t size, const TrainEvalSplitOptions &options) {
  if (options.eval_count().has_value()) {
    const int64_t count = *options.eval_count();
    if (count < 0 || static_cast<uint64_t>(count) > size)
      throw std::runtime_error("train/eval split: eval_count " + std::to_string(count) + " is not in [0, " +
                               std::to_string(size) + "]");
    return static_cast<size_t>(count);
  }
  const double fraction = options.eval_fraction();
  if (!(fraction >= 0.0 && fraction <= 1.0))
    throw std::runtime_error("train/eval split: eval_fraction " + std::to_string(fraction) + " is not in [0, 1]");
  // The tolerance keeps products such as 0.3 * 10 = 3.0000000000000004
  // from rounding up to 4.
  const double wanted = std::ceil(fraction * static_cast<double>(size) - 1e-9);
  return std::min(size, static_cast<size_t>(std::max(0.0, wanted)));
}

} // namespace

std::vector<std::string> split_text(const std::string &text, TextSplit split) {
  switch (split) {
  case TextSplit::kWholeFile:
    return is_blank(text) ? std::vector<std::string>{} : std::vector<std::string>{text};
  case TextSplit::kBlankLines:
    return paragraphs_of(text);
  case TextSplit::kLines:
    return non_blank_lines_of(text);
  }
  throw std::runtime_error("split_text: unknown TextSplit value " + std::to_string(static_cast<int>(split)));
}

std::vector<std::string> read_text_corpus(const std::string &path, TextSplit split) {
  return split_text(read_file(path), split);
}

std::vector<std::string> read_jsonl_corpus(const std::string &path, const std::string &field) {
  std::ifstream in = open_corpus(path);
  std::vector<std::string> documents;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (is_blank(line))
      continue;
    documents.push_back(document_of_record(line, field, path + ":" + std::to_string(number)));
  }
  return documents;
}

SplitIndices train_eval_indices(size_t size, const TrainEvalSplitOptions &options) {
  const size_t num_eval = eval_size(size, options);
  // Without shuffling the eval items are the tail, like a held-out end of
  // the corpus; with it, the first num_eval entries of a seeded permutation.
  std::vector<size_t> order = options.shuffle() ? seeded_permutation(size, options.seed()) : std::vector<size_t>();
  std::vector<bool> is_eval(size, false);
  for (size_t k = 0; k < num_eval; ++k)
    is_eval[options.shuffle() ? order[k] : size - 1 - k] = true;
  SplitIndices split;
  for (size_t i = 0; i < size; ++i)
    (is_eval[i] ? split.eval : split.train).push_back(i);
  return split;
}

} // namespace fgrt::data
