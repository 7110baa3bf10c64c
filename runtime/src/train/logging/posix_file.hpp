//===- posix_file.hpp - File descriptor helpers of the loggers -*- C++ -*-===//
//
// trainer_logs.json and the TensorBoard event file are written through raw
// POSIX descriptors rather than iostreams: O_EXCL gives the exclusive create
// both need (an existing file belongs to another run), pwrite() rewrites the
// closing bracket of the JSON array at a fixed offset, and a write() that
// returned is in the kernel's page cache, so it survives the process being
// killed without any user-space buffer to flush.
//
// Every failure throws std::runtime_error "<path>: <action>: <strerror>".
// Private to src/train/logging.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fgrt::train::detail {

/// Throws std::runtime_error "<path>: <action>: <strerror(errno)>".
[[noreturn]] void throw_errno(const std::string &path, const std::string &action);

/// Creates `dir` and its parents if missing; throws naming `dir` on failure
/// (or when it exists and is not a directory).
void make_directories(const std::string &dir);

/// Creates `path` for writing, failing if it exists: returns -1 with errno
/// EEXIST in that case (the caller decides what an existing file means) and
/// throws on any other error.
int try_create_exclusive(const std::string &path);

/// Opens an existing file for reading and writing; throws on failure.
int open_read_write(const std::string &path);

/// Writes all of `data` at `offset` (retrying short writes and EINTR).
void write_all_at(int fd, int64_t offset, std::string_view data, const std::string &path);

/// Cuts the file to `size` bytes.
void truncate_to(int fd, int64_t size, const std::string &path);

/// Reads a whole file that is open (from offset 0).
std::string read_all(int fd, const std::string &path);

/// Closes `fd` if open and sets it to -1; a failing close() throws, because
/// on some file systems it is where a failed write is reported.
void close_fd(int &fd, const std::string &path);

} // namespace fgrt::train::detail
