// packing_test.cpp - unit tests for BlockPacker.
//
// Small inputs whose blocks were worked out by hand pin each strategy
// (greedy with overflow, stride and continuation BOS, next fit without
// overflow, best fit against first fit, no packing), the filters and the
// option checks. Property tests on the synthetic corpus then check that no
// token is lost or invented and that every block respects max_length, and
// report the utilisation of each strategy.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "../error_of.hpp"
#include "fgrt/data/packing.hpp"
#include "fgrt/data/random.hpp"
#include "fgrt/data/synthetic_stories.hpp"

namespace {

using namespace fgrt::data;
using fgrt::testing::error_of;
using Ids = std::vector<int64_t>;
using Docs = std::vector<Ids>;

/// The project's special ids: BOS 0, EOS 2; document tokens are >= 10.
constexpr int64_t B = 0, E = 2;

/// A document of `length` distinct tokens first, first + 1, ...
Ids doc(int64_t first, int64_t length) {
  Ids ids(static_cast<size_t>(length));
  std::iota(ids.begin(), ids.end(), first);
  return ids;
}

/// Blocks as (input_ids, document_starts) pairs, for readable comparisons.
std::vector<std::pair<Ids, Ids>> blocks_of(const std::vector<Example> &examples) {
  std::vector<std::pair<Ids, Ids>> blocks;
  for (const Example &example : examples)
    blocks.emplace_back(example.input_ids, example.document_starts);
  return blocks;
}

std::vector<std::pair<Ids, Ids>> pack(const Docs &docs, const PackOptions &options) {
  return blocks_of(BlockPacker(options).pack(docs));
}

using Blocks = std::vector<std::pair<Ids, Ids>>;

TEST(DataPacking, GreedyCarriesOverflowIntoContinuationBlocks) {
  // [B 10 11 12 E] [B 20 21 E] [B 30 E] into blocks of 6; the continuation
  // blocks restart with BOS.
  const Docs docs = {doc(10, 3), doc(20, 2), doc(30, 1)};
  const Blocks expected = {{{B, 10, 11, 12, E, B}, {0, 5}}, {{B, 20, 21, E, B, 30}, {0, 4}}, {{B, E}, {0}}};
  EXPECT_EQ(pack(docs, PackOptions().max_length(6)), expected);
}

TEST(DataPacking, GreedyStrideRepeatsTheEndOfTheDocument) {
  const PackOptions options = PackOptions().max_length(5).stride(2).add_bos(false).add_eos(false);
  const Blocks expected = {{{11, 12, 13, 14, 15}, {0}}, {{14, 15, 16, 17, 18}, {0}}, {{17, 18, 19}, {0}}};
  EXPECT_EQ(pack({doc(11, 9)}, options), expected);
  // With BOS, each continuation block is BOS + 2 overlap tokens + new ones.
  const Blocks with_bos = {
      {{B, 11, 12, 13, 14}, {0}}, {{B, 13, 14, 15, 16}, {0}}, {{B, 15, 16, 17, 18}, {0}}, {{B, 17, 18, 19, E}, {0}}};
  EXPECT_EQ(pack({doc(11, 9)}, PackOptions().max_length(5).stride(2)), with_bos);
}

TEST(DataPacking, GreedyWithoutOverflowTruncatesAndStartsNewBlocks) {
  // Next fit: A (3) and B (4) share a block of 7; C (3) does not fit the
  // full block; D is cut to 7 tokens and does not fit beside C.
  const Docs docs = {doc(10, 1), doc(20, 2), doc(30, 1), doc(40, 8)};
  const Blocks expected = {{{B, 10, E, B, 20, 21, E}, {0, 3}}, {{B, 30, E}, {0}}, {{B, 40, 41, 42, 43, 44, 45}, {0}}};
  EXPECT_EQ(pack(docs, PackOptions().max_length(7).overflow(false)), expected);
}

TEST(DataPacking, BestFitAndFirstFitChooseDifferentBlocks) {
  // Lengths 1, 5, 7, 4 sorted to 7, 5, 4, 1 for blocks of 10: 7 opens
  // block 0 (room 3), 5 opens block 1 (room 5), 4 only fits block 1 (room
  // 1). The 1 then goes to block 0 under first fit (the oldest with room)
  // but to block 1 under best fit (the tightest).
  const Docs docs = {doc(10, 1), doc(20, 5), doc(30, 7), doc(40, 4)};
  const PackOptions options = PackOptions().max_length(10).add_bos(false).add_eos(false);
  const Blocks first_fit = {{{30, 31, 32, 33, 34, 35, 36, 10}, {0, 7}}, {{20, 21, 22, 23, 24, 40, 41, 42, 43}, {0, 5}}};
  const Blocks best_fit = {{{30, 31, 32, 33, 34, 35, 36}, {0}}, {{20, 21, 22, 23, 24, 40, 41, 42, 43, 10}, {0, 5, 9}}};
  EXPECT_EQ(pack(docs, PackOptions(options).strategy(PackingStrategy::kFirstFit)), first_fit);
  EXPECT_EQ(pack(docs, PackOptions(options).strategy(PackingStrategy::kBestFit)), best_fit);
}

TEST(DataPacking, BinPackingSplitsOrTruncatesLongDocuments) {
  // [B 10 11 12 13 14 E] is 7 tokens for blocks of 4: pieces [B 10 11 12]
  // and [B 13 14 E] (continuation BOS), each filling a block, so the short
  // [B 20 E] needs a third.
  const Docs docs = {doc(10, 5), doc(20, 1)};
  for (PackingStrategy strategy : {PackingStrategy::kBestFit, PackingStrategy::kFirstFit}) {
    const PackOptions options = PackOptions().max_length(4).strategy(strategy);
    const Blocks split = {{{B, 10, 11, 12}, {0}}, {{B, 13, 14, E}, {0}}, {{B, 20, E}, {0}}};
    EXPECT_EQ(pack(docs, options), split);
    const Blocks cut = {{{B, 10, 11, 12}, {0}}, {{B, 20, E}, {0}}};
    EXPECT_EQ(pack(docs, PackOptions(options).overflow(false)), cut);
  }
}

TEST(DataPacking, UnpackedKeepsOneDocumentPerExample) {
  const Docs docs = {doc(10, 2), doc(20, 6)};
  const Blocks truncated = {{{B, 10, 11, E}, {0}}, {{B, 20, 21, 22, 23}, {0}}};
  EXPECT_EQ(pack(docs, PackOptions().max_length(5).packed(false).overflow(false)), truncated);
  const Blocks split = {{{B, 10, 11, E}, {0}}, {{B, 20, 21, 22, 23}, {0}}, {{B, 24, 25, E}, {0}}};
  EXPECT_EQ(pack(docs, PackOptions().max_length(5).packed(false)), split);
}

TEST(DataPacking, FiltersDocumentsAndBlocks) {
  // max_len 3 skips the 4-token document (counted before BOS/EOS); the
  // empty one is skipped too; min_len 4 drops the last, 3-token block.
  const Docs docs = {doc(10, 3), {}, doc(20, 4), doc(30, 1)};
  const PackOptions options = PackOptions().max_length(5).max_len(3).min_len(4).overflow(false);
  const Blocks expected = {{{B, 10, 11, 12, E}, {0}}};
  EXPECT_EQ(pack(docs, options), expected);
  EXPECT_EQ(pack(docs, PackOptions(options).min_len(3)).size(), 2u);
}

TEST(DataPacking, ShuffleOutputIsASeededPermutation) {
  Docs docs;
  for (int64_t i = 0; i < 40; ++i)
    docs.push_back(doc(100 * (i + 1), 1 + i % 7));
  const PackOptions options = PackOptions().max_length(8).strategy(PackingStrategy::kBestFit);
  const std::vector<Example> plain = BlockPacker(options).pack(docs);
  const std::vector<Example> shuffled = BlockPacker(PackOptions(options).shuffle_output(true).seed(3)).pack(docs);
  ASSERT_EQ(plain.size(), shuffled.size());
  const std::vector<size_t> order = seeded_permutation(plain.size(), 3);
  for (size_t i = 0; i < plain.size(); ++i)
    EXPECT_EQ(shuffled[i].input_ids, plain[order[i]].input_ids);
  EXPECT_NE(blocks_of(shuffled), blocks_of(plain));
}

TEST(DataPacking, RefusesBadOptions) {
  auto message = [](const PackOptions &options) { return error_of([&] { BlockPacker packer(options); }); };
  EXPECT_EQ(message(PackOptions().max_length(0)), "PackOptions: max_length must be >= 1, got 0");
  EXPECT_EQ(message(PackOptions().max_length(4).stride(3)),
            "PackOptions: stride 3 (plus BOS) leaves no room in a continuation block of 4 tokens");
  EXPECT_EQ(message(PackOptions().max_length(4).stride(3).overflow(false)), "");
  EXPECT_EQ(message(PackOptions().max_length(4).min_len(5)),
            "PackOptions: min_len must be in [1, max_length = 4], got 5");
  EXPECT_EQ(message(PackOptions().stride(-1)), "PackOptions: stride must be >= 0, got -1");
}

TEST(DataPacking, EncodesTextsWithTheGivenFunction) {
  const EncodeFn lengths = [](const std::string &text) { return Ids(text.size(), 7); };
  const std::vector<Example> blocks = BlockPacker(PackOptions().max_length(16)).pack_texts({"abc", "de"}, lengths);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].input_ids, (Ids{B, 7, 7, 7, E, B, 7, 7, E}));
  EXPECT_THROW(encode_documents({"x"}, EncodeFn()), std::runtime_error);
}

/// The synthetic corpus encoded as bytes (ids 3 .. 258, clear of 0 and 2).
const Docs &byte_corpus() {
  static const Docs corpus = [] {
    Docs docs;
    for (const std::string &story : synthetic_stories(10000, 42)) {
      Ids ids;
      for (unsigned char c : story)
        ids.push_back(int64_t{c} + 3);
      docs.push_back(std::move(ids));
    }
    return docs;
  }();
  return corpus;
}

/// Checks the invariants of `blocks` and returns their token count.
size_t checked_tokens(const std::vector<Example> &blocks, int64_t max_length) {
  size_t tokens = 0;
  for (const Example &block : blocks) {
    EXPECT_LE(static_cast<int64_t>(block.input_ids.size()), max_length);
    EXPECT_FALSE(block.document_starts.empty());
    EXPECT_EQ(block.document_starts.front(), 0);
    for (size_t i = 1; i < block.document_starts.size(); ++i)
      EXPECT_GT(block.document_starts[i], block.document_starts[i - 1]);
    tokens += block.input_ids.size();
  }
  return tokens;
}

TEST(DataPacking, SyntheticCorpusUtilisation) {
  const int64_t max_length = 512;
  size_t corpus_tokens = 0;
  for (const Ids &d : byte_corpus())
    corpus_tokens += d.size() + 2; // BOS and EOS
  // The lower bounds: greedy with overflow wastes only the tail of its last
  // block; bin packing whole stories of ~240 tokens into 512 cannot fill
  // every gap; next fit leaves the room a story did not fit into.
  struct Case {
    const char *name;
    PackingStrategy strategy;
    bool overflow;
    double minimum;
  };
  double best_fit_truncating = 0, greedy_truncating = 0;
  for (const Case &c :
       {Case{"greedy", PackingStrategy::kGreedy, true, 0.999}, Case{"best_fit", PackingStrategy::kBestFit, true, 0.95},
        Case{"first_fit", PackingStrategy::kFirstFit, true, 0.95}, Case{"greedy", PackingStrategy::kGreedy, false, 0.7},
        Case{"best_fit", PackingStrategy::kBestFit, false, 0.95}}) {
    const auto start = std::chrono::steady_clock::now();
    const PackOptions options = PackOptions().max_length(max_length).strategy(c.strategy).overflow(c.overflow);
    const std::vector<Example> blocks = BlockPacker(options).pack(byte_corpus());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const size_t tokens = checked_tokens(blocks, max_length);
    const double utilisation = packing_utilisation(blocks, max_length);
    std::printf("%-9s overflow=%d: %zu blocks, utilisation %.4f, %.3f s\n", c.name, c.overflow, blocks.size(),
                utilisation, seconds);
    // Stories are far shorter than a block: nothing is cut, and with
    // overflow only the continuation BOS tokens are added.
    EXPECT_GE(tokens, corpus_tokens);
    EXPECT_LE(tokens, corpus_tokens + blocks.size());
    EXPECT_GT(utilisation, c.minimum);
    if (!c.overflow)
      (c.strategy == PackingStrategy::kGreedy ? greedy_truncating : best_fit_truncating) = utilisation;
  }
  EXPECT_GT(best_fit_truncating, greedy_truncating + 0.1);
  // Without packing every story is its own example.
  const std::vector<Example> unpacked =
      BlockPacker(PackOptions().max_length(max_length).packed(false)).pack(byte_corpus());
  EXPECT_EQ(unpacked.size(), byte_corpus().size());
  std::printf("unpacked: utilisation %.4f padded to %lld\n", packing_utilisation(unpacked, max_length),
              static_cast<long long>(max_length));
}

} // namespace
