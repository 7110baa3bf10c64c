//===- trainer_log_file.cpp - trainer_logs.json, crash-safe ----*- C++ -*-===//
//
// See trainer_log_file.hpp for the layout. Every change of the file goes
// through write_tail(), which writes `body` + "\n]\n" at the tail offset in
// one pwrite(); the file is a complete JSON array before and after it.
//
// Records are serialised like Python's json.dumps() (", " and ": " between
// items), so a line reads the same as one of the reference's files; numbers
// and escaped strings come from nlohmann-json, whose shortest round-trip
// double formatting matches Python's repr() for the values a trainer logs.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/logging/trainer_log_file.hpp"

#include "posix_file.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <utility>

namespace fgrt::train {
namespace {

const char *const kClosing = "\n]\n";

// One value as JSON text; non-finite doubles become null (JSON has no NaN),
// and invalid UTF-8 in text is replaced by U+FFFD rather than failing the
// run over a log line.
std::string value_to_json(const LogValue &value) {
  if (const double *number = std::get_if<double>(&value))
    return std::isfinite(*number) ? nlohmann::json(*number).dump() : "null";
  if (const int64_t *integer = std::get_if<int64_t>(&value))
    return std::to_string(*integer);
  return nlohmann::json(std::get<std::string>(value)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string record_to_json(const LogRecord &record) {
  std::string text = "{";
  for (const LogRecord::Field &field : record.fields()) {
    if (text.size() > 1)
      text += ", ";
    text += value_to_json(LogValue(field.name)) + ": " + value_to_json(field.value);
  }
  return text + "}";
}

bool is_json_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Index of the last non-whitespace character before `end`, or npos.
size_t last_non_space_before(const std::string &text, size_t end) {
  while (end > 0)
    if (!is_json_space(text[--end]))
      return end;
  return std::string::npos;
}

// The number of records of a file to resume, and whether its array is
// closed. A file the reference left open by a crash ("[\n{...},\n{...}"
// without the bracket) is accepted too.
std::pair<int64_t, bool> parse_resumed_array(const std::string &text, const std::string &path) {
  bool closed = true;
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    closed = false;
    parsed = nlohmann::json::parse(text + "\n]", nullptr, false);
  }
  if (parsed.is_discarded())
    throw std::runtime_error(path + ": cannot resume: the file is not valid JSON (nor an array missing its ']')");
  if (!parsed.is_array())
    throw std::runtime_error(path + ": cannot resume: the file holds a JSON " + std::string(parsed.type_name()) +
                             ", not an array of log records");
  return {int64_t(parsed.size()), closed};
}

} // namespace

TrainerLogFile::TrainerLogFile(const std::string &log_dir, TrainerLogFileOptions options)
    : TrainerLogFile(log_dir, system_wall_clock(), std::move(options)) {}

TrainerLogFile::TrainerLogFile(const std::string &log_dir, WallClock clock, TrainerLogFileOptions options)
    : options_(std::move(options)), clock_(std::move(clock)) {
  if (options_.file_name().empty() || options_.file_name().find('/') != std::string::npos)
    throw std::runtime_error("TrainerLogFile: file_name '" + options_.file_name() +
                             "' must be a plain file name (not empty, no '/')");
  detail::make_directories(log_dir);
  path_ = (std::filesystem::path(log_dir) / options_.file_name()).string();
  fd_ = detail::try_create_exclusive(path_);
  if (fd_ < 0 && !options_.resume())
    throw std::runtime_error(path_ + ": already exists; refusing to overwrite the log of another run "
                                     "(resume it, or choose a new logging directory)");
  // The destructor does not run for a constructor that throws, so the
  // descriptor of a file that cannot be resumed is closed here.
  try {
    if (fd_ >= 0)
      create_new();
    else
      resume_existing();
  } catch (...) {
    close_quietly();
    throw;
  }
}

TrainerLogFile::~TrainerLogFile() { close_quietly(); }

void TrainerLogFile::close_quietly() noexcept {
  // Used where throwing is not possible; the file is complete anyway, and a
  // failing close() of a descriptor that only did pwrite()s loses nothing.
  try {
    close();
  } catch (const std::exception &) {
  }
}

void TrainerLogFile::create_new() { write_tail("["); }

void TrainerLogFile::resume_existing() {
  fd_ = detail::open_read_write(path_);
  std::string text = detail::read_all(fd_, path_);
  file_size_ = int64_t(text.size());
  // A file cut before its first byte (the process died between create and
  // write) is an empty log; start the array over in place.
  if (last_non_space_before(text, text.size()) == std::string::npos) {
    write_tail("[");
    return;
  }
  auto [record_count, closed] = parse_resumed_array(text, path_);
  record_count_ = record_count;
  // The tail is after the last record (or the opening '['): the last
  // non-space character of an open array, the one before the ']' of a
  // closed one.
  size_t last = last_non_space_before(text, text.size());
  if (closed)
    last = last_non_space_before(text, last);
  tail_offset_ = int64_t(last) + 1;
  write_tail("");
}

void TrainerLogFile::write(int64_t global_step, double epoch, const LogRecord &fields) {
  if (!is_open())
    throw std::runtime_error(path_ + ": write() after close()");
  LogRecord record;
  record.set("timestamp", clock_()).set("global_step", global_step).set("epoch", epoch).merge(fields);
  write_tail((record_count_ ? ",\n" : "\n") + record_to_json(record));
  ++record_count_;
}

void TrainerLogFile::write_tail(const std::string &body) {
  std::string buffer = body + kClosing;
  int64_t end = tail_offset_ + int64_t(buffer.size());
  // Cover every old byte after the tail in the same write (trailing spaces
  // are valid JSON), so that no fragment of a longer old tail can follow the
  // new bracket even for a moment; then cut the padding off.
  if (end < file_size_)
    buffer.append(size_t(file_size_ - end), ' ');
  detail::write_all_at(fd_, tail_offset_, buffer, path_);
  if (end < file_size_)
    detail::truncate_to(fd_, end, path_);
  tail_offset_ += int64_t(body.size());
  file_size_ = end;
}

void TrainerLogFile::close() { detail::close_fd(fd_, path_); }

} // namespace fgrt::train
