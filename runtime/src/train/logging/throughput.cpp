//===- throughput.cpp - Tokens per second, FLOPs, MFU ----------*- C++ -*-===//
//
// See throughput.hpp for the formulas. The window keeps window_steps + 1
// timestamps: the rate of the last k steps needs the time the first of them
// started, which is the end time of the step before it.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/logging/throughput.hpp"

#include <stdexcept>
#include <string>

namespace fgrt::train {
namespace {

void check_dimension(int64_t value, const char *name) {
  if (value < 0)
    throw std::runtime_error(std::string("TransformerFlopsShape: ") + name + " must be >= 0, got " +
                             std::to_string(value));
}

void check_options(const ThroughputMeterOptions &options) {
  if (options.window_steps() < 1)
    throw std::runtime_error("ThroughputMeter: window_steps must be >= 1, got " +
                             std::to_string(options.window_steps()));
  if (!(options.flops_per_token() >= 0.0))
    throw std::runtime_error("ThroughputMeter: flops_per_token must be >= 0, got " +
                             std::to_string(options.flops_per_token()));
  if (!(options.peak_flops_per_second() >= 0.0))
    throw std::runtime_error("ThroughputMeter: peak_flops_per_second must be >= 0, got " +
                             std::to_string(options.peak_flops_per_second()));
}

} // namespace

double transformer_training_flops_per_token(const TransformerFlopsShape &shape) {
  check_dimension(shape.non_embedding_parameters, "non_embedding_parameters");
  check_dimension(shape.num_layers, "num_layers");
  check_dimension(shape.hidden_size, "hidden_size");
  check_dimension(shape.sequence_length, "sequence_length");
  // In double, where the products cannot overflow; the result only ever
  // scales a rate.
  return 6.0 * double(shape.non_embedding_parameters) +
         12.0 * double(shape.num_layers) * double(shape.hidden_size) * double(shape.sequence_length);
}

double model_flops_utilization(double achieved_flops_per_second, double peak_flops_per_second) {
  if (!(peak_flops_per_second > 0.0))
    throw std::runtime_error("model_flops_utilization: the peak FLOP/s must be > 0, got " +
                             std::to_string(peak_flops_per_second));
  if (!(achieved_flops_per_second >= 0.0))
    throw std::runtime_error("model_flops_utilization: the achieved FLOP/s must be >= 0, got " +
                             std::to_string(achieved_flops_per_second));
  return achieved_flops_per_second / peak_flops_per_second;
}

ThroughputMeter::ThroughputMeter(ThroughputMeterOptions options)
    : ThroughputMeter(system_wall_clock(), std::move(options)) {}

ThroughputMeter::ThroughputMeter(WallClock clock, ThroughputMeterOptions options)
    : options_(std::move(options)), clock_(std::move(clock)) {
  check_options(options_);
  restart_window();
}

void ThroughputMeter::record_step(int64_t tokens) {
  if (tokens < 0)
    throw std::runtime_error("ThroughputMeter: a step of " + std::to_string(tokens) + " tokens");
  window_.emplace_back(clock_(), tokens);
  total_tokens_ += tokens;
  // One entry more than the window: the oldest only marks its start.
  while (int64_t(window_.size()) > options_.window_steps() + 1)
    window_.pop_front();
}

void ThroughputMeter::restart_window() {
  window_.clear();
  window_.emplace_back(clock_(), 0);
}

double ThroughputMeter::tokens_per_second() const {
  double elapsed = window_.back().first - window_.front().first;
  if (window_.size() < 2 || !(elapsed > 0.0))
    return 0.0;
  int64_t tokens = 0;
  for (auto it = window_.begin() + 1; it != window_.end(); ++it)
    tokens += it->second;
  return double(tokens) / elapsed;
}

std::optional<double> ThroughputMeter::achieved_flops_per_second() const {
  if (options_.flops_per_token() <= 0.0)
    return std::nullopt;
  return options_.flops_per_token() * tokens_per_second();
}

std::optional<double> ThroughputMeter::mfu() const {
  std::optional<double> achieved = achieved_flops_per_second();
  if (!achieved || options_.peak_flops_per_second() <= 0.0)
    return std::nullopt;
  return model_flops_utilization(*achieved, options_.peak_flops_per_second());
}

} // namespace fgrt::train
