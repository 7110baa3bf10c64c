//===- tensorboard_writer.hpp - TensorBoard event file writer --*- C++ -*-===//
//
// The C++ counterpart of the part of torch.utils.tensorboard.SummaryWriter
// the reference's TBLogger uses: scalars (train-loss, learning-rate,
// grad-norm, eval-loss, ...) and text entries (the experiment's config,
// training_info, generated samples), written to
//
//   <log_dir>/events.out.tfevents.<unix time>.<hostname><filename_suffix>
//
// as TFRecord-framed Event protobufs (tensorboard_event.hpp), readable by
// TensorBoard and by test/reference/tensorboard_events.py. The file starts
// with the file_version event. If the name is taken (two writers in the same
// second), ".1", ".2", ... is appended to it; TensorBoard reads every file
// whose name contains "tfevents".
//
// Events are queued in memory and written when `max_queue` of them are
// waiting, when the oldest has waited `flush_secs` (checked when an event is
// added), on flush() and on close(); like SummaryWriter's defaults, a crash
// loses at most the queued events. A text entry's tag is used as given
// (SummaryWriter.add_text appends "/text_summary" to it).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/train/logging/clock.hpp"

#include <torch/arg.h>

#include <cstdint>
#include <string>

namespace fgrt::train {

/// Options for `TensorBoardWriter`.
struct TensorBoardWriterOptions {
  /// Appended to the event file's name (SummaryWriter's filename_suffix).
  TORCH_ARG(std::string, filename_suffix) = "";
  /// Number of queued events that triggers a write to the file (>= 1;
  /// 1 writes every event at once).
  TORCH_ARG(int64_t, max_queue) = 10;
  /// Age in seconds of the oldest queued event that triggers a write when
  /// the next event is added (>= 0).
  TORCH_ARG(double, flush_secs) = 120.0;
};

/// Writer of one TensorBoard event file (see the file comment). Not
/// copyable; close() or the destructor writes what is queued.
class TensorBoardWriter {
public:
  /// Creates the event file in `log_dir` (and the directory if needed) and
  /// writes the file_version event, with the system clock. Throws
  /// std::runtime_error naming the option or the file on a bad option value
  /// or an I/O failure.
  explicit TensorBoardWriter(const std::string &log_dir, TensorBoardWriterOptions options = {});
  /// As above, with wall times and the file name's time taken from `clock`.
  TensorBoardWriter(const std::string &log_dir, WallClock clock, TensorBoardWriterOptions options = {});
  ~TensorBoardWriter();

  TensorBoardWriter(const TensorBoardWriter &) = delete;
  TensorBoardWriter &operator=(const TensorBoardWriter &) = delete;

  /// Queues a scalar (stored as float32, as TensorBoard does) for `tag` at
  /// `step`. Throws std::runtime_error on an empty tag or after close().
  void add_scalar(const std::string &tag, double value, int64_t step);
  /// Queues a text entry (UTF-8, rendered as Markdown by TensorBoard).
  /// Throws std::runtime_error on an empty tag or after close().
  void add_text(const std::string &tag, const std::string &text, int64_t step);
  /// Writes every queued event to the file.
  void flush();
  /// Flushes and closes the file. Idempotent.
  void close();

  /// The event file's path.
  const std::string &path() const { return path_; }
  /// Number of events queued and not yet written.
  int64_t queued_events() const { return queued_events_; }

private:
  void create_event_file(const std::string &log_dir);
  void check_can_add(const std::string &tag) const;
  void enqueue(double now, const std::string &event);
  void close_quietly() noexcept;

  TensorBoardWriterOptions options_;
  WallClock clock_;
  std::string path_;
  int fd_ = -1;
  /// Bytes written so far: where the next flush() writes.
  int64_t file_size_ = 0;
  /// Framed events waiting to be written.
  std::string queue_;
  int64_t queued_events_ = 0;
  /// Wall time of the oldest queued event (for flush_secs).
  double oldest_queued_time_ = 0.0;
};

} // namespace fgrt::train
