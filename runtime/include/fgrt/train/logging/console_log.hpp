//===- console_log.hpp - The trainer's console log lines -------*- C++ -*-===//
//
// Every logging step and every evaluation the trainer prints one line in the
// reference's layout:
//
//   2023-11-14 22:13:20        1,000  0.25  train-loss: 2.12346   grad-norm: 0.50000   learning-rate: 3.00e-04
//   2023-11-14 22:13:25        1,000  0.25  eval-loss:  2.20000
//
//   timestamp       "%Y-%m-%d %H:%M:%S", padded to 22 columns
//   global step     right-aligned in 10 columns, with thousands separators
//   epoch           2 decimals ("%.2f"), after two spaces, padded to 5
//   loss, grad-norm 5 decimals ("%.5f"), padded to 10 columns, and always
//                   followed by at least one space
//   learning rate   "%.2e"
//   eval-loss       5 decimals, after "eval-loss:" and two spaces, so that
//                   it lines up under the train-loss values
//
// The reference rounds with Python's round(x, 5) and prints the shortest
// repr ("2.5", "2.12346"), and the epoch with the general format of 3
// significant digits; fixed decimals here keep the columns aligned and give
// the same digits whenever the reference shows 5 (resp. 2) decimals. Its
// fields can run into each other once a value is 10 characters wide; the
// minimum one space here avoids that. Without a gradient norm (no clipping
// configured), the grad-norm column is left out, as in the reference's older
// form of the line.
//
// The reference prints local time (datetime.now()); LogTimeZone::kUtc gives
// reproducible lines for tests and for runs that log in UTC.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fgrt::train {

/// The time zone a log line's timestamp is written in.
enum class LogTimeZone {
  /// The process's local time zone (TZ), like the reference.
  kLocal,
  /// Coordinated Universal Time.
  kUtc,
};

/// When and where in the run a log line is written.
struct LogLinePosition {
  /// Seconds since the Unix epoch (a WallClock reading).
  double unix_time = 0.0;
  /// Optimizer steps completed.
  int64_t global_step = 0;
  /// Fractional epochs completed.
  double epoch = 0.0;
};

/// "YYYY-MM-DD HH:MM:SS" of `unix_time` (fractions of a second truncated).
std::string format_log_timestamp(double unix_time, LogTimeZone zone = LogTimeZone::kLocal);

/// `value` with a ',' between groups of three digits ("-1,234,567").
std::string format_thousands(int64_t value);

/// The timestamp, step and epoch columns shared by the train and eval lines.
std::string format_log_line_header(const LogLinePosition &position, LogTimeZone zone = LogTimeZone::kLocal);

/// The line of a logging step (see the file comment); `grad_norm` absent
/// leaves its column out.
std::string format_train_log_line(const LogLinePosition &position, double loss, std::optional<double> grad_norm,
                                  double learning_rate, LogTimeZone zone = LogTimeZone::kLocal);

/// The line of an evaluation (see the file comment).
std::string format_eval_log_line(const LogLinePosition &position, double eval_loss,
                                 LogTimeZone zone = LogTimeZone::kLocal);

} // namespace fgrt::train
