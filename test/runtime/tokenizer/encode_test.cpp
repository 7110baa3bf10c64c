//===- encode_test.cpp - Encoding with hand-derived expected ids -*- C++ -*-===//
//
// Every expected id list is derived in the comment above it from the
// fixture of tokenizer_test_support.hpp (vocab ids and merge ranks there).
// BPE rule: merge the adjacent pair with the lowest rank, leftmost on ties.
//
//===----------------------------------------------------------------------===//
#include "tokenizer_test_support.hpp"

#include <thread>

namespace fgrt::tokenizer {
namespace {

using testing::edited_tokenizer;
using testing::kGpt2StyleJson;
using testing::prepend_template;
using Ids = std::vector<int64_t>;
using Words = std::vector<std::string>;

TEST(TokenizerEncode, HandDerivedIds) {
  const Tokenizer tokenizer = Tokenizer::from_json(kGpt2StyleJson);
  // "hello" = h e l l o: rank 0 (h e) -> he l l o; rank 1 (l l) -> he ll o;
  // rank 2 (he ll) -> hell o; rank 3 (hell o) -> hello = 12.
  EXPECT_EQ(tokenizer.encode("hello"), Ids({12}));
  // " world" is the word "Ġworld" = Ġ w o r l d. Ranks present: (Ġ w) 4,
  // (o r) 5, (l d) 7 -> Ġw o r l d -> Ġw or l d -> now (Ġw or) 6 beats
  // (l d) 7 -> Ġwor l d -> Ġwor ld = 15 16.
  EXPECT_EQ(tokenizer.encode("hello world"), Ids({12, 15, 16}));
  // "!" is its own word (GPT-2 regex: punctuation run) = 17.
  EXPECT_EQ(tokenizer.encode("hello world!"), Ids({12, 15, 16, 17}));
  // "lll": (l l) at 0 and at 1 tie on rank 1; the leftmost wins -> ll l.
  EXPECT_EQ(tokenizer.encode("lll"), Ids({10, 3}));
  // A newline is its own whitespace word "Ċ" = 18.
  EXPECT_EQ(tokenizer.encode("hello\nhello"), Ids({12, 18, 12}));
}

TEST(TokenizerEncode, PreTokenizeMatchesGpt2Regex) {
  const Tokenizer tokenizer = Tokenizer::from_json(kGpt2StyleJson);
  EXPECT_EQ(tokenizer.pre_tokenize("Hello my friend, how is your day going?"),
            Words({"Hello", "Ġmy", "Ġfriend", ",", "Ġhow", "Ġis", "Ġyour", "Ġday", "Ġgoing", "?"}));
  EXPECT_EQ(tokenizer.pre_tokenize("Hello there\nHello there"), Words({"Hello", "Ġthere", "Ċ", "Hello", "Ġthere"}));
  // A whitespace run keeps its last space for the next word (\s+(?!\S)).
  EXPECT_EQ(tokenizer.pre_tokenize("Hello there       dear"), Words({"Hello", "Ġthere", "ĠĠĠĠĠĠ", "Ġdear"}));
  EXPECT_EQ(tokenizer.pre_tokenize("I'm don't 42x"), Words({"I", "'m", "Ġdon", "'t", "Ġ42", "x"}));
  // Multi-byte characters map byte by byte: é = C3 A9 -> "Ã©";
  // 😀 = F0 9F 98 80 -> "ðŁĺĢ" (0x9F, 0x98, 0x80 are shifted to U+0141,
  // U+013A, U+0122).
  EXPECT_EQ(tokenizer.pre_tokenize("é 😀"), Words({"Ã©", "ĠðŁĺĢ"}));
}

TEST(TokenizerEncode, AddPrefixSpace) {
  const Tokenizer tokenizer = edited_tokenizer([](auto &json) { json["pre_tokenizer"]["add_prefix_space"] = true; });
  EXPECT_EQ(tokenizer.pre_tokenize("Hello my"), Words({"ĠHello", "Ġmy"}));
  EXPECT_EQ(tokenizer.pre_tokenize(" Hello"), Words({"ĠHello"}));
  // "world" becomes "Ġworld" -> 15 16 as in HandDerivedIds.
  EXPECT_EQ(tokenizer.encode("world"), Ids({15, 16}));
}

TEST(TokenizerEncode, SpecialTokensAreSplitOutBeforePreTokenization) {
  const Tokenizer tokenizer = Tokenizer::from_json(kGpt2StyleJson);
  // "hello" | <|endoftext|> | "world": "world" = w o r l d -> (o r) 5 ->
  // w or l d -> (l d) 7 -> w or ld = 6 14 16 ("w or" has no merge).
  EXPECT_EQ(tokenizer.encode("hello<|endoftext|>world"), Ids({12, 0, 6, 14, 16}));
  // Without the special token, '<|' and 'endoftext' would be regex words.
  EXPECT_EQ(tokenizer.encode("<|endoftext|>"), Ids({0}));
}

TEST(TokenizerEncode, AddedTokenMatchingRules) {
  const Tokenizer tokenizer = edited_tokenizer([](auto &json) {
    json["model"]["vocab"]["<m>"] = 22;
    json["added_tokens"].push_back({{"id", 22},
                                    {"content", "<m>"},
                                    {"single_word", false},
                                    {"lstrip", true},
                                    {"rstrip", true},
                                    {"normalized", false},
                                    {"special", true}});
    json["added_tokens"].push_back({{"id", 23},
                                    {"content", "wo"},
                                    {"single_word", true},
                                    {"lstrip", false},
                                    {"rstrip", false},
                                    {"normalized", true},
                                    {"special", false}});
    json["added_tokens"].push_back({{"id", 24},
                                    {"content", "<m><m>"},
                                    {"single_word", false},
                                    {"lstrip", false},
                                    {"rstrip", false},
                                    {"normalized", false},
                                    {"special", true}});
  });
  // lstrip/rstrip swallow the spaces around <m>: "hello" <m> "hello".
  EXPECT_EQ(tokenizer.encode("hello  <m>  hello"), Ids({12, 22, 12}));
  // Leftmost-longest: "<m><m>" (24) beats two "<m>".
  EXPECT_EQ(tokenizer.encode("<m><m>"), Ids({24}));
  // single_word: "wo" inside " world" is not the added token (a word
  // character follows), a lone "wo" is; the space before it stays in the
  // text: "hello" "Ġ" <wo> -> 12 5 23.
  EXPECT_EQ(tokenizer.encode("hello world"), Ids({12, 15, 16}));
  EXPECT_EQ(tokenizer.encode("hello wo"), Ids({12, 5, 23}));
  EXPECT_EQ(tokenizer.vocab_size(), 25); // 23 model tokens + "wo" and "<m><m>"
  EXPECT_EQ(tokenizer.token_to_id("wo"), 23);
  EXPECT_EQ(tokenizer.id_to_token(24), "<m><m>");
}

TEST(TokenizerEncode, TemplatePostProcessorPrependsBos) {
  const Tokenizer tokenizer =
      edited_tokenizer([](auto &json) { json["post_processor"] = prepend_template("<|endoftext|>", 0); });
  EXPECT_EQ(tokenizer.encode("hello"), Ids({0, 12}));
  EXPECT_EQ(tokenizer.encode("hello", /*add_special_tokens=*/false), Ids({12}));
  EXPECT_EQ(tokenizer.encode(""), Ids({0}));
  // Inside a Sequence next to the ByteLevel post-processor, as Llama-3 has it.
  const Tokenizer sequence = edited_tokenizer([](auto &json) {
    json["post_processor"] = {{"type", "Sequence"},
                              {"processors", {json["post_processor"], prepend_template("!", 17)}}};
  });
  EXPECT_EQ(sequence.encode("hello world"), Ids({17, 12, 15, 16}));
}

TEST(TokenizerEncode, UnknownCharactersFallBackInTheReferenceOrder) {
  // 'x' is not in the vocab. Without fallbacks it is dropped: h e x ->
  // (h e) 0 -> he = 9.
  EXPECT_EQ(Tokenizer::from_json(kGpt2StyleJson).encode("hex"), Ids({9}));
  const Tokenizer unk = edited_tokenizer([](auto &json) { json["model"]["unk_token"] = "<unk>"; });
  EXPECT_EQ(unk.encode("hex"), Ids({9, 20}));
  EXPECT_EQ(unk.encode("xxh"), Ids({20, 20, 1}));
  const Tokenizer fused = edited_tokenizer([](auto &json) {
    json["model"]["unk_token"] = "<unk>";
    json["model"]["fuse_unk"] = true;
  });
  EXPECT_EQ(fused.encode("xxh"), Ids({20, 1}));
  // byte_fallback: 'x' is byte 0x78 and "<0x78>" = 21 exists; 'y' has no
  // byte token, so it still becomes <unk>.
  const Tokenizer bytes = edited_tokenizer([](auto &json) {
    json["model"]["unk_token"] = "<unk>";
    json["model"]["byte_fallback"] = true;
  });
  EXPECT_EQ(bytes.encode("hexy"), Ids({9, 21, 20}));
}

TEST(TokenizerEncode, IgnoreMergesTakesWholeWordsFromTheVocab) {
  // "Ġworld" (19) is a token, but merges stop at Ġwor ld.
  EXPECT_EQ(Tokenizer::from_json(kGpt2StyleJson).encode(" world"), Ids({15, 16}));
  const Tokenizer tokenizer = edited_tokenizer([](auto &json) { json["model"]["ignore_merges"] = true; });
  EXPECT_EQ(tokenizer.encode(" world"), Ids({19}));
  EXPECT_EQ(tokenizer.encode(" worl"), Ids({15, 3})); // not a token: merges as usual
}

TEST(TokenizerEncode, Llama3StyleSplitThenByteLevel) {
  const char *const llama3_regex =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  const Tokenizer tokenizer = edited_tokenizer([&](auto &json) {
    json["pre_tokenizer"] = {
        {"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"}, {"pattern", {{"Regex", llama3_regex}}}, {"behavior", "Isolated"}, {"invert", false}},
          {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}}}}};
  });
  // Digits go in threes; a punctuation run takes the newlines after it; of
  // "  x" the first space is a whitespace word and the second joins "x".
  EXPECT_EQ(tokenizer.pre_tokenize("Hello 12345 world!!\n\n  x"),
            Words({"Hello", "Ġ", "123", "45", "Ġworld", "!!ĊĊ", "Ġ", "Ġx"}));
  EXPECT_EQ(tokenizer.pre_tokenize("I'M"), Words({"I", "'M"})); // (?i:) contractions
  EXPECT_EQ(tokenizer.encode("hello world"), Ids({12, 15, 16}));
}

/// The fixture with a single Split pre-tokenizer on "-".
Tokenizer split_on_dash(const char *behavior) {
  return edited_tokenizer([&](auto &json) {
    json["pre_tokenizer"] = {
        {"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", behavior}, {"invert", false}};
  });
}

TEST(TokenizerEncode, SplitBehaviors) {
  const std::string text = "the-final--countdown";
  EXPECT_EQ(split_on_dash("Removed").pre_tokenize(text), Words({"the", "final", "countdown"}));
  EXPECT_EQ(split_on_dash("Isolated").pre_tokenize(text), Words({"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(split_on_dash("MergedWithPrevious").pre_tokenize(text), Words({"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(split_on_dash("MergedWithNext").pre_tokenize(text), Words({"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(split_on_dash("Contiguous").pre_tokenize(text), Words({"the", "-", "final", "--", "countdown"}));
  // A String pattern is literal: "." must not match every character.
  const Tokenizer dot = edited_tokenizer([](auto &json) {
    json["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"String", "."}}}, {"behavior", "Removed"}};
  });
  EXPECT_EQ(dot.pre_tokenize("a.b"), Words({"a", "b"}));
  const Tokenizer inverted = edited_tokenizer([](auto &json) {
    json["pre_tokenizer"] = {
        {"type", "Split"}, {"pattern", {{"Regex", "[a-z]+"}}}, {"behavior", "Removed"}, {"invert", true}};
  });
  EXPECT_EQ(inverted.pre_tokenize("ab, cd"), Words({"ab", "cd"}));
}

TEST(TokenizerEncode, NfcNormalizerAndNormalizedAddedTokens) {
  const std::string composed = "caf\xC3\xA9";    // café, é = U+00E9
  const std::string decomposed = "cafe\xCC\x81"; // e + U+0301 COMBINING ACUTE
  const Tokenizer tokenizer = edited_tokenizer([&](auto &json) {
    json["normalizer"] = {{"type", "NFC"}};
    json["added_tokens"].push_back({{"id", 30}, {"content", decomposed}, {"normalized", true}, {"special", false}});
    json["added_tokens"].push_back({{"id", 31}, {"content", "o\xCC\x88"}, {"normalized", false}, {"special", false}});
  });
  EXPECT_EQ(tokenizer.pre_tokenize(decomposed), Words({"cafÃ©"}));
  // The normalized token matches both spellings: both normalize to NFC.
  EXPECT_EQ(tokenizer.encode(composed), Ids({30}));
  EXPECT_EQ(tokenizer.encode(decomposed), Ids({30}));
  // The raw token (o + U+0308) matches only its exact raw bytes, not "ö".
  EXPECT_EQ(tokenizer.encode("o\xCC\x88"), Ids({31}));
  EXPECT_EQ(tokenizer.encode("\xC3\xB6"), Ids({})); // ö: bytes not in the vocab, dropped
}

TEST(TokenizerEncode, RejectsInvalidUtf8) {
  const Tokenizer tokenizer = Tokenizer::from_json(kGpt2StyleJson);
  testing::expect_error([&] { tokenizer.encode("ok\xC3("); }, {"encode", "not valid UTF-8", "byte offset 2"});
}

TEST(TokenizerEncode, LongWordsAndLargeInputsStayFast) {
  const Tokenizer tokenizer = Tokenizer::from_json(kGpt2StyleJson);
  // One 200 KB word (no spaces): the heap-based merge is O(n log n); the
  // (l l) merges pair up the whole run.
  const std::string run(200000, 'l');
  EXPECT_EQ(tokenizer.encode(run), Ids(100000, 10));
  std::string text;
  for (int i = 0; i < 20000; ++i)
    text += "hello world!\n";
  const Ids ids = tokenizer.encode(text);
  ASSERT_EQ(ids.size(), 20000u * 5);
  EXPECT_EQ(Ids(ids.begin(), ids.begin() + 5), Ids({12, 15, 16, 17, 18}));
}

TEST(TokenizerEncode, ConcurrentEncodesShareTheWordCacheSafely) {
  const Tokenizer tokenizer = Tokenizer::from_json(kGpt2StyleJson);
  std::vector<std::string> texts;
  for (int i = 0; i < 4; ++i)
    texts.push_back(std::string(i + 1, 'l') + " hello world! " + std::string(7 - i, 'l'));
  std::vector<Ids> expected;
  for (const std::string &text : texts)
    expected.push_back(Tokenizer::from_json(kGpt2StyleJson).encode(text)); // private caches
  std::vector<int> mismatches(texts.size(), 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < texts.size(); ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round)
        mismatches[t] += tokenizer.encode(texts[t]) != expected[t];
    });
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(texts.size(), 0));
}

} // namespace
} // namespace fgrt::tokenizer
