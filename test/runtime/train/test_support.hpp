// test_support.hpp - helpers shared by the training runtime's unit tests.
#pragma once

#include "../error_of.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace fgrt::train::test_support {

/// A fresh, empty directory for one test under the system's temporary
/// directory, named by `prefix`, the process and the test; removed after it.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string &prefix) {
    path = std::filesystem::temp_directory_path() /
           (prefix + "-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

} // namespace fgrt::train::test_support
