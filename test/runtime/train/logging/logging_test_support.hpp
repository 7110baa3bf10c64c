//===- logging_test_support.hpp - Helpers of the logging tests -*- C++ -*-===//
//
// Shared by the train/logging GoogleTest files: a temporary directory per
// test, a scripted clock (so that timestamps, file names and rates are exact
// numbers), and whole-file reads.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/train/logging/clock.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace fgrt::train::testing {

/// A fresh directory under the system's temporary directory, removed with
/// everything in it when the object goes away.
class TempDir {
public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fgrt-logging-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
      throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  /// The directory.
  const std::filesystem::path &path() const { return path_; }
  /// `name` inside the directory, as a string.
  std::string operator/(const std::string &name) const { return (path_ / name).string(); }

private:
  std::filesystem::path path_;
};

/// A clock that returns `start`, then advances by `step` after each reading;
/// set() jumps to a given time. Copies share the same time, so a test keeps
/// control of a clock it has handed to a writer.
class ScriptedClock {
public:
  explicit ScriptedClock(double start, double step = 0.0) : state_(std::make_shared<State>(State{start, step})) {}

  /// The WallClock to give to the code under test.
  WallClock clock() const {
    auto state = state_;
    return [state] {
      double now = state->time;
      state->time += state->step;
      return now;
    };
  }
  /// Sets the next reading.
  void set(double time) { state_->time = time; }

private:
  struct State {
    double time;
    double step;
  };
  std::shared_ptr<State> state_;
};

/// The bytes of a file ("" if it cannot be read; tests compare contents).
inline std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Writes `text` to `path`, replacing it.
inline void write_file(const std::string &path, const std::string &text) {
  std::ofstream(path, std::ios::binary) << text;
}

/// The names of the entries of `dir`, in directory order.
inline std::vector<std::string> names_in(const std::filesystem::path &dir) {
  std::vector<std::string> names;
  for (const auto &entry : std::filesystem::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  return names;
}

} // namespace fgrt::train::testing
