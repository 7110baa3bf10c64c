// synthetic_stories_test.cpp - unit tests for the embedded story corpus.
//
// The corpus must be byte-identical on every platform and stay so: a hash
// of the first stories is pinned, so any change to the generator or its
// vocabulary shows up here (and must be made on purpose). The structure
// checks (sentence count, vocabulary size, openings, endings) guard the
// properties that make it a useful smoke-test corpus.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fgrt/data/synthetic_stories.hpp"

namespace {

using namespace fgrt::data;

/// FNV-1a (64 bits) of the stories, each followed by a newline.
uint64_t fnv1a(const std::vector<std::string> &stories) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const std::string &story : stories)
    for (unsigned char c : story + "\n") {
      hash ^= c;
      hash *= 0x100000001b3ULL;
    }
  return hash;
}

/// Sentences end with '.', '?' or '!' followed by a space or the end; a
/// closing quote after the mark belongs to the sentence.
int sentence_count(const std::string &story) {
  int count = 0;
  for (size_t i = 0; i < story.size(); ++i) {
    const bool mark = story[i] == '.' || story[i] == '?' || story[i] == '!';
    const bool ends = i + 1 == story.size() || story[i + 1] == ' ';
    if (mark && ends)
      ++count;
  }
  return count;
}

/// The distinct lower-case words of `stories` (letters only).
std::set<std::string> vocabulary(const std::vector<std::string> &stories) {
  std::set<std::string> words;
  for (const std::string &story : stories) {
    std::istringstream in(story);
    std::string token;
    while (in >> token) {
      std::string word;
      for (char c : token)
        if (std::isalpha(static_cast<unsigned char>(c)))
          word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!word.empty())
        words.insert(word);
    }
  }
  return words;
}

TEST(DataStories, FirstStoriesArePinned) {
  // The same values come out of clang++ 14 and g++ 12 builds.
  EXPECT_EQ(fnv1a(synthetic_stories(100, 42)), 0x951a22d95709ee72ULL);
  EXPECT_EQ(synthetic_story(0, 42), "Once upon a time, in an old forest, there lived a little bird called Emma. Every "
                                    "day, Emma liked to look at the stars. One day, Emma met a clever bear named Will. "
                                    "\"Do you want to play with me?\" asked Emma. \"Yes, I do!\" said Will. They "
                                    "played with a brown cookie all day. She smiled and went home.");
}

TEST(DataStories, StoryDependsOnlyOnSeedAndIndex) {
  const std::vector<std::string> ten = synthetic_stories(10, 7);
  const std::vector<std::string> twenty = synthetic_stories(20, 7);
  for (size_t i = 0; i < ten.size(); ++i) {
    EXPECT_EQ(ten[i], twenty[i]);
    EXPECT_EQ(ten[i], synthetic_story(i, 7));
  }
  EXPECT_NE(ten, synthetic_stories(10, 8));
  EXPECT_TRUE(synthetic_stories(0, 7).empty());
  EXPECT_THROW(synthetic_stories(-1, 7), std::runtime_error);
}

TEST(DataStories, StoriesHaveTheirStructure) {
  const std::vector<std::string> stories = synthetic_stories(2000, 42);
  int once_upon_a_time = 0, with_dialogue = 0, the_end = 0;
  for (const std::string &story : stories) {
    const int sentences = sentence_count(story);
    EXPECT_GE(sentences, 4) << story;
    EXPECT_LE(sentences, 8) << story;
    EXPECT_TRUE(std::isupper(static_cast<unsigned char>(story[0]))) << story;
    EXPECT_EQ(story.back(), '.') << story;
    once_upon_a_time += story.rfind("Once upon a time, ", 0) == 0;
    with_dialogue += story.find("\" said ") != std::string::npos || story.find("\" asked ") != std::string::npos;
    the_end += story.size() >= 8 && story.compare(story.size() - 8, 8, "The end.") == 0;
  }
  // Each feature is common but not universal.
  for (int count : {once_upon_a_time, with_dialogue, the_end}) {
    EXPECT_GT(count, 300);
    EXPECT_LT(count, 1700);
  }
  const size_t words = vocabulary(stories).size();
  EXPECT_GE(words, 200u);
  EXPECT_LE(words, 400u);
}

TEST(DataStories, TenThousandStoriesSizeAndTime) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::string> stories = synthetic_stories(10000, 42);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t bytes = 0;
  for (const std::string &story : stories)
    bytes += story.size();
  RecordProperty("bytes", std::to_string(bytes));
  RecordProperty("seconds", std::to_string(seconds));
  std::printf("10k synthetic stories: %zu bytes in %.3f s\n", bytes, seconds);
  EXPECT_GT(bytes, 1000000u);
  EXPECT_LT(bytes, 3000000u);
  EXPECT_EQ(std::set<std::string>(stories.begin(), stories.end()).size(), stories.size());
  EXPECT_EQ(fnv1a(stories), 0xb1318b41b58e368cULL);
}

} // namespace
