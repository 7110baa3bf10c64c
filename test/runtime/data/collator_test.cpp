// collator_test.cpp - unit tests for DataCollatorForCausalLM.
//
// Every output tensor is compared exactly with one written out by hand:
// padding to the longest and to a fixed length, truncation, labels (pad ->
// -100, by value, so with PAD = EOS the EOS tokens are ignored too),
// position ids that restart at document starts, and the attention mask.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "../error_of.hpp"
#include "fgrt/data/collator.hpp"

namespace {

using namespace fgrt::data;
using fgrt::testing::error_of;
using Rows = std::vector<std::vector<int64_t>>;

/// A [rows, columns] int64 tensor from nested lists.
torch::Tensor tensor(const Rows &rows) {
  std::vector<int64_t> flat;
  for (const auto &row : rows)
    flat.insert(flat.end(), row.begin(), row.end());
  const auto columns = rows.empty() ? 0 : static_cast<int64_t>(rows[0].size());
  return torch::tensor(flat, torch::kLong).reshape({static_cast<int64_t>(rows.size()), columns});
}

void expect_tensor(const torch::Tensor &actual, const Rows &expected) {
  ASSERT_TRUE(actual.defined());
  EXPECT_EQ(actual.scalar_type(), torch::kLong);
  EXPECT_TRUE(torch::equal(actual, tensor(expected))) << actual;
}

/// Two packed blocks: [BOS 5 EOS BOS 6 7 EOS] with documents at 0 and 3,
/// and [BOS 8 EOS].
const std::vector<Example> kPacked = {{{0, 5, 2, 0, 6, 7, 2}, {0, 3}}, {{0, 8, 2}, {0}}};

TEST(DataCollator, PadsToTheLongestWithLabelsAndMask) {
  const DataCollatorForCausalLM collate(CollatorOptions().return_attention_mask(true));
  const Batch batch = collate(kPacked);
  expect_tensor(batch.input_ids, {{0, 5, 2, 0, 6, 7, 2}, {0, 8, 2, 1, 1, 1, 1}});
  expect_tensor(batch.labels, {{0, 5, 2, 0, 6, 7, 2}, {0, 8, 2, -100, -100, -100, -100}});
  expect_tensor(batch.attention_mask, {{1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 0, 0, 0, 0}});
  // Position ids belong to packed data only.
  EXPECT_FALSE(batch.position_ids.defined());
  EXPECT_FALSE(collate(kPacked).position_ids.defined());
  EXPECT_FALSE(DataCollatorForCausalLM()(kPacked).attention_mask.defined());
}

TEST(DataCollator, PositionIdsRestartAtDocumentStarts) {
  const Batch batch = DataCollatorForCausalLM(CollatorOptions().packed_sequences(true))(kPacked);
  // The padding of the second row continues its last document's count.
  expect_tensor(batch.position_ids, {{0, 1, 2, 0, 1, 2, 3}, {0, 1, 2, 3, 4, 5, 6}});
  EXPECT_EQ(packed_position_ids({0, 2, 5}, 7), (std::vector<int64_t>{0, 1, 0, 1, 2, 0, 1}));
  // No recorded start means one document from the beginning.
  EXPECT_EQ(packed_position_ids({}, 3), (std::vector<int64_t>{0, 1, 2}));
}

TEST(DataCollator, PadsToAFixedLength) {
  const CollatorOptions options = CollatorOptions().padding(Padding::kMaxLength).max_length(9).pad_token_id(7);
  const Batch batch = DataCollatorForCausalLM(options)(kPacked);
  // Pad id 7 equals a real token of row 0, and that token is ignored too.
  expect_tensor(batch.input_ids, {{0, 5, 2, 0, 6, 7, 2, 7, 7}, {0, 8, 2, 7, 7, 7, 7, 7, 7}});
  expect_tensor(batch.labels, {{0, 5, 2, 0, 6, -100, 2, -100, -100}, {0, 8, 2, -100, -100, -100, -100, -100, -100}});
}

TEST(DataCollator, WithoutPadIdPadsWithEosAndIgnoresEveryEos) {
  const CollatorOptions options = CollatorOptions().pad_token_id(c10::nullopt).eos_token_id(2).ignore_index(-1);
  const DataCollatorForCausalLM collate(options);
  EXPECT_EQ(collate.pad_id(), 2);
  const Batch batch = collate(kPacked);
  expect_tensor(batch.input_ids, {{0, 5, 2, 0, 6, 7, 2}, {0, 8, 2, 2, 2, 2, 2}});
  expect_tensor(batch.labels, {{0, 5, -1, 0, 6, 7, -1}, {0, 8, -1, -1, -1, -1, -1}});
}

TEST(DataCollator, TruncatesBeforePadding) {
  const CollatorOptions options = CollatorOptions().truncation(true).max_length(5).packed_sequences(true);
  const Batch batch = DataCollatorForCausalLM(options)(kPacked);
  expect_tensor(batch.input_ids, {{0, 5, 2, 0, 6}, {0, 8, 2, 1, 1}});
  expect_tensor(batch.position_ids, {{0, 1, 2, 0, 1}, {0, 1, 2, 3, 4}});
  // A start cut away with its document no longer restarts the count.
  const Batch cut = DataCollatorForCausalLM(CollatorOptions(options).max_length(3))(kPacked);
  expect_tensor(cut.position_ids, {{0, 1, 2}, {0, 1, 2}});
}

TEST(DataCollator, RefusesWhatItCannotBatch) {
  EXPECT_EQ(error_of([] { DataCollatorForCausalLM(CollatorOptions().padding(Padding::kMaxLength)); }),
            "DataCollatorForCausalLM: padding to max_length and truncation need max_length to be set");
  EXPECT_EQ(error_of([] { DataCollatorForCausalLM(CollatorOptions().max_length(0)); }),
            "DataCollatorForCausalLM: max_length must be >= 1, got 0");
  const DataCollatorForCausalLM fixed(CollatorOptions().padding(Padding::kMaxLength).max_length(4));
  EXPECT_EQ(error_of([&] { fixed(kPacked); }), "DataCollatorForCausalLM: an example of 7 tokens is longer than "
                                               "max_length 4 (enable truncation to cut it)");
  const DataCollatorForCausalLM packed(CollatorOptions().packed_sequences(true));
  EXPECT_EQ(error_of([&] { packed({}); }), "DataCollatorForCausalLM: cannot collate an empty list of examples");
  EXPECT_EQ(error_of([&] {
              packed({{{1, 2, 3}, {0, 3}}});
            }),
            "DataCollatorForCausalLM: example 0: document_starts must be ascending offsets below its 3 tokens, "
            "entry 1 is 3");
  EXPECT_NE(error_of([&] { packed({{{1, 2, 3}, {0}}, {{1, 2, 3}, {1, 1}}}); }).find("example 1"), std::string::npos);
}

} // namespace
