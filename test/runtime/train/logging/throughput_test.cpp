//===- throughput_test.cpp - Tests of tokens/s, FLOPs and MFU --*- C++ -*-===//
//
// The FLOPs formula against numbers worked out by hand, and the windowed
// rate under a scripted clock, where every expected value is an exact
// fraction of the recorded tokens and times.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/logging/throughput.hpp"

#include "logging_test_support.hpp"

#include <gtest/gtest.h>

namespace fgrt::train {
namespace {

using testing::ScriptedClock;

TEST(LoggingThroughput, CountsTrainingFlopsPerToken) {
  // 6 * 1e6 + 12 * 4 * 256 * 512 = 6,000,000 + 6,291,456.
  EXPECT_EQ(transformer_training_flops_per_token({1000000, 4, 256, 512}), 12291456.0);
  // Without attention (T = 0) it is the classic 6 N.
  EXPECT_EQ(transformer_training_flops_per_token({7, 2, 16, 0}), 42.0);
  EXPECT_THROW(transformer_training_flops_per_token({-1, 1, 1, 1}), std::runtime_error);
  try {
    transformer_training_flops_per_token({1, 1, -8, 1});
    FAIL() << "a negative width was accepted";
  } catch (const std::runtime_error &error) {
    EXPECT_NE(std::string(error.what()).find("hidden_size"), std::string::npos) << error.what();
  }
}

TEST(LoggingThroughput, DividesByThePeak) {
  EXPECT_EQ(model_flops_utilization(1e12, 4e12), 0.25);
  EXPECT_THROW(model_flops_utilization(1e12, 0.0), std::runtime_error);
  EXPECT_THROW(model_flops_utilization(-1.0, 1.0), std::runtime_error);
}

TEST(LoggingThroughput, MeasuresTokensPerSecondOverTheWindow) {
  ScriptedClock clock(10.0);
  ThroughputMeter meter(clock.clock(), ThroughputMeterOptions().window_steps(2));
  EXPECT_EQ(meter.tokens_per_second(), 0.0);
  clock.set(11.0);
  meter.record_step(100);
  EXPECT_EQ(meter.tokens_per_second(), 100.0);
  clock.set(13.0);
  meter.record_step(300);
  EXPECT_EQ(meter.tokens_per_second(), 400.0 / 3.0);
  // The first step leaves the window; its end time becomes the start.
  clock.set(14.0);
  meter.record_step(500);
  EXPECT_EQ(meter.tokens_per_second(), 800.0 / 3.0);
  EXPECT_EQ(meter.total_tokens(), 900);
}

TEST(LoggingThroughput, RestartsTheWindowAfterAPause) {
  ScriptedClock clock(0.0);
  ThroughputMeter meter(clock.clock());
  clock.set(1.0);
  meter.record_step(50);
  clock.set(100.0);
  meter.restart_window();
  EXPECT_EQ(meter.tokens_per_second(), 0.0);
  clock.set(102.0);
  meter.record_step(50);
  EXPECT_EQ(meter.tokens_per_second(), 25.0);
  EXPECT_EQ(meter.total_tokens(), 100);
}

TEST(LoggingThroughput, ReportsFlopsAndMfuWhenKnown) {
  ScriptedClock clock(0.0);
  ThroughputMeter unknown(clock.clock());
  ThroughputMeter no_peak(clock.clock(), ThroughputMeterOptions().flops_per_token(1e6));
  ThroughputMeter full(clock.clock(), ThroughputMeterOptions().flops_per_token(1e6).peak_flops_per_second(4e9));
  clock.set(2.0);
  for (ThroughputMeter *meter : {&unknown, &no_peak, &full})
    meter->record_step(1000);
  EXPECT_FALSE(unknown.achieved_flops_per_second());
  EXPECT_FALSE(unknown.mfu());
  EXPECT_EQ(no_peak.achieved_flops_per_second(), 5e8);
  EXPECT_FALSE(no_peak.mfu());
  EXPECT_EQ(full.mfu(), 0.125);
}

TEST(LoggingThroughput, RejectsBadOptionsAndCounts) {
  ScriptedClock clock(0.0);
  EXPECT_THROW(ThroughputMeter(clock.clock(), ThroughputMeterOptions().window_steps(0)), std::runtime_error);
  EXPECT_THROW(ThroughputMeter(clock.clock(), ThroughputMeterOptions().flops_per_token(-1)), std::runtime_error);
  EXPECT_THROW(ThroughputMeter(clock.clock(), ThroughputMeterOptions().peak_flops_per_second(-1)), std::runtime_error);
  ThroughputMeter meter(clock.clock());
  EXPECT_THROW(meter.record_step(-5), std::runtime_error);
}

} // namespace
} // namespace fgrt::train
