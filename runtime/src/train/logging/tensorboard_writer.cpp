//===- tensorboard_writer.cpp - TensorBoard event file writer --*- C++ -*-===//
//
// See tensorboard_writer.hpp. The file is created with O_EXCL, so two
// writers can never interleave their records in one file.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/logging/tensorboard_writer.hpp"

#include "fgrt/train/logging/tensorboard_event.hpp"
#include "posix_file.hpp"

#include <climits>
#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <utility>

#include <unistd.h>

namespace fgrt::train {
namespace {

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  // A host without a name still gets a usable file name.
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0')
    return "localhost";
  return name;
}

void check_options(const TensorBoardWriterOptions &options) {
  if (options.max_queue() < 1)
    throw std::runtime_error("TensorBoardWriter: max_queue must be >= 1, got " + std::to_string(options.max_queue()));
  if (!(options.flush_secs() >= 0.0))
    throw std::runtime_error("TensorBoardWriter: flush_secs must be >= 0, got " + std::to_string(options.flush_secs()));
  if (options.filename_suffix().find('/') != std::string::npos)
    throw std::runtime_error("TensorBoardWriter: filename_suffix '" + options.filename_suffix() +
                             "' must not contain '/'");
}

} // namespace

TensorBoardWriter::TensorBoardWriter(const std::string &log_dir, TensorBoardWriterOptions options)
    : TensorBoardWriter(log_dir, system_wall_clock(), std::move(options)) {}

TensorBoardWriter::TensorBoardWriter(const std::string &log_dir, WallClock clock, TensorBoardWriterOptions options)
    : options_(std::move(options)), clock_(std::move(clock)) {
  check_options(options_);
  create_event_file(log_dir);
  try {
    // The file_version event goes out at once, so even a run that logs
    // nothing leaves a file TensorBoard recognises.
    queue_ = frame_tfrecord(encode_file_version_event(clock_()));
    queued_events_ = 1;
    flush();
  } catch (...) {
    close_quietly();
    throw;
  }
}

TensorBoardWriter::~TensorBoardWriter() { close_quietly(); }

void TensorBoardWriter::create_event_file(const std::string &log_dir) {
  detail::make_directories(log_dir);
  std::string base = "events.out.tfevents." + std::to_string(int64_t(std::floor(clock_()))) + "." + host_name();
  for (int attempt = 0; fd_ < 0; ++attempt) {
    std::string name = base + (attempt ? "." + std::to_string(attempt) : "") + options_.filename_suffix();
    path_ = (std::filesystem::path(log_dir) / name).string();
    fd_ = detail::try_create_exclusive(path_);
  }
}

void TensorBoardWriter::add_scalar(const std::string &tag, double value, int64_t step) {
  check_can_add(tag);
  double now = clock_();
  enqueue(now, encode_scalar_event(now, step, tag, float(value)));
}

void TensorBoardWriter::add_text(const std::string &tag, const std::string &text, int64_t step) {
  check_can_add(tag);
  double now = clock_();
  enqueue(now, encode_text_event(now, step, tag, text));
}

void TensorBoardWriter::check_can_add(const std::string &tag) const {
  if (fd_ < 0)
    throw std::runtime_error(path_ + ": TensorBoard event '" + tag + "' added after close()");
  if (tag.empty())
    throw std::runtime_error(path_ + ": TensorBoard event with an empty tag");
}

void TensorBoardWriter::enqueue(double now, const std::string &event) {
  if (queued_events_ == 0)
    oldest_queued_time_ = now;
  queue_ += frame_tfrecord(event);
  ++queued_events_;
  if (queued_events_ >= options_.max_queue() || now - oldest_queued_time_ >= options_.flush_secs())
    flush();
}

void TensorBoardWriter::flush() {
  if (fd_ < 0 || queue_.empty())
    return;
  detail::write_all_at(fd_, file_size_, queue_, path_);
  file_size_ += int64_t(queue_.size());
  queue_.clear();
  queued_events_ = 0;
}

void TensorBoardWriter::close() {
  flush();
  detail::close_fd(fd_, path_);
}

void TensorBoardWriter::close_quietly() noexcept {
  // For the destructor: the events that can be written are written.
  try {
    close();
  } catch (const std::exception &) {
  }
}

} // namespace fgrt::train
