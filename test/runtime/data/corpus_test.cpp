// corpus_test.cpp - unit tests for the corpus readers and the train/eval
// split.
//
// The readers are checked on small files written by the tests (line endings,
// blank lines, paragraphs), and every refusal on a message that names the
// file and, for JSON Lines, the line: that message is all a user gets when
// one record among a million is broken.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "../error_of.hpp"
#include "fgrt/data/corpus.hpp"
#include "fgrt/data/random.hpp"

namespace {

namespace fs = std::filesystem;
using namespace fgrt::data;
using fgrt::testing::error_of;
using Docs = std::vector<std::string>;

/// A file with `contents` in a fresh temporary directory, removed with it.
class TempFile {
public:
  TempFile(const std::string &name, const std::string &contents) {
    dir_ = fs::temp_directory_path() / ("fgrt-corpus-" + std::to_string(::getpid()) + "-" + name);
    fs::create_directories(dir_);
    path_ = (dir_ / name).string();
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempFile() { fs::remove_all(dir_); }
  const std::string &path() const { return path_; }
  std::string dir() const { return dir_.string(); }

private:
  fs::path dir_;
  std::string path_;
};

TEST(DataCorpus, SplitsTextThreeWays) {
  const std::string text = "first line\r\nsecond line\n\n  \nthird\n\n\nfourth\n";
  EXPECT_EQ(split_text(text, TextSplit::kWholeFile), Docs{text});
  EXPECT_EQ(split_text(text, TextSplit::kBlankLines), (Docs{"first line\nsecond line", "third", "fourth"}));
  EXPECT_EQ(split_text(text, TextSplit::kLines), (Docs{"first line", "second line", "third", "fourth"}));
  // A blank text is no document at all, in every mode.
  for (TextSplit mode : {TextSplit::kWholeFile, TextSplit::kBlankLines, TextSplit::kLines})
    EXPECT_TRUE(split_text(" \n\t\n", mode).empty());
}

TEST(DataCorpus, ReadsTextFiles) {
  TempFile file("stories.txt", "Once upon a time.\nThe end.\n\nAnother story.");
  EXPECT_EQ(read_text_corpus(file.path(), TextSplit::kBlankLines),
            (Docs{"Once upon a time.\nThe end.", "Another story."}));
  EXPECT_EQ(read_text_corpus(file.path(), TextSplit::kLines).size(), 3u);
}

TEST(DataCorpus, RefusesMissingFilesAndDirectories) {
  const std::string missing = error_of([] { read_text_corpus("/nonexistent/corpus.txt", TextSplit::kLines); });
  EXPECT_NE(missing.find("'/nonexistent/corpus.txt'"), std::string::npos) << missing;
  EXPECT_NE(missing.find("No such file"), std::string::npos) << missing;
  TempFile file("dir-check.txt", "x");
  const std::string directory = error_of([&] { read_jsonl_corpus(file.dir()); });
  EXPECT_NE(directory.find("is a directory"), std::string::npos) << directory;
}

TEST(DataCorpus, ReadsJsonLines) {
  TempFile file("corpus.jsonl", "{\"text\": \"Hello \\\"world\\\"\\n\", \"id\": 1}\n"
                                "\n"
                                "{\"id\": 2, \"text\": \"caf\\u00e9\", \"story\": \"other\"}\r\n");
  EXPECT_EQ(read_jsonl_corpus(file.path()), (Docs{"Hello \"world\"\n", "caf\xc3\xa9"}));
}

/// The error read_jsonl_corpus(field) gives for a file with `contents`.
std::string jsonl_error(const std::string &contents, const std::string &field = "text") {
  TempFile file("bad.jsonl", contents);
  std::string message = error_of([&] { read_jsonl_corpus(file.path(), field); });
  // Keep the file name out of the comparisons below: it holds the pid.
  const size_t at = message.find(file.path());
  return at == std::string::npos ? "<no file name> " + message : message.replace(at, file.path().size(), "FILE");
}

TEST(DataCorpus, JsonLinesErrorsNameFileAndLine) {
  const std::string good = "{\"text\": \"ok\"}\n";
  EXPECT_EQ(jsonl_error(good + "\n" + "{\"text\": \"cut\n").substr(0, 27), "FILE:3: invalid JSON: [json");
  EXPECT_EQ(jsonl_error(good + "{\"body\": \"x\"}\n"), "FILE:2: missing field \"text\"");
  EXPECT_EQ(jsonl_error(good + good + "{\"text\": 7}\n"), "FILE:3: field \"text\" must be a string, got number");
  EXPECT_EQ(jsonl_error("[\"text\"]\n"), "FILE:1: expected a JSON object, got array");
  EXPECT_EQ(jsonl_error(good, "story"), "FILE:1: missing field \"story\"");
}

TEST(DataCorpus, TrainEvalSplitByFraction) {
  // ceil(0.3 * 10) = 3 exactly, although 0.3 * 10 is 3.0000000000000004.
  const SplitIndices split = train_eval_indices(10, TrainEvalSplitOptions().eval_fraction(0.3).seed(5));
  ASSERT_EQ(split.eval.size(), 3u);
  ASSERT_EQ(split.train.size(), 7u);
  std::set<size_t> all(split.train.begin(), split.train.end());
  all.insert(split.eval.begin(), split.eval.end());
  EXPECT_EQ(all.size(), 10u);
  EXPECT_TRUE(std::is_sorted(split.eval.begin(), split.eval.end()));
  // Rounded up like HF: 5% of 10 is one item.
  EXPECT_EQ(train_eval_indices(10, TrainEvalSplitOptions().eval_fraction(0.05)).eval.size(), 1u);
}

TEST(DataCorpus, TrainEvalSplitIsSeeded) {
  const auto options = TrainEvalSplitOptions().eval_count(4).seed(11);
  const SplitIndices first = train_eval_indices(40, options);
  EXPECT_EQ(first.eval, train_eval_indices(40, options).eval);
  EXPECT_NE(first.eval, train_eval_indices(40, TrainEvalSplitOptions().eval_count(4).seed(12)).eval);
  // The chosen items are the first four of the seed's permutation.
  const std::vector<size_t> order = seeded_permutation(40, 11);
  std::vector<size_t> expected(order.begin(), order.begin() + 4);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(first.eval, expected);
}

TEST(DataCorpus, TrainEvalSplitWithoutShuffleHoldsOutTheTail) {
  const Docs docs = {"a", "b", "c", "d", "e"};
  const TrainEvalSplit<std::string> split =
      split_train_eval(docs, TrainEvalSplitOptions().eval_count(2).shuffle(false));
  EXPECT_EQ(split.train, (Docs{"a", "b", "c"}));
  EXPECT_EQ(split.eval, (Docs{"d", "e"}));
}

TEST(DataCorpus, TrainEvalSplitRefusesBadSizes) {
  EXPECT_NE(error_of([] { train_eval_indices(5, TrainEvalSplitOptions().eval_fraction(1.5)); }).find("eval_fraction"),
            std::string::npos);
  EXPECT_NE(error_of([] { train_eval_indices(5, TrainEvalSplitOptions().eval_count(6)); }).find("eval_count 6"),
            std::string::npos);
  EXPECT_NE(error_of([] { train_eval_indices(5, TrainEvalSplitOptions().eval_count(-1)); }), "");
}

} // namespace
