//===- progress_bar.cpp - One-line training progress bar -------*- C++ -*-===//
//
// See progress_bar.hpp. A redraw is "\r" + bar + "\x1b[K": back to the start
// of the line, the new text, and erase-to-end-of-line, so that a shorter bar
// (an ETA that lost a digit) leaves no characters of the previous one.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/logging/progress_bar.hpp"

#include "text_format.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <stdexcept>

#include <unistd.h>

namespace fgrt::train {
namespace {

using detail::pad_left;
using detail::printf_string;

const char *const kEraseToEndOfLine = "\x1b[K";

// "H:MM:SS" of a duration in seconds, rounded to the second.
std::string format_duration(double seconds) {
  int64_t total = int64_t(std::llround(std::max(0.0, seconds)));
  return printf_string("%lld:%02lld:%02lld", (long long)(total / 3600), (long long)(total / 60 % 60),
                       (long long)(total % 60));
}

void check_arguments(int64_t max_steps, int64_t initial_step, const ConsoleSink &sink,
                     const ProgressBarOptions &options) {
  if (max_steps < 1)
    throw std::runtime_error("ProgressBar: max_steps must be >= 1, got " + std::to_string(max_steps));
  if (initial_step < 0 || initial_step > max_steps)
    throw std::runtime_error("ProgressBar: initial_step " + std::to_string(initial_step) + " is outside [0, " +
                             std::to_string(max_steps) + "]");
  if (options.width() < 1)
    throw std::runtime_error("ProgressBar: width must be >= 1, got " + std::to_string(options.width()));
  if (!(options.min_redraw_seconds() >= 0.0))
    throw std::runtime_error("ProgressBar: min_redraw_seconds must be >= 0, got " +
                             std::to_string(options.min_redraw_seconds()));
  if (!sink.out || !sink.clock)
    throw std::runtime_error("ProgressBar: the console sink has no stream or no clock");
}

} // namespace

ConsoleSink ConsoleSink::standard_output() {
  return ConsoleSink{&std::cout, ::isatty(STDOUT_FILENO) == 1, system_wall_clock()};
}

ProgressBar::ProgressBar(int64_t max_steps, int64_t initial_step, ProgressBarOptions options)
    : ProgressBar(max_steps, initial_step, ConsoleSink::standard_output(), std::move(options)) {}

ProgressBar::ProgressBar(int64_t max_steps, int64_t initial_step, ConsoleSink sink, ProgressBarOptions options)
    : max_steps_(max_steps), initial_step_(initial_step), sink_(std::move(sink)), options_(std::move(options)),
      last_draw_time_(-std::numeric_limits<double>::infinity()), step_(initial_step) {
  check_arguments(max_steps_, initial_step_, sink_, options_);
  start_time_ = sink_.clock();
  if (visible())
    draw(start_time_);
}

ProgressBar::~ProgressBar() { close(); }

void ProgressBar::update(int64_t step, std::optional<double> loss) {
  step_ = step;
  if (loss)
    last_loss_ = loss;
  if (!visible())
    return;
  double now = sink_.clock();
  if (step_ >= max_steps_ || now - last_draw_time_ >= options_.min_redraw_seconds())
    draw(now);
}

void ProgressBar::write_line(const std::string &line) {
  std::ostream &out = *sink_.out;
  if (visible())
    out << '\r' << kEraseToEndOfLine;
  out << line << '\n';
  if (visible())
    draw(sink_.clock());
  else
    out.flush();
}

void ProgressBar::close() {
  if (visible()) {
    draw(sink_.clock());
    *sink_.out << '\n' << std::flush;
  }
  closed_ = true;
}

std::string ProgressBar::render() const { return render_at(sink_.clock()); }

std::string ProgressBar::render_at(double now) const {
  double fraction = std::clamp(double(step_) / double(max_steps_), 0.0, 1.0);
  // Floors, so that 100% and a full bar mean the last step is done.
  auto filled = int64_t(std::floor(fraction * double(options_.width())));
  std::string max_text = std::to_string(max_steps_);
  std::string line = pad_left(std::to_string(step_), max_text.size()) + "/" + max_text + " " +
                     printf_string("%3d%%", int(std::floor(fraction * 100.0))) + " [" +
                     std::string(size_t(filled), '#') + std::string(size_t(options_.width() - filled), '-') + "] " +
                     rate_and_eta(now);
  if (last_loss_)
    line += printf_string("  loss %.5f", *last_loss_);
  return line;
}

std::string ProgressBar::rate_and_eta(double now) const {
  double elapsed = now - start_time_;
  int64_t done = step_ - initial_step_;
  // No rate before the first step is done or any time has passed.
  if (done <= 0 || !(elapsed > 0.0))
    return "? steps/s  ETA ?:??:??";
  double rate = double(done) / elapsed;
  double remaining = double(std::max<int64_t>(0, max_steps_ - step_)) / rate;
  return printf_string("%.2f steps/s", rate) + "  ETA " + format_duration(remaining);
}

void ProgressBar::draw(double now) {
  *sink_.out << '\r' << render_at(now) << kEraseToEndOfLine << std::flush;
  last_draw_time_ = now;
}

} // namespace fgrt::train
