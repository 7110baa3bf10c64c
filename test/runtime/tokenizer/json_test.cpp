//===- json_test.cpp - tokenizer.json reading, writing and errors -*- C++ -*-===//
//
// Reading both merge forms, the save/load round trip (same definition, same
// bytes, same encodings), and that each malformed or unsupported input gives
// a TokenizerError naming the file or field.
//
//===----------------------------------------------------------------------===//
#include "tokenizer_test_support.hpp"

namespace fgrt::tokenizer {
namespace {

using testing::edited_fixture;
using testing::edited_tokenizer;
using testing::expect_error;
using testing::kGpt2StyleJson;
using testing::ScratchDir;
using Ids = std::vector<int64_t>;

// Every section of the fixture lands in the matching definition field.
TEST(TokenizerJson, ReadsTheFixtureFields) {
  const TokenizerDefinition definition = parse_tokenizer_json(kGpt2StyleJson);
  ASSERT_EQ(definition.added_tokens.size(), 1u);
  EXPECT_EQ(definition.added_tokens[0].content, "<|endoftext|>");
  EXPECT_TRUE(definition.added_tokens[0].special);
  EXPECT_FALSE(definition.nfc_normalizer);
  ASSERT_EQ(definition.pre_tokenizer.size(), 1u);
  EXPECT_EQ(definition.pre_tokenizer[0].kind, PreTokenizerSpec::Kind::ByteLevel);
  EXPECT_FALSE(definition.pre_tokenizer[0].byte_level.add_prefix_space);
  ASSERT_EQ(definition.post_processor.size(), 1u);
  EXPECT_EQ(definition.post_processor[0].kind, PostProcessorSpec::Kind::ByteLevel);
  ASSERT_TRUE(definition.decoder.has_value());
  EXPECT_EQ(definition.model.vocab.size(), 22u);
  EXPECT_EQ(definition.model.vocab[12], std::make_pair(std::string("hello"), int64_t(12))); // sorted by id
  ASSERT_EQ(definition.model.merges.size(), 8u);
  EXPECT_EQ(definition.model.merges[6], std::make_pair(std::string("Ġw"), std::string("or")));
}

// The [left, right] merge form (tokenizers >= 0.20) reads to the same merges
// as the "left right" strings of the fixture.
TEST(TokenizerJson, MergesInPairFormEncodeTheSame) {
  const Tokenizer pairs = edited_tokenizer([](auto &json) {
    nlohmann::json merges = nlohmann::json::array();
    for (const auto &merge : json["model"]["merges"]) {
      const std::string text = merge;
      merges.push_back({text.substr(0, text.find(' ')), text.substr(text.find(' ') + 1)});
    }
    json["model"]["merges"] = merges;
  });
  EXPECT_EQ(pairs.definition().model.merges, parse_tokenizer_json(kGpt2StyleJson).model.merges);
  EXPECT_EQ(pairs.encode("hello world"), Ids({12, 15, 16}));
}

// save -> from_file gives an equal definition, the same bytes when saved
// again, and the same encodings.
TEST(TokenizerJson, SaveAndReloadAreIdentical) {
  ScratchDir dir;
  const Tokenizer original = edited_tokenizer([](auto &json) {
    json["normalizer"] = {{"type", "NFC"}};
    json["post_processor"] = testing::prepend_template("<|endoftext|>", 0);
    json["model"]["unk_token"] = "<unk>";
  });
  original.save(dir.file("a.json"));
  const Tokenizer reloaded = Tokenizer::from_file(dir.file("a.json"));
  EXPECT_EQ(to_tokenizer_json(reloaded.definition()), to_tokenizer_json(original.definition()));
  reloaded.save(dir.file("b.json"));
  std::ifstream a(dir.file("a.json")), b(dir.file("b.json"));
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(a), {}), std::string(std::istreambuf_iterator<char>(b), {}));
  for (const char *text : {"hello world!", "hex<|endoftext|>lll", ""})
    EXPECT_EQ(reloaded.encode(text), original.encode(text)) << text;
  EXPECT_EQ(reloaded.vocab_size(), original.vocab_size());
}

// "a b c" would be ambiguous as a string merge, so such merges are written
// as pairs; ordinary byte-level merges stay strings.
TEST(TokenizerJson, WritesPairFormOnlyWhenATokenHasASpace) {
  TokenizerDefinition definition;
  definition.model.vocab = {{"a", 0}, {"b c", 1}, {"ab c", 2}};
  definition.model.merges = {{"a", "b c"}};
  const std::string json = to_tokenizer_json(definition);
  EXPECT_NE(json.find("\"b c\"\n"), std::string::npos) << json; // an element of a [left, right] array
  const Tokenizer tokenizer(parse_tokenizer_json(json));
  EXPECT_EQ(tokenizer.definition().model.merges, definition.model.merges);
  EXPECT_NE(to_tokenizer_json(parse_tokenizer_json(kGpt2StyleJson)).find("\"Ġw or\""), std::string::npos);
}

// Missing, malformed and inconsistent files, and an unwritable path: each
// message starts with the path.
TEST(TokenizerJson, FileErrorsNameTheFile) {
  ScratchDir dir;
  expect_error([&] { Tokenizer::from_file(dir.file("missing.json")); }, {"missing.json", "cannot open"});
  const std::string bad = dir.write("bad.json", "{\"model\": [1, 2");
  expect_error([&] { Tokenizer::from_file(bad); }, {"bad.json", "malformed JSON"});
  const std::string merges =
      dir.write("merges.json", edited_fixture([](auto &json) { json["model"]["merges"][2] = "he xx"; }));
  expect_error([&] { Tokenizer::from_file(merges); },
               {"merges.json", "model.merges[2]", "'xx' is not in the vocabulary"});
  expect_error([&] { Tokenizer(parse_tokenizer_json(kGpt2StyleJson)).save(dir.file("no/such/dir/t.json")); },
               {"no/such/dir/t.json", "cannot open for writing"});
}

/// The message of parsing the fixture after `edit` must contain `fragments`.
template <typename Edit> void expect_rejected(Edit edit, std::initializer_list<std::string> fragments) {
  expect_error([&] { Tokenizer::from_json(edited_fixture(edit)); }, fragments);
}

// Features that would change the ids if ignored are refused with the field
// name and the supported alternatives.
TEST(TokenizerJson, UnsupportedFeaturesNameTheField) {
  expect_rejected([](auto &json) { json["model"]["type"] = "WordPiece"; }, {"model.type", "'WordPiece'", "only BPE"});
  expect_rejected([](auto &json) { json["model"]["dropout"] = 0.1; }, {"model.dropout"});
  expect_rejected([](auto &json) { json["model"]["continuing_subword_prefix"] = "##"; },
                  {"model.continuing_subword_prefix"});
  expect_rejected([](auto &json) { json["normalizer"] = {{"type", "Lowercase"}}; }, {"normalizer.type", "Lowercase"});
  expect_rejected([](auto &json) { json["pre_tokenizer"] = {{"type", "Metaspace"}}; }, {"pre_tokenizer.type"});
  expect_rejected(
      [](auto &json) {
        json["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", {{{"type", "Whitespace"}}}}};
      },
      {"pre_tokenizer.pretokenizers[0].type", "Whitespace"});
  expect_rejected([](auto &json) { json["post_processor"] = {{"type", "BertProcessing"}}; }, {"post_processor.type"});
  expect_rejected([](auto &json) { json["decoder"] = {{"type", "WordPiece"}}; }, {"decoder.type"});
  expect_rejected([](auto &json) { json["truncation"] = {{"max_length", 8}}; }, {"truncation", "not supported"});
}

// Wrong types, missing fields and inconsistent references, each reported at
// its JSON path.
TEST(TokenizerJson, MalformedFieldsNameTheField) {
  expect_rejected([](auto &json) { json.erase("model"); }, {"model: missing"});
  expect_rejected([](auto &json) { json["model"]["vocab"]["h"] = "one"; }, {"model.vocab.h", "expected an integer"});
  expect_rejected([](auto &json) { json["model"]["merges"][0] = "h e x"; }, {"model.merges[0]", "exactly one space"});
  expect_rejected([](auto &json) { json["model"]["merges"][0] = {"h"}; }, {"model.merges[0]", "pair"});
  expect_rejected([](auto &json) { json["model"]["vocab"]["dup"] = 3; }, {"model.vocab", "id 3", "'dup'"});
  expect_rejected([](auto &json) { json["model"]["unk_token"] = "<nope>"; }, {"model.unk_token", "<nope>"});
  expect_rejected([](auto &json) { json["added_tokens"][0]["content"] = 7; }, {"added_tokens[0].content"});
  expect_rejected(
      [](auto &json) {
        json["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(a"}}}, {"behavior", "Isolated"}};
      },
      {"pre_tokenizer[0].pattern", "invalid regex"});
  expect_rejected(
      [](auto &json) {
        json["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "a"}}}, {"behavior", "Sideways"}};
      },
      {"pre_tokenizer.behavior", "Sideways"});
  expect_rejected([](auto &json) { json["post_processor"] = testing::prepend_template("<|endoftext|>", 99); },
                  {"post_processor.special_tokens.<|endoftext|>", "id 99"});
  expect_rejected(
      [](auto &json) {
        json["post_processor"] = testing::prepend_template("<|endoftext|>", 0);
        json["post_processor"]["single"][0]["SpecialToken"]["id"] = "<other>";
      },
      {"post_processor.single[0]", "<other>"});
}

} // namespace
} // namespace fgrt::tokenizer
