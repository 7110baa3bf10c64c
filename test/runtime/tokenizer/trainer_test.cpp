//===- trainer_test.cpp - BPE training on tiny corpora -*- C++ -*-===//
//
// Ids in the trained vocab: the 4 special tokens are 0..3, then the 256
// byte-level characters sorted by code point: '!'..'~' are 4..97 (so 'a' =
// 4 + 0x61 - 0x21 = 68), '¡'..'¬' 98..109, '®'..'ÿ' 110..191, and
// U+0100..U+0143 192..259 (so 'Ġ' = U+0120 is 224). Merged tokens follow
// from 260 in merge order.
//
//===----------------------------------------------------------------------===//
#include "fgrt/tokenizer/bpe_trainer.hpp"

#include "tokenizer_test_support.hpp"

namespace fgrt::tokenizer {
namespace {

using testing::expect_error;
using testing::ScratchDir;
using Ids = std::vector<int64_t>;
using Merges = std::vector<std::pair<std::string, std::string>>;

TEST(TokenizerTrainer, VocabLayoutFollowsTheReference) {
  const Tokenizer tokenizer = train_bpe({"ab"}, BpeTrainerOptions().vocab_size(100));
  // vocab_size below specials + alphabet: no merges, nothing dropped.
  EXPECT_EQ(tokenizer.vocab_size(), 260);
  EXPECT_EQ(tokenizer.token_to_id("<|BOS|>"), 0);
  EXPECT_EQ(tokenizer.token_to_id("<|PAD|>"), 1);
  EXPECT_EQ(tokenizer.token_to_id("<|EOS|>"), 2);
  EXPECT_EQ(tokenizer.token_to_id("<|UNK|>"), 3);
  EXPECT_EQ(tokenizer.token_to_id("!"), 4);
  EXPECT_EQ(tokenizer.token_to_id("a"), 68);
  EXPECT_EQ(tokenizer.token_to_id("Ġ"), 224);
  EXPECT_EQ(tokenizer.id_to_token(259), "Ń"); // U+0143, byte 0xAD
  EXPECT_TRUE(tokenizer.definition().model.merges.empty());
  EXPECT_EQ(tokenizer.bos_token_id(), 0);
  EXPECT_EQ(tokenizer.pad_token_id(), 1);
  EXPECT_EQ(tokenizer.eos_token_id(), 2);
  EXPECT_EQ(tokenizer.unk_token_id(), 3);
  EXPECT_EQ(tokenizer.model_max_length(), 2048);
}

TEST(TokenizerTrainer, FirstMergesByHand) {
  // Words: "ab" x1, "Ġab" x2, "Ġabc" x1. Pair counts: (a b) 1+2+1 = 4,
  // (Ġ a) 3, (b c) 1 -> merge "a b". Then (Ġ ab) 3, (ab c) 1 -> "Ġ ab".
  // Then (Ġab c) 1 -> "Ġab c". No pairs remain, so training stops early.
  const Tokenizer tokenizer = train_bpe({"ab ab ab abc"}, BpeTrainerOptions().vocab_size(1000));
  EXPECT_EQ(tokenizer.definition().model.merges, Merges({{"a", "b"}, {"Ġ", "ab"}, {"Ġab", "c"}}));
  EXPECT_EQ(tokenizer.vocab_size(), 263);
  EXPECT_EQ(tokenizer.token_to_id("ab"), 260);
  EXPECT_EQ(tokenizer.token_to_id("Ġab"), 261);
  EXPECT_EQ(tokenizer.token_to_id("Ġabc"), 262);
  // BOS, "ab", "Ġabc", "Ġab".
  EXPECT_EQ(tokenizer.encode("ab abc ab"), Ids({0, 260, 262, 261}));
}

TEST(TokenizerTrainer, TiesGoToTheSmallestPairIds) {
  // Each document is one word: "abc" x2, "xy" x2, "ab" x1. (a b) has 3 and
  // is merged first (id 260). Then (ab c) and (x y) tie at 2; by ids
  // (260, 70) > (91, 92), so "x y" comes first although "ab" < "x" as
  // strings.
  const Tokenizer tokenizer = train_bpe({"abc", "abc", "xy", "xy", "ab"}, BpeTrainerOptions().vocab_size(1000));
  EXPECT_EQ(tokenizer.definition().model.merges, Merges({{"a", "b"}, {"x", "y"}, {"ab", "c"}}));
}

TEST(TokenizerTrainer, OverlappingPairsAreCountedLikeTheReference) {
  // "aaaa" x1 and "ab" x1: (a a) counts 3 (overlapping), (a b) 1. After
  // a+a: "aa aa" -> (aa aa) 1, (a b) 1; tie -> smaller ids: (68, 69) "a b"
  // before (260, 260).
  const Tokenizer tokenizer = train_bpe({"aaaa", "ab"}, BpeTrainerOptions().vocab_size(1000));
  EXPECT_EQ(tokenizer.definition().model.merges, Merges({{"a", "a"}, {"a", "b"}, {"aa", "aa"}}));
  EXPECT_EQ(tokenizer.encode("aaaa aaa", false), Ids({262, 224, 260, 68}));
}

TEST(TokenizerTrainer, VocabSizeAndMinFrequencyStopTraining) {
  const std::vector<std::string> corpus = {"abc", "abc", "xy", "xy", "ab"};
  EXPECT_EQ(train_bpe(corpus, BpeTrainerOptions().vocab_size(261)).definition().model.merges, Merges({{"a", "b"}}));
  EXPECT_EQ(train_bpe(corpus, BpeTrainerOptions().vocab_size(1000).min_frequency(3)).definition().model.merges,
            Merges({{"a", "b"}}));
}

TEST(TokenizerTrainer, IsDeterministic) {
  std::vector<std::string> corpus;
  for (int i = 0; i < 50; ++i)
    corpus.push_back("document " + std::to_string(i) + ": the cat sat on the mat, then another cat sat there.");
  const BpeTrainerOptions options = BpeTrainerOptions().vocab_size(330);
  const std::string first = to_tokenizer_json(train_bpe(corpus, options).definition());
  EXPECT_EQ(to_tokenizer_json(train_bpe(corpus, options).definition()), first);
  EXPECT_EQ(parse_tokenizer_json(first).model.vocab.size(), 330u);
}

TEST(TokenizerTrainer, DefinitionMatchesTheReferenceTokenizer) {
  const Tokenizer tokenizer = train_bpe({"hello"}, BpeTrainerOptions().vocab_size(270));
  const TokenizerDefinition &definition = tokenizer.definition();
  EXPECT_TRUE(definition.nfc_normalizer);
  EXPECT_TRUE(definition.model.byte_fallback);
  EXPECT_EQ(definition.model.unk_token, "<|UNK|>");
  ASSERT_EQ(definition.pre_tokenizer.size(), 1u);
  EXPECT_TRUE(definition.pre_tokenizer[0].byte_level.use_regex);
  ASSERT_EQ(definition.post_processor.size(), 1u);
  EXPECT_EQ(definition.post_processor[0].kind, PostProcessorSpec::Kind::Template);
  ASSERT_EQ(definition.added_tokens.size(), 4u);
  EXPECT_TRUE(definition.added_tokens[3].special);
  EXPECT_FALSE(definition.added_tokens[3].normalized);
  // NFC: the decomposed and composed spellings encode the same.
  EXPECT_EQ(tokenizer.encode("cafe\xCC\x81"), tokenizer.encode("caf\xC3\xA9"));
  const Tokenizer plain = train_bpe({"hello"}, BpeTrainerOptions().vocab_size(270).add_bos(false).nfc(false));
  EXPECT_TRUE(plain.definition().post_processor.empty());
  EXPECT_EQ(plain.encode("h"), Ids({*plain.token_to_id("h")}));
  EXPECT_NE(plain.encode("cafe\xCC\x81"), plain.encode("caf\xC3\xA9"));
}

TEST(TokenizerTrainer, SavePretrainedWritesTheCompanionFiles) {
  ScratchDir dir;
  const Tokenizer trained =
      train_bpe({"one two three two one"}, BpeTrainerOptions().vocab_size(270).model_max_length(512));
  trained.save_pretrained(dir.file("tok"));
  const nlohmann::json config = nlohmann::json::parse(std::ifstream(dir.file("tok/tokenizer_config.json")));
  EXPECT_EQ(config["model_max_length"], 512);
  EXPECT_EQ(config["bos_token"], "<|BOS|>");
  EXPECT_EQ(config["added_tokens_decoder"]["3"]["content"], "<|UNK|>");
  const nlohmann::json map = nlohmann::json::parse(std::ifstream(dir.file("tok/special_tokens_map.json")));
  EXPECT_EQ(
      map,
      nlohmann::json(
          {{"bos_token", "<|BOS|>"}, {"eos_token", "<|EOS|>"}, {"pad_token", "<|PAD|>"}, {"unk_token", "<|UNK|>"}}));
  const Tokenizer loaded = Tokenizer::from_pretrained(dir.file("tok"));
  EXPECT_EQ(loaded.bos_token_id(), 0);
  EXPECT_EQ(loaded.eos_token_id(), 2);
  EXPECT_EQ(loaded.pad_token_id(), 1);
  EXPECT_EQ(loaded.model_max_length(), 512);
  EXPECT_EQ(loaded.encode("two three"), trained.encode("two three"));
  // tokenizer.json alone carries no roles.
  EXPECT_EQ(Tokenizer::from_file(dir.file("tok/tokenizer.json")).bos_token_id(), std::nullopt);
}

TEST(TokenizerTrainer, PretrainedConfigVariants) {
  ScratchDir dir;
  train_bpe({"x"}, BpeTrainerOptions().vocab_size(260)).save(dir.file("tokenizer.json"));
  // Roles as AddedToken objects, transformers' "unlimited" length int(1e30)
  // (too large for int64), and a role only in special_tokens_map.json.
  dir.write("tokenizer_config.json", R"({"bos_token": {"__type": "AddedToken", "content": "<|EOS|>"},
                                         "model_max_length": 1000000000000000019884624838656})");
  dir.write("special_tokens_map.json", R"({"bos_token": "<|PAD|>", "pad_token": "<|UNK|>"})");
  const Tokenizer tokenizer = Tokenizer::from_pretrained(dir.file(""));
  EXPECT_EQ(tokenizer.bos_token_id(), 2); // tokenizer_config.json wins
  EXPECT_EQ(tokenizer.pad_token_id(), 3);
  EXPECT_EQ(tokenizer.eos_token_id(), std::nullopt);
  EXPECT_EQ(tokenizer.model_max_length(), std::nullopt);
  dir.write("tokenizer_config.json", R"({"eos_token": "<|NOPE|>"})");
  expect_error([&] { Tokenizer::from_pretrained(dir.file("")); }, {"eos_token", "<|NOPE|>", "not in the vocabulary"});
  dir.write("tokenizer_config.json", R"({"eos_token": 5})");
  expect_error([&] { Tokenizer::from_pretrained(dir.file("")); }, {"tokenizer_config.json", "eos_token"});
  dir.write("tokenizer_config.json", "{oops");
  expect_error([&] { Tokenizer::from_pretrained(dir.file("")); }, {"tokenizer_config.json", "malformed JSON"});
}

TEST(TokenizerTrainer, InvalidOptionsNameTheOption) {
  expect_error([] { train_bpe({"a"}, BpeTrainerOptions().vocab_size(0)); }, {"BpeTrainerOptions.vocab_size"});
  expect_error([] { train_bpe({"a"}, BpeTrainerOptions().min_frequency(-1)); }, {"BpeTrainerOptions.min_frequency"});
  expect_error([] { train_bpe({"a"}, BpeTrainerOptions().bos_token("<s>")); },
               {"BpeTrainerOptions.bos_token", "'<s>'"});
  expect_error(
      [] {
        train_bpe({"a"}, BpeTrainerOptions()
                             .special_tokens({"<a>", "<a>"})
                             .bos_token("<a>")
                             .eos_token("")
                             .pad_token("")
                             .unk_token(""));
      },
      {"BpeTrainerOptions.special_tokens", "twice"});
  expect_error([] { train_bpe({"a"}, BpeTrainerOptions().bos_token("").add_bos(true)); },
               {"BpeTrainerOptions.add_bos"});
  expect_error([] { train_bpe({"fine", "bad \xFF"}); }, {"document 1", "not valid UTF-8"});
}

} // namespace
} // namespace fgrt::tokenizer
