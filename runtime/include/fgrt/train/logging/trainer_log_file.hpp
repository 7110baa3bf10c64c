//===- trainer_log_file.hpp - trainer_logs.json, crash-safe ----*- C++ -*-===//
//
// The run's machine-readable log: a JSON array with one object per logging
// or evaluation step,
//
//   [
//   {"timestamp":1700000000.5,"global_step":10,"epoch":0.02,"loss":5.1,...},
//   {"timestamp":1700000004.2,"global_step":20,"epoch":0.04,"loss":4.3,...}
//   ]
//
// written in the logging directory next to the TensorBoard events. The
// reference writes `[`, then records separated by `,` and a newline, and the
// closing `]` only at the end of training, so a crashed run leaves a file no
// JSON parser accepts. Here the file is valid JSON after every record: the
// closing "\n]\n" is always on disk, and the next record is written over it
// (",\n" + record + "\n]\n", at the offset where the bracket began) in a
// single pwrite() of a buffer longer than what it overwrites. A process that
// is killed between two records leaves a complete array; one killed inside
// the write leaves the previous array or the new one (the kernel does not
// interrupt a small regular-file write half way for a signal).
//
// The file is created exclusively: an existing file is another run's log,
// and is refused unless `resume` is set, which reopens it (it must be a valid
// JSON array) and continues the array after its last record.
//
// Numbers that JSON cannot represent (NaN, +-infinity, e.g. a diverged loss)
// are written as null, where Python's json module would write the invalid
// tokens NaN and Infinity.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/train/logging/clock.hpp"
#include "fgrt/train/logging/log_record.hpp"

#include <torch/arg.h>

#include <cstdint>
#include <string>

namespace fgrt::train {

/// Options for `TrainerLogFile`.
struct TrainerLogFileOptions {
  /// Continue an existing file (a resumed run) instead of refusing it; a
  /// missing file is created either way.
  TORCH_ARG(bool, resume) = false;
  /// Name of the file inside the logging directory.
  TORCH_ARG(std::string, file_name) = "trainer_logs.json";
};

/// Writer of trainer_logs.json (see the file comment). Not copyable; the
/// file is closed by close() or the destructor, and is valid JSON at any
/// moment in between.
class TrainerLogFile {
public:
  /// Opens `<log_dir>/<file_name>` (creating `log_dir` if needed), stamping
  /// records with the system clock. Throws std::runtime_error naming the file
  /// when it exists and `resume` is off, when a file to resume is not a JSON
  /// array, or on any I/O failure.
  explicit TrainerLogFile(const std::string &log_dir, TrainerLogFileOptions options = {});
  /// As above, with records stamped by `clock` (tests pass a fixed clock).
  TrainerLogFile(const std::string &log_dir, WallClock clock, TrainerLogFileOptions options = {});
  ~TrainerLogFile();

  TrainerLogFile(const TrainerLogFile &) = delete;
  TrainerLogFile &operator=(const TrainerLogFile &) = delete;

  /// Appends {"timestamp": now, "global_step": global_step, "epoch": epoch}
  /// merged with `fields` (a field named like a header field replaces its
  /// value in place) and flushes it to the file. Throws std::runtime_error
  /// naming the file on an I/O failure or after close().
  void write(int64_t global_step, double epoch, const LogRecord &fields);

  /// Closes the file (it is already complete; nothing more is written).
  /// Idempotent.
  void close();

  /// The path of the file, `<log_dir>/<file_name>`.
  const std::string &path() const { return path_; }
  /// The number of records in the array, those of a resumed file included.
  int64_t record_count() const { return record_count_; }
  /// Whether write() may still be called.
  bool is_open() const { return fd_ >= 0; }

private:
  void create_new();
  void resume_existing();
  /// Writes `body` + "\n]\n" at the tail offset and moves the tail past
  /// `body` (see the .cpp).
  void write_tail(const std::string &body);
  /// close() for the destructor and failed constructors, errors ignored.
  void close_quietly() noexcept;

  TrainerLogFileOptions options_;
  WallClock clock_;
  std::string path_;
  int fd_ = -1;
  /// Offset just past the last record (or past `[` when there is none):
  /// where the next ",\n" + record + "\n]\n" goes.
  int64_t tail_offset_ = 0;
  /// Current size of the file; a write covers at least [tail_offset_, size)
  /// so no stale byte of a longer old tail can survive after the bracket.
  int64_t file_size_ = 0;
  int64_t record_count_ = 0;
};

} // namespace fgrt::train
