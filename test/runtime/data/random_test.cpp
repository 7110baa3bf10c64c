// random_test.cpp - unit tests for the data pipeline's portable randomness.
//
// SplitMix64's first outputs are pinned to the values of the reference
// algorithm (computed independently in Python), so a change of constants or
// order cannot pass unnoticed; below() and the permutations are checked for
// range, coverage and determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "fgrt/data/random.hpp"

namespace {

using namespace fgrt::data;

TEST(DataRandom, SplitMix64MatchesReferenceOutputs) {
  SplitMix64 zero(0);
  EXPECT_EQ(zero.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(zero.next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(zero.next(), 0x06c45d188009454fULL);
  SplitMix64 other(12345);
  EXPECT_EQ(other.next(), 0x22118258a9d111a0ULL);
  EXPECT_EQ(other.next(), 0x346edce5f713f8edULL);
}

TEST(DataRandom, BelowStaysInRangeAndCoversIt) {
  SplitMix64 rng(7);
  std::vector<int> counts(6, 0);
  for (int i = 0; i < 6000; ++i) {
    const uint64_t value = rng.below(6);
    ASSERT_LT(value, 6u);
    ++counts[value];
  }
  // 1000 expected per face; 6 sigma is about 170.
  for (int count : counts)
    EXPECT_NEAR(count, 1000, 170);
  EXPECT_EQ(rng.below(1), 0u);
  EXPECT_THROW(rng.below(0), std::invalid_argument);
}

TEST(DataRandom, PermutationIsDeterministicAndComplete) {
  const std::vector<size_t> first = seeded_permutation(50, 3);
  EXPECT_EQ(first, seeded_permutation(50, 3));
  EXPECT_NE(first, seeded_permutation(50, 4));
  std::vector<size_t> sorted = first;
  std::sort(sorted.begin(), sorted.end());
  std::vector<size_t> identity(50);
  std::iota(identity.begin(), identity.end(), size_t{0});
  EXPECT_EQ(sorted, identity);
  EXPECT_NE(first, identity);
  EXPECT_TRUE(seeded_permutation(0, 3).empty());
}

TEST(DataRandom, SeededShuffleFollowsThePermutation) {
  std::vector<int> items = {10, 11, 12, 13, 14, 15, 16};
  const std::vector<size_t> order = seeded_permutation(items.size(), 9);
  std::vector<int> shuffled = items;
  seeded_shuffle(shuffled, 9);
  for (size_t i = 0; i < items.size(); ++i)
    EXPECT_EQ(shuffled[i], items[order[i]]);
}

TEST(DataRandom, DerivedSeedsDifferPerStream) {
  EXPECT_NE(derive_seed(42, 0), derive_seed(42, 1));
  EXPECT_NE(derive_seed(42, 1), derive_seed(43, 1));
  EXPECT_EQ(derive_seed(42, 5), derive_seed(42, 5));
}

} // namespace
