// loader_test.cpp - unit tests for DataLoader and LoaderState.
//
// Examples are single tokens equal to their index, so a batch's input_ids
// show which examples it holds. The tests pin the per-epoch order to the
// seeded permutation the header documents, then check epoch rollover,
// drop_last, and that a loader restored from a JSON-saved state yields the
// very batches an uninterrupted one does.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "../error_of.hpp"
#include "fgrt/data/loader.hpp"
#include "fgrt/data/random.hpp"

namespace {

using namespace fgrt::data;
using fgrt::testing::error_of;
using Indices = std::vector<int64_t>;

/// `n` one-token examples whose token is their index.
std::vector<Example> numbered_examples(int64_t n) {
  std::vector<Example> examples;
  for (int64_t i = 0; i < n; ++i)
    examples.push_back(Example{{i}, {0}});
  return examples;
}

DataLoader loader_over(int64_t n, const DataLoaderOptions &options) {
  return DataLoader(numbered_examples(n), DataCollatorForCausalLM(), options);
}

/// The next `count` batches as index lists.
std::vector<Indices> take(DataLoader &loader, int count) {
  std::vector<Indices> batches;
  for (int i = 0; i < count; ++i)
    batches.push_back(loader.next_indices());
  return batches;
}

/// The order of epoch `epoch` as the header defines it.
Indices epoch_order(size_t n, uint64_t seed, uint64_t epoch) {
  const std::vector<size_t> permutation = seeded_permutation(n, derive_seed(seed, epoch));
  return Indices(permutation.begin(), permutation.end());
}

Indices concatenated(const std::vector<Indices> &batches) {
  Indices all;
  for (const Indices &batch : batches)
    all.insert(all.end(), batch.begin(), batch.end());
  return all;
}

TEST(DataLoaderTest, EpochsFollowTheSeededOrder) {
  DataLoader loader = loader_over(10, DataLoaderOptions().batch_size(3).seed(5));
  EXPECT_EQ(loader.num_examples(), 10);
  EXPECT_EQ(loader.batches_per_epoch(), 4);
  const std::vector<Indices> epoch0 = take(loader, 4);
  EXPECT_EQ(epoch0.back().size(), 1u); // the last, smaller batch
  EXPECT_EQ(concatenated(epoch0), epoch_order(10, 5, 0));
  EXPECT_EQ(loader.state(), (LoaderState{1, 0, 5}));
  const Indices epoch1 = concatenated(take(loader, 4));
  EXPECT_EQ(epoch1, epoch_order(10, 5, 1));
  EXPECT_NE(epoch1, concatenated(epoch0));
}

TEST(DataLoaderTest, SameSeedSameBatchesOtherSeedOthers) {
  DataLoader first = loader_over(20, DataLoaderOptions().batch_size(4).seed(9));
  DataLoader second = loader_over(20, DataLoaderOptions().batch_size(4).seed(9));
  DataLoader other = loader_over(20, DataLoaderOptions().batch_size(4).seed(10));
  const std::vector<Indices> batches = take(first, 12);
  EXPECT_EQ(batches, take(second, 12));
  EXPECT_NE(batches, take(other, 12));
}

TEST(DataLoaderTest, WithoutShuffleKeepsStoredOrder) {
  DataLoader loader = loader_over(5, DataLoaderOptions().batch_size(2).shuffle(false));
  const std::vector<Indices> expected = {{0, 1}, {2, 3}, {4}, {0, 1}};
  EXPECT_EQ(take(loader, 4), expected);
}

TEST(DataLoaderTest, DropLastSkipsTheRemainder) {
  DataLoader loader = loader_over(10, DataLoaderOptions().batch_size(3).drop_last(true).seed(1));
  EXPECT_EQ(loader.batches_per_epoch(), 3);
  const std::vector<Indices> epoch0 = take(loader, 3);
  EXPECT_EQ(loader.state(), (LoaderState{1, 0, 1}));
  const Indices order = epoch_order(10, 1, 0);
  EXPECT_EQ(concatenated(epoch0), Indices(order.begin(), order.begin() + 9));
  for (const Indices &batch : take(loader, 7))
    EXPECT_EQ(batch.size(), 3u);
  EXPECT_EQ(loader.state().epoch, 3);
}

TEST(DataLoaderTest, BatchesAreCollatedExamples) {
  DataLoader loader = loader_over(6, DataLoaderOptions().batch_size(4).seed(2));
  DataLoader twin = loader_over(6, DataLoaderOptions().batch_size(4).seed(2));
  const Indices indices = twin.next_indices();
  const Batch batch = loader.next();
  EXPECT_TRUE(torch::equal(batch.input_ids, torch::tensor(indices, torch::kLong).reshape({4, 1})));
  EXPECT_TRUE(batch.labels.defined());
}

TEST(DataLoaderTest, RestoredLoaderContinuesExactly) {
  const DataLoaderOptions options = DataLoaderOptions().batch_size(3).seed(77);
  DataLoader uninterrupted = loader_over(11, options);
  take(uninterrupted, 7);
  const std::string saved = loader_state_to_json(uninterrupted.state());
  EXPECT_EQ(saved, "{\"epoch\":1,\"position_in_epoch\":9,\"seed\":77}");

  // A loader built with another seed takes the saved one over.
  DataLoader resumed = loader_over(11, DataLoaderOptions(options).seed(1));
  resumed.restore(loader_state_from_json(saved));
  EXPECT_EQ(resumed.state(), uninterrupted.state());
  for (int step = 0; step < 10; ++step) {
    const Batch expected = uninterrupted.next();
    const Batch actual = resumed.next();
    EXPECT_TRUE(torch::equal(actual.input_ids, expected.input_ids)) << "step " << step;
  }
  EXPECT_EQ(resumed.state(), uninterrupted.state());
}

TEST(DataLoaderTest, RestoringTheEndOfAnEpochStartsTheNext) {
  DataLoader loader = loader_over(4, DataLoaderOptions().batch_size(2).seed(3));
  loader.restore(LoaderState{2, 4, 3});
  EXPECT_EQ(loader.state(), (LoaderState{3, 0, 3}));
  EXPECT_EQ(concatenated(take(loader, 2)), epoch_order(4, 3, 3));
  EXPECT_THROW(loader.restore(LoaderState{0, 5, 3}), std::runtime_error);
  EXPECT_THROW(loader.restore(LoaderState{-1, 0, 3}), std::runtime_error);
}

TEST(DataLoaderTest, StateJsonRoundTripsAndNamesBadFields) {
  const LoaderState state{4, 17, 0xfedcba9876543210ULL};
  const nlohmann::json json = state;
  EXPECT_EQ(json.get<LoaderState>(), state);
  EXPECT_EQ(loader_state_from_json(loader_state_to_json(state)), state);
  auto message = [](const std::string &text) { return error_of([&] { loader_state_from_json(text); }); };
  EXPECT_EQ(message("{\"epoch\": 1, \"seed\": 2}"), "loader state: missing field \"position_in_epoch\"");
  EXPECT_EQ(message("{\"epoch\": -1, \"position_in_epoch\": 0, \"seed\": 2}"),
            "loader state: field \"epoch\" must be a non-negative integer, got -1");
  EXPECT_EQ(message("{\"epoch\": 1, \"position_in_epoch\": \"3\", \"seed\": 2}"),
            "loader state: field \"position_in_epoch\" must be a non-negative integer, got \"3\"");
  EXPECT_EQ(message("[1, 2, 3]"), "loader state: expected a JSON object, got array");
  EXPECT_EQ(message("{\"epoch\": 1,").substr(0, 34), "loader state: invalid JSON: [json.");
}

TEST(DataLoaderTest, RefusesLoadersWithoutBatches) {
  EXPECT_THROW(loader_over(4, DataLoaderOptions().batch_size(0)), std::runtime_error);
  DataLoader empty = loader_over(0, DataLoaderOptions());
  EXPECT_EQ(empty.batches_per_epoch(), 0);
  EXPECT_THROW(empty.next(), std::runtime_error);
  DataLoader too_few = loader_over(3, DataLoaderOptions().batch_size(4).drop_last(true));
  EXPECT_EQ(error_of([&] { too_few.next(); }),
            "DataLoader: an epoch has no batch: 3 examples, batch_size 4 with drop_last");
}

} // namespace
