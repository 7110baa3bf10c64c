//===- BenchUtil.h - Shared helpers of the benchmarks ---------------------===//
//
// Every benchmark runs a measured function several times and reports the
// median and the minimum (the machine is shared and noisy, so single runs
// mean little), and takes `--reps N` on its command line.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

namespace fgcc::bench {

struct Timing {
  double medianMs = 0;
  double minMs = 0;
};

/// Runs `fn` `reps` times; `fn` returns the milliseconds it measured itself
/// (so set-up outside the measured part is not counted).
template <typename Fn> Timing repeat(int reps, Fn fn) {
  std::vector<double> ms;
  for (int i = 0; i < std::max(1, reps); ++i)
    ms.push_back(fn());
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.front()};
}

inline double msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

/// `--reps N` from the command line, or `dflt`.
inline int repsArgument(int argc, char **argv, int dflt) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--reps")
      return std::max(1, std::atoi(argv[i + 1]));
  return dflt;
}

} // namespace fgcc::bench
