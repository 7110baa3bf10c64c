//===- decode_test.cpp - Decoding and decode(encode(s)) == s round trips -*- C++ -*-===//
//
// Round trips use a tokenizer trained on a small inline corpus: its vocab
// holds all 256 byte-level characters, so any UTF-8 text survives encoding
// (the text must already be NFC, since the tokenizer normalizes).
//
//===----------------------------------------------------------------------===//
#include "fgrt/tokenizer/bpe_trainer.hpp"

#include "tokenizer_test_support.hpp"

namespace fgrt::tokenizer {
namespace {

using testing::kGpt2StyleJson;
using Ids = std::vector<int64_t>;

const Tokenizer &trained_tokenizer() {
  static const Tokenizer tokenizer =
      train_bpe({"The quick brown fox jumps over the lazy dog.\n", "Über café naïve — déjà vu! 😀 👍🏽\n",
                 "the theme of the thesis: there, then, these...\n\n\tindented\n"},
                BpeTrainerOptions().vocab_size(320));
  return tokenizer;
}

TEST(TokenizerDecode, HandDerivedTokensDecodeToText) {
  const Tokenizer tokenizer = Tokenizer::from_json(kGpt2StyleJson);
  // 12 15 16 17 18 = "hello" "Ġwor" "ld" "!" "Ċ".
  EXPECT_EQ(tokenizer.decode({12, 15, 16, 17, 18}), "hello world!\n");
  EXPECT_EQ(tokenizer.decode({12, 0, 12}), "hello<|endoftext|>hello");
  EXPECT_EQ(tokenizer.decode({12, 0, 12}, /*skip_special_tokens=*/true), "hellohello");
  EXPECT_EQ(tokenizer.decode({12, 999, -1, 12}), "hellohello"); // unknown ids are skipped
}

TEST(TokenizerDecode, IncompleteUtf8BecomesReplacementCharacters) {
  const Tokenizer &tokenizer = trained_tokenizer();
  // 😀 = F0 9F 98 80, whose byte-level characters are "ð" "Ł" "ĺ" "Ģ".
  const std::vector<std::string> bytes = {"ð", "Ł", "ĺ", "Ģ"};
  Ids ids;
  for (const std::string &byte : bytes)
    ids.push_back(*tokenizer.token_to_id(byte));
  EXPECT_EQ(tokenizer.decode(ids), "😀");
  // The first three bytes are one maximal invalid prefix -> one U+FFFD.
  EXPECT_EQ(tokenizer.decode(Ids(ids.begin(), ids.begin() + 3)), "\xEF\xBF\xBD");
  // A lone continuation byte, then valid text.
  EXPECT_EQ(tokenizer.decode({ids[3], *tokenizer.token_to_id("a")}), "\xEF\xBF\xBD"
                                                                     "a");
}

TEST(TokenizerDecode, TokensThatAreNotByteLevelTextAreCopied) {
  const Tokenizer tokenizer = testing::edited_tokenizer([](auto &json) {
    json["added_tokens"].push_back({{"id", 40}, {"content", "<two words>"}, {"special", false}});
  });
  // ' ' is not a byte-level character (space is 'Ġ'), so the decoder keeps
  // the token's own text.
  EXPECT_EQ(tokenizer.encode("hello<two words>"), Ids({12, 40}));
  EXPECT_EQ(tokenizer.decode({12, 40}), "hello<two words>");
}

TEST(TokenizerDecode, WithoutDecoderTokensAreJoinedBySpaces) {
  const Tokenizer tokenizer = testing::edited_tokenizer([](auto &json) { json["decoder"] = nullptr; });
  EXPECT_EQ(tokenizer.decode({12, 15, 16}), "hello Ġwor ld");
}

class TokenizerRoundTrip : public ::testing::TestWithParam<const char *> {};

TEST_P(TokenizerRoundTrip, DecodeOfEncodeIsIdentity) {
  const Tokenizer &tokenizer = trained_tokenizer();
  const std::string text = GetParam();
  EXPECT_EQ(tokenizer.decode(tokenizer.encode(text, false)), text);
  // The post-processor's BOS decodes as its text like any special token.
  const Ids with_bos = tokenizer.encode(text);
  ASSERT_FALSE(with_bos.empty());
  EXPECT_EQ(with_bos.front(), 0);
  EXPECT_EQ(tokenizer.decode(with_bos), "<|BOS|>" + text);
}

INSTANTIATE_TEST_SUITE_P(
    Texts, TokenizerRoundTrip,
    ::testing::Values("", "The quick brown fox jumps over the lazy dog.", "ASCII punctuation: ~!@#$%^&*()_+{}|:\"<>?",
                      "Ünïcödé: café, naïve, ß, Ærøskøbing, Ελληνικά, русский, 日本語のテキスト, 한국어",
                      "emoji 😀👍🏽 👨‍👩‍👧‍👦 🇩🇪 ✔️",
                      "  leading, trailing and   inner runs   ", "tabs\tand\t\tnewlines\n\n\nand\r\nCRLF \n \n",
                      "\x01\x02 control \x7f bytes", "specials <|BOS|>inline<|EOS|> and <|PAD|><|UNK|>",
                      "numbers 1234567890 3.14159 -42"));

TEST(TokenizerRoundTrip, SpecialTokensInTextEncodeToTheirIds) {
  const Tokenizer &tokenizer = trained_tokenizer();
  const Ids ids = tokenizer.encode("<|BOS|>hi<|EOS|>", false);
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids.front(), 0);
  EXPECT_EQ(ids.back(), 2);
  EXPECT_EQ(tokenizer.decode(ids, true), "hi");
}

} // namespace
} // namespace fgrt::tokenizer
