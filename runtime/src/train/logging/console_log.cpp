//===- console_log.cpp - The trainer's console log lines -------*- C++ -*-===//
//
// See console_log.hpp for the layout and the choice of precisions. The
// strftime()/snprintf() formats below are that table, column by column.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/logging/console_log.hpp"

#include "text_format.hpp"

#include <cmath>
#include <ctime>

namespace fgrt::train {
namespace {

using detail::pad_left;
using detail::pad_right;
using detail::printf_string;

constexpr size_t kTimestampWidth = 22;
constexpr size_t kStepWidth = 10;
constexpr size_t kEpochWidth = 5;
constexpr size_t kLossWidth = 10;

// A loss-like value: 5 decimals in a 10-column field, then at least one
// space so that the next label never touches it.
std::string loss_column(double value) {
  std::string text = printf_string("%.5f", value);
  return text.size() < kLossWidth ? pad_right(text, kLossWidth) : text + " ";
}

} // namespace

std::string format_log_timestamp(double unix_time, LogTimeZone zone) {
  std::time_t seconds = std::time_t(std::floor(unix_time));
  std::tm parts{};
  if (zone == LogTimeZone::kUtc)
    gmtime_r(&seconds, &parts);
  else
    localtime_r(&seconds, &parts);
  char buffer[32];
  size_t length = std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &parts);
  return std::string(buffer, length);
}

std::string format_thousands(int64_t value) {
  // Through uint64_t, so that INT64_MIN has a magnitude to print.
  uint64_t magnitude = value < 0 ? 0 - uint64_t(value) : uint64_t(value);
  std::string digits = std::to_string(magnitude);
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0)
      grouped += ',';
    grouped += digits[i];
  }
  return value < 0 ? "-" + grouped : grouped;
}

std::string format_log_line_header(const LogLinePosition &position, LogTimeZone zone) {
  return pad_right(format_log_timestamp(position.unix_time, zone), kTimestampWidth) +
         pad_left(format_thousands(position.global_step), kStepWidth) + "  " +
         pad_right(printf_string("%.2f", position.epoch), kEpochWidth);
}

std::string format_train_log_line(const LogLinePosition &position, double loss, std::optional<double> grad_norm,
                                  double learning_rate, LogTimeZone zone) {
  std::string line = format_log_line_header(position, zone) + " train-loss: " + loss_column(loss);
  if (grad_norm)
    line += "grad-norm: " + loss_column(*grad_norm);
  return line + "learning-rate: " + printf_string("%.2e", learning_rate);
}

std::string format_eval_log_line(const LogLinePosition &position, double eval_loss, LogTimeZone zone) {
  return format_log_line_header(position, zone) + " eval-loss:  " + printf_string("%.5f", eval_loss);
}

} // namespace fgrt::train
