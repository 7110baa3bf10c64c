//===- collator.cpp - Batching examples for causal LM training ------------===//
#include "fgrt/data/collator.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace fgrt::data {

namespace {

[[noreturn]] void fail_collator(const std::string &what) { throw std::runtime_error("DataCollatorForCausalLM: " + what); }

/// Throws unless `starts` are strictly ascending offsets into a block of
/// `size` tokens (example number `index` of the batch).
void check_document_starts(const std::vector<int64_t> &starts, size_t size, size_t index) {
  for (size_t i = 0; i < starts.size(); ++i) {
    const bool in_block = starts[i] >= 0 && static_cast<size_t>(starts[i]) < std::max<size_t>(size, 1);
    const bool ascending = i == 0 || starts[i] > starts[i - 1];
    if (!in_block || !ascending)
      fail_collator("example " + std::to_string(index) + ": document_starts must be ascending offsets below its " +
           std::to_string(size) + " tokens, entry " + std::to_string(i) + " is " + std::to_string(starts[i]));
  }
}

/// The entries of `starts` that fall inside the first `length` tokens.
std::vector<int64_t> starts_within(const std::vector<int64_t> &starts, int64_t length) {
  std::vector<int64_t> kept;
  for (int64_t start : starts)
    if (start < length)
      kept.push_back(start);
  return kept;
}

} // namespace

std::vector<int64_t> packed_position_ids(const std::vector<int64_t> &document_starts, int64_t length) {
  std::vector<int64_t> positions(static_cast<size_t>(std::max<int64_t>(length, 0)));
  size_t next_start = 0;
  int64_t segment_begin = 0;
  for (int64_t t = 0; t < length; ++t) {
    // Skip starts already passed (a start at 0 is where counting begins
    // anyway) and restart the count at the next one.
    while (next_start < document_starts.size() && document_starts[next_start] <= t) {
      segment_begin = document_starts[next_start];
      ++next_start;
    }
    positions[static_cast<size_t>(t)] = t - segment_begin;
  }
  return positions;
}

DataCollatorForCausalLM::DataCollatorForCausalLM(const CollatorOptions &options) : options_(options) {
  const bool needs_length = options.padding() == Padding::kMaxLength || options.truncation();
  const c10::optional<int64_t> max_length = options.max_length();
  if (max_length.has_value() && *max_length < 1)
    fail_collator("max_length must be >= 1, got " + std::to_string(*max_length));
  if (needs_length && !max_length.has_value())
    fail_collator("padding to max_length and truncation need max_length to be set");
}

int64_t DataCollatorForCausalLM::kept_length(const Example &example) const {
  const auto length = static_cast<int64_t>(example.input_ids.size());
  return options_.truncation() ? std::min(length, *options_.max_length()) : length;
}

int64_t DataCollatorForCausalLM::padded_length(const std::vector<Example> &examples) const {
  int64_t longest = 0;
  for (const Example &example : examples)
    longest = std::max(longest, kept_length(example));
  if (options_.padding() == Padding::kLongest)
    return longest;
  const int64_t fixed = *options_.max_length();
  if (longest > fixed)
    fail_collator("an example of " + std::to_string(longest) + " tokens is longer than max_length " + std::to_string(fixed) +
         " (enable truncation to cut it)");
  return fixed;
}

Batch DataCollatorForCausalLM::operator()(const std::vector<Example> &examples) const {
  if (examples.empty())
    fail_collator("cannot collate an empty list of examples");
  const auto batch_size = static_cast<int64_t>(examples.size());
  const int64_t length = padded_length(examples);
  const auto long_options = torch::TensorOptions().dtype(torch::kLong);

  Batch batch;
  batch.input_ids = torch::full({batch_size, length}, pad_id(), long_options);
  torch::Tensor mask = torch::zeros({batch_size, length}, long_options);
  torch::Tensor positions = torch::zeros({batch_size, length}, long_options);
  for (int64_t row = 0; row < batch_size; ++row) {
    const Example &example = examples[static_cast<size_t>(row)];
    const int64_t kept = kept_length(example);
    std::copy_n(example.input_ids.begin(), kept, batch.input_ids.data_ptr<int64_t>() + row * length);
    std::fill_n(mask.data_ptr<int64_t>() + row * length, kept, int64_t{1});
    if (!options_.packed_sequences())
      continue;
    check_document_starts(example.document_starts, example.input_ids.size(), static_cast<size_t>(row));
    const std::vector<int64_t> row_positions =
        packed_position_ids(starts_within(example.document_starts, kept), length);
    std::copy(row_positions.begin(), row_positions.end(), positions.data_ptr<int64_t>() + row * length);
  }
  // By value, as HF and Forgather do: every pad-id token is ignored.
  batch.labels = torch::where(batch.input_ids == pad_id(), torch::full_like(batch.input_ids, options_.ignore_index()),
                              batch.input_ids);
  if (options_.packed_sequences())
    batch.position_ids = positions;
  if (options_.return_attention_mask())
    batch.attention_mask = mask;
  return batch;
}

} // namespace fgrt::data
