//===- console_log_test.cpp - Tests of console lines and bar ---*- C++ -*-===//
//
// Exact strings: the log lines at a fixed time in UTC, and every byte the
// progress bar writes to a terminal or a file under a scripted clock.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/logging/console_log.hpp"
#include "fgrt/train/logging/progress_bar.hpp"

#include "logging_test_support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

namespace fgrt::train {
namespace {

using testing::ScriptedClock;

// 1700000000 is 2023-11-14 22:13:20 UTC.
const LogLinePosition kPosition{1700000000.75, 1000, 0.25};
const char *const kHeader = "2023-11-14 22:13:20        1,000  0.25 ";

TEST(LoggingConsole, FormatsTimestamps) {
  EXPECT_EQ(format_log_timestamp(1700000000.0, LogTimeZone::kUtc), "2023-11-14 22:13:20");
  EXPECT_EQ(format_log_timestamp(1700000000.999, LogTimeZone::kUtc), "2023-11-14 22:13:20");
  EXPECT_EQ(format_log_timestamp(0.0, LogTimeZone::kUtc), "1970-01-01 00:00:00");
  EXPECT_EQ(format_log_timestamp(1700000000.0).size(), 19u);
}

TEST(LoggingConsole, GroupsThousands) {
  EXPECT_EQ(format_thousands(0), "0");
  EXPECT_EQ(format_thousands(999), "999");
  EXPECT_EQ(format_thousands(1000), "1,000");
  EXPECT_EQ(format_thousands(1234567), "1,234,567");
  EXPECT_EQ(format_thousands(-1234567), "-1,234,567");
  EXPECT_EQ(format_thousands(std::numeric_limits<int64_t>::min()), "-9,223,372,036,854,775,808");
}

TEST(LoggingConsole, FormatsTheHeaderColumns) {
  EXPECT_EQ(format_log_line_header(kPosition, LogTimeZone::kUtc), kHeader);
  EXPECT_EQ(format_log_line_header({1700000000.0, 1234567890, 12.345}, LogTimeZone::kUtc),
            "2023-11-14 22:13:20   1,234,567,890  12.35");
}

TEST(LoggingConsole, FormatsTheTrainLine) {
  EXPECT_EQ(format_train_log_line(kPosition, 2.1234567, 0.5, 3e-4, LogTimeZone::kUtc),
            std::string(kHeader) + " train-loss: 2.12346   grad-norm: 0.50000   learning-rate: 3.00e-04");
}

TEST(LoggingConsole, LeavesOutAMissingGradNorm) {
  EXPECT_EQ(format_train_log_line(kPosition, 10.0, std::nullopt, 1.25e-5, LogTimeZone::kUtc),
            std::string(kHeader) + " train-loss: 10.00000  learning-rate: 1.25e-05");
}

TEST(LoggingConsole, KeepsASpaceAfterWideValues) {
  EXPECT_EQ(format_train_log_line(kPosition, 12345.678901, std::nan(""), 1.0, LogTimeZone::kUtc),
            std::string(kHeader) + " train-loss: 12345.67890 grad-norm: nan       learning-rate: 1.00e+00");
}

TEST(LoggingConsole, FormatsTheEvalLine) {
  EXPECT_EQ(format_eval_log_line(kPosition, 2.2, LogTimeZone::kUtc), std::string(kHeader) + " eval-loss:  2.20000");
}

// A bar of 10 cells over 100 steps, created at t = 100 on a "terminal" or a
// "file" captured in `out`.
class LoggingProgressBar : public ::testing::Test {
protected:
  std::unique_ptr<ProgressBar> make_bar(bool is_tty, int64_t initial_step = 0) {
    clock_.set(100.0);
    return std::make_unique<ProgressBar>(100, initial_step, ConsoleSink{&out_, is_tty, clock_.clock()},
                                         ProgressBarOptions().width(10).min_redraw_seconds(1.0));
  }
  /// What was written since the last call.
  std::string take_output() {
    std::string text = out_.str();
    out_.str("");
    return text;
  }

  std::ostringstream out_;
  ScriptedClock clock_{0.0};
};

TEST_F(LoggingProgressBar, DrawsOnATerminal) {
  auto bar = make_bar(true);
  EXPECT_EQ(take_output(), "\r  0/100   0% [----------] ? steps/s  ETA ?:??:??\x1b[K");
  clock_.set(110.0);
  bar->update(25, 2.5);
  EXPECT_EQ(take_output(), "\r 25/100  25% [##--------] 2.50 steps/s  ETA 0:00:30  loss 2.50000\x1b[K");
  EXPECT_EQ(bar->render(), " 25/100  25% [##--------] 2.50 steps/s  ETA 0:00:30  loss 2.50000");
}

TEST_F(LoggingProgressBar, LimitsTheRedrawRateButAlwaysDrawsTheLastStep) {
  auto bar = make_bar(true);
  take_output();
  clock_.set(100.5);
  bar->update(1);
  EXPECT_EQ(take_output(), "");
  clock_.set(101.0);
  bar->update(2);
  EXPECT_EQ(take_output(), "\r  2/100   2% [----------] 2.00 steps/s  ETA 0:00:49\x1b[K");
  clock_.set(101.5);
  bar->update(100, 1.0);
  EXPECT_EQ(take_output(), "\r100/100 100% [##########] 66.67 steps/s  ETA 0:00:00  loss 1.00000\x1b[K");
}

TEST_F(LoggingProgressBar, PrintsLogLinesAboveTheBar) {
  auto bar = make_bar(true);
  take_output();
  clock_.set(200.0);
  bar->update(50, 3.0);
  take_output();
  bar->write_line("a log line");
  EXPECT_EQ(take_output(), "\r\x1b[Ka log line\n"
                           "\r 50/100  50% [#####-----] 0.50 steps/s  ETA 0:01:40  loss 3.00000\x1b[K");
  bar->close();
  EXPECT_EQ(take_output(), "\r 50/100  50% [#####-----] 0.50 steps/s  ETA 0:01:40  loss 3.00000\x1b[K\n");
  bar->close();
  bar->write_line("after close");
  EXPECT_EQ(take_output(), "after close\n");
}

TEST_F(LoggingProgressBar, PrintsOnlyLogLinesWhenNotATerminal) {
  auto bar = make_bar(false);
  clock_.set(150.0);
  bar->update(10, 2.0);
  bar->write_line("line one");
  bar->update(100);
  bar->write_line("line two");
  bar.reset();
  EXPECT_EQ(take_output(), "line one\nline two\n");
}

TEST_F(LoggingProgressBar, CountsTheRateFromTheInitialStep) {
  auto bar = make_bar(true, 60);
  EXPECT_EQ(take_output(), "\r 60/100  60% [######----] ? steps/s  ETA ?:??:??\x1b[K");
  clock_.set(3700.0);
  bar->update(61);
  // One step in an hour: 39 more take 39 hours.
  EXPECT_EQ(take_output(), "\r 61/100  61% [######----] 0.00 steps/s  ETA 39:00:00\x1b[K");
}

TEST_F(LoggingProgressBar, RejectsBadArguments) {
  ConsoleSink sink{&out_, true, clock_.clock()};
  EXPECT_THROW(ProgressBar(0, 0, sink), std::runtime_error);
  EXPECT_THROW(ProgressBar(10, 11, sink), std::runtime_error);
  EXPECT_THROW(ProgressBar(10, 0, sink, ProgressBarOptions().width(0)), std::runtime_error);
  EXPECT_THROW(ProgressBar(10, 0, sink, ProgressBarOptions().min_redraw_seconds(-1)), std::runtime_error);
  EXPECT_THROW(ProgressBar(10, 0, ConsoleSink{nullptr, true, clock_.clock()}), std::runtime_error);
  EXPECT_EQ(out_.str(), "");
}

} // namespace
} // namespace fgrt::train
