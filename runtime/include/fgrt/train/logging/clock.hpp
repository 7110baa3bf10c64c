//===- clock.hpp - Injectable wall clock of the training logs ---*- C++ -*-===//
//
// Every writer of this directory stamps what it writes with the time
// (trainer_logs.json's "timestamp", TensorBoard's wall_time, the console
// line's date, the progress bar's rate and ETA). They read it through a
// WallClock, a function returning seconds since the Unix epoch (UTC) as a
// double, so that tests can substitute a fixed or scripted clock and compare
// exact bytes instead of patterns.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <functional>

namespace fgrt::train {

/// Seconds since 1970-01-01T00:00:00Z, with sub-second resolution; the time
/// source of the loggers (std::function so a test can pass a lambda).
using WallClock = std::function<double()>;

/// The system's real-time clock (std::chrono::system_clock) in seconds since
/// the Unix epoch, like Python's time.time().
double system_unix_time();

/// A WallClock reading system_unix_time(); the default of every logger.
WallClock system_wall_clock();

} // namespace fgrt::train
