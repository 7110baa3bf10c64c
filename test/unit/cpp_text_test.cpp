// cpp_text_test.cpp - unit tests for compiler/support/CppText: the only path
// by which config text reaches generated C++.
#include <gtest/gtest.h>

#include <string>

#include "support/CppText.h"

namespace {

using namespace std::string_literals;
namespace cpp = fgcc::cpp;

TEST(CppStringLiteral, EscapesWhatEndsOrChangesALiteral) {
  EXPECT_EQ(cpp::stringLiteral("plain"), "\"plain\"");
  EXPECT_EQ(cpp::stringLiteral("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(cpp::stringLiteral("l1\nl2\tt\rr"), "\"l1\\nl2\\tt\\rr\"");
  // Octal, three digits: a following digit or letter stays outside.
  EXPECT_EQ(cpp::stringLiteral("\x01" "a7"), "\"\\001a7\"");
  EXPECT_EQ(cpp::stringLiteral("\x7f"), "\"\\177\"");
  EXPECT_EQ(cpp::stringLiteral("a\0b"s), "\"a\\000b\"");
}

TEST(CppStringLiteral, NoTrigraphCanForm) {
  EXPECT_EQ(cpp::stringLiteral("?\?/"), "\"?\\?/\"");
  EXPECT_EQ(cpp::stringLiteral("?\?\?="), "\"?\\?\\?=\"");
  EXPECT_EQ(cpp::stringLiteral("a?b?"), "\"a?b?\"");
}

TEST(CppStringLiteral, PassesUtf8AndCommentMarkersThrough) {
  EXPECT_EQ(cpp::stringLiteral("é 日本 */ /*"), "\"é 日本 */ /*\"");
}

TEST(CppIdentifier, RunsOfOtherBytesAreOneUnderscore) {
  EXPECT_EQ(cpp::identifier("learning rate (é)"), "learning_rate");
  EXPECT_EQ(cpp::identifier("  a--b  "), "a_b");
  EXPECT_EQ(cpp::identifier("keep__double"), "keep__double");
  EXPECT_EQ(cpp::identifier("_lead"), "_lead");
}

TEST(CppIdentifier, LeadingDigitsAndEmptyNamesGetAnUnderscore) {
  EXPECT_EQ(cpp::identifier("4M"), "_4M");
  EXPECT_EQ(cpp::identifier(""), "_");
  EXPECT_EQ(cpp::identifier("é"), "_");
}

TEST(CppIdentifier, KeywordsAndLibraryNamespacesAreRenamed) {
  EXPECT_EQ(cpp::identifier("int"), "int_");
  EXPECT_EQ(cpp::identifier("and"), "and_");
  EXPECT_EQ(cpp::identifier("co_await"), "co_await_");
  EXPECT_EQ(cpp::identifier("torch"), "torch_");
  EXPECT_EQ(cpp::identifier("std"), "std_");
  EXPECT_EQ(cpp::identifier("args"), "args_");
  EXPECT_EQ(cpp::identifier("model"), "model");
}

TEST(CppCommentText, StaysOnItsLine) {
  EXPECT_EQ(cpp::commentText("a\nb\r\tc"), "a\\nb\\r\\tc");
  EXPECT_EQ(cpp::commentText("bell\x07"), "bell\\x07");
  EXPECT_EQ(cpp::commentText("*/ /* é"), "*/ /* é");
}

TEST(CppCommentText, ATrailingSpliceIsBroken) {
  EXPECT_EQ(cpp::commentText("dir\\"), "dir\\ ");
  EXPECT_EQ(cpp::commentText("odd?\?/"), "odd?\?/ ");
  EXPECT_EQ(cpp::commentText("a\\b"), "a\\b");
}

} // namespace
