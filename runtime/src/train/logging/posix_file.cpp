//===- posix_file.cpp - File descriptor helpers of the loggers -*- C++ -*-===//
//
// See posix_file.hpp. Descriptors are opened with O_CLOEXEC so that a child
// process started by the trainer (a data worker, a shell hook) does not keep
// the log files open.
//
//===----------------------------------------------------------------------===//
#include "posix_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fgrt::train::detail {

void throw_errno(const std::string &path, const std::string &action) {
  throw std::runtime_error(path + ": " + action + ": " + std::strerror(errno));
}

void make_directories(const std::string &dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error)
    throw std::runtime_error(dir + ": cannot create the logging directory: " + error.message());
  // create_directories() succeeds when `dir` exists as a plain file on some
  // library versions; opening a file inside would then fail less clearly.
  if (!std::filesystem::is_directory(dir, error))
    throw std::runtime_error(dir + ": exists but is not a directory");
}

int try_create_exclusive(const std::string &path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno != EEXIST)
    throw_errno(path, "cannot create");
  return fd;
}

int open_read_write(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0)
    throw_errno(path, "cannot open");
  return fd;
}

void write_all_at(int fd, int64_t offset, std::string_view data, const std::string &path) {
  while (!data.empty()) {
    ssize_t written = ::pwrite(fd, data.data(), data.size(), offset);
    if (written < 0) {
      if (errno == EINTR)
        continue;
      throw_errno(path, "write failed");
    }
    data.remove_prefix(size_t(written));
    offset += written;
  }
}

void truncate_to(int fd, int64_t size, const std::string &path) {
  if (::ftruncate(fd, off_t(size)) != 0)
    throw_errno(path, "cannot truncate");
}

std::string read_all(int fd, const std::string &path) {
  std::string text;
  char buffer[65536];
  for (int64_t offset = 0;;) {
    ssize_t got = ::pread(fd, buffer, sizeof buffer, offset);
    if (got < 0) {
      if (errno == EINTR)
        continue;
      throw_errno(path, "read failed");
    }
    if (got == 0)
      return text;
    text.append(buffer, size_t(got));
    offset += got;
  }
}

void close_fd(int &fd, const std::string &path) {
  if (fd < 0)
    return;
  int result = ::close(fd);
  // The descriptor is released even when close() reports an error, so it
  // must not be closed again (it may already belong to another file).
  fd = -1;
  if (result != 0)
    throw_errno(path, "close failed");
}

} // namespace fgrt::train::detail
