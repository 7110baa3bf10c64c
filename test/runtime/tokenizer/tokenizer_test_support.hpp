//===- tokenizer_test_support.hpp - Fixtures of the tokenizer tests -*- C++ -*-===//
//
// A small hand-written GPT-2-style tokenizer.json whose ids the tests derive
// by hand, helpers to derive variants of it (JSON edits), and a scratch
// directory that removes itself.
//
// The fixture's vocabulary (byte-level: 'Ġ' is a space, 'Ċ' a newline):
//
//   0 <|endoftext|>   5 Ġ    10 ll      15 Ġwor   20 <unk>
//   1 h               6 w    11 hell    16 ld     21 <0x78>  ("x" as a byte)
//   2 e               7 r    12 hello   17 !
//   3 l               8 d    13 Ġw      18 Ċ
//   4 o               9 he   14 or      19 Ġworld
//
// Merges, by rank: 0 "h e", 1 "l l", 2 "he ll", 3 "hell o", 4 "Ġ w",
// 5 "o r", 6 "Ġw or", 7 "l d". "Ġworld" is in the vocab but no merge
// sequence reaches it (only ignore_merges can produce it).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/tokenizer/tokenizer.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace fgrt::tokenizer::testing {

/// The fixture described in the file comment: ByteLevel pre-tokenizer and
/// post-processor, ByteLevel decoder, <|endoftext|> as a special added token.
inline const char *const kGpt2StyleJson = R"json({
  "version": "1.0",
  "truncation": null,
  "padding": null,
  "added_tokens": [
    {"id": 0, "content": "<|endoftext|>", "single_word": false, "lstrip": false, "rstrip": false,
     "normalized": false, "special": true}
  ],
  "normalizer": null,
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
  "post_processor": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
  "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
  "model": {
    "type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": "",
    "end_of_word_suffix": "", "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
    "vocab": {"<|endoftext|>": 0, "h": 1, "e": 2, "l": 3, "o": 4, "Ġ": 5, "w": 6, "r": 7, "d": 8, "he": 9,
              "ll": 10, "hell": 11, "hello": 12, "Ġw": 13, "or": 14, "Ġwor": 15, "ld": 16, "!": 17, "Ċ": 18,
              "Ġworld": 19, "<unk>": 20, "<0x78>": 21},
    "merges": ["h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "l d"]
  }
})json";

/// The fixture JSON after `edit` changed it.
template <typename Edit> std::string edited_fixture(Edit edit) {
  nlohmann::json json = nlohmann::json::parse(kGpt2StyleJson);
  edit(json);
  return json.dump();
}

/// The fixture tokenizer after `edit` changed its JSON.
template <typename Edit> Tokenizer edited_tokenizer(Edit edit) { return Tokenizer::from_json(edited_fixture(edit)); }

/// A TemplateProcessing post-processor "`token` $A" with `token` = `id`.
inline nlohmann::json prepend_template(const std::string &token, int64_t id) {
  return {
      {"type", "TemplateProcessing"},
      {"single", {{{"SpecialToken", {{"id", token}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
      {"pair", nlohmann::json::array()},
      {"special_tokens", {{token, {{"id", token}, {"ids", {id}}, {"tokens", {token}}}}}}};
}

/// A fresh directory under the system temp dir, deleted with its contents.
class ScratchDir {
public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("fgrt_tokenizer_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir &) = delete;
  ScratchDir &operator=(const ScratchDir &) = delete;

  /// `name` inside the directory.
  std::string file(const std::string &name) const { return (path_ / name).string(); }
  /// Writes `contents` to `name` and returns its path.
  std::string write(const std::string &name, const std::string &contents) const {
    std::ofstream(file(name), std::ios::binary) << contents;
    return file(name);
  }

private:
  std::filesystem::path path_;
};

/// Runs `action`, expecting a TokenizerError whose message contains every one
/// of `fragments`.
template <typename Action> void expect_error(Action action, std::initializer_list<std::string> fragments) {
  try {
    action();
    ADD_FAILURE() << "expected a TokenizerError";
  } catch (const TokenizerError &error) {
    for (const std::string &fragment : fragments)
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos)
          << "message '" << error.what() << "' lacks '" << fragment << "'";
  }
}

} // namespace fgrt::tokenizer::testing
