//===- progress_bar.hpp - One-line training progress bar -------*- C++ -*-===//
//
// The console side of the reference's ProgressCallback: on a terminal, a bar
// over max_steps redrawn in place with '\r',
//
//    250/1000  25% [#######-----------------------] 4.17 steps/s  ETA 0:03:00  loss 2.12346
//
// (step/max, percentage, bar, mean steps per second since the bar was
// created, estimated time to max_steps at that rate, last loss), with the log
// lines printed above it (write_line() clears the bar, prints the line and
// redraws the bar, like tqdm.write). When the output is not a terminal (a log
// file, a pipe) the bar would only fill the file with redraws, so nothing of
// it is printed and the log lines are the only output.
//
// The output stream, whether it is a terminal, and the clock are injected
// (ConsoleSink) so that tests can check the exact bytes.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/train/logging/clock.hpp"

#include <torch/arg.h>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

namespace fgrt::train {

/// Where console output goes, and when it is.
struct ConsoleSink {
  /// The stream written to (not owned; must outlive the user).
  std::ostream *out = nullptr;
  /// Whether `out` is an interactive terminal (bar shown) or not.
  bool is_tty = false;
  /// The time source of rates and ETAs.
  WallClock clock;

  /// std::cout, a terminal when stdout is one (isatty), the system clock.
  static ConsoleSink standard_output();
};

/// Options for `ProgressBar`.
struct ProgressBarOptions {
  /// Number of cells of the bar between the brackets (>= 1).
  TORCH_ARG(int64_t, width) = 30;
  /// Minimum seconds between two redraws by update() (>= 0), so that fast
  /// steps do not spend their time repainting the terminal; the last step
  /// and write_line() always redraw.
  TORCH_ARG(double, min_redraw_seconds) = 0.1;
};

/// A progress bar over a training run's steps (see the file comment).
class ProgressBar {
public:
  /// A bar over `max_steps` (>= 1) on standard output, starting at
  /// `initial_step` (a resumed run); rates count from now. Throws
  /// std::runtime_error on bad arguments or options.
  explicit ProgressBar(int64_t max_steps, int64_t initial_step = 0, ProgressBarOptions options = {});
  /// As above, writing to `sink`.
  ProgressBar(int64_t max_steps, int64_t initial_step, ConsoleSink sink, ProgressBarOptions options = {});
  ~ProgressBar();

  ProgressBar(const ProgressBar &) = delete;
  ProgressBar &operator=(const ProgressBar &) = delete;

  /// Records that `step` steps are done and, if given, the latest loss (kept
  /// for later redraws), and redraws the bar on a terminal.
  void update(int64_t step, std::optional<double> loss = std::nullopt);
  /// Prints a log line: above the bar on a terminal, as a plain line otherwise.
  void write_line(const std::string &line);
  /// Draws the bar a last time and ends its line (terminal only). Idempotent;
  /// later write_line()s print plain lines.
  void close();

  /// The bar's text as it would be drawn now (without '\r' and erase codes).
  std::string render() const;
  /// Whether the bar is shown (the sink is a terminal and close() was not called).
  bool visible() const { return sink_.is_tty && !closed_; }

private:
  std::string render_at(double now) const;
  std::string rate_and_eta(double now) const;
  void draw(double now);

  int64_t max_steps_;
  int64_t initial_step_;
  ConsoleSink sink_;
  ProgressBarOptions options_;
  double start_time_;
  /// When draw() last ran; -infinity before the first draw.
  double last_draw_time_;
  int64_t step_;
  std::optional<double> last_loss_;
  bool closed_ = false;
};

} // namespace fgrt::train
