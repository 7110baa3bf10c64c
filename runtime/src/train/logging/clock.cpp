//===- clock.cpp - Injectable wall clock of the training logs ---*- C++ -*-===//
//
// See clock.hpp. system_clock is the only std::chrono clock whose epoch is
// the Unix epoch in practice (guaranteed from C++20), so its count converted
// to seconds is the same number Python's time.time() returns.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/logging/clock.hpp"

#include <chrono>

namespace fgrt::train {

double system_unix_time() {
  using Seconds = std::chrono::duration<double>;
  return std::chrono::duration_cast<Seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

WallClock system_wall_clock() { return &system_unix_time; }

} // namespace fgrt::train
