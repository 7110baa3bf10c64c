//===- random.hpp - Portable seeded randomness for the data pipeline -*- C++ -*-===//
//
// Every random choice of the data pipeline (story generation, train/eval
// split, shuffled packing output, the loader's per-epoch order) must come out
// the same on every platform and standard library, because a run resumed
// from a checkpoint, or repeated elsewhere, has to see the same examples in
// the same order. std::mt19937 is portable but the std distributions are
// not: uniform_int_distribution is implementation-defined. So the pipeline
// uses its own generator and its own bounded draws:
//
//   SplitMix64     x += 0x9e3779b97f4a7c15; z = mix(x)   (Steele et al.)
//   below(n)       Lemire's multiply-shift with rejection: exact uniform
//                  integers in [0, n) without modulo bias
//   permutation    Fisher-Yates, drawing below(i + 1) for i = n-1 .. 1
//
// SplitMix64 passes BigCrush, has a 64-bit state that is trivial to save,
// and any seed (0 included) is valid, which is all a data loader needs.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace fgrt::data {

/// A small, fast, portable 64-bit generator (SplitMix64). The same seed
/// gives the same sequence everywhere.
class SplitMix64 {
public:
  /// A generator whose first output is determined by `seed` alone.
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  /// The next 64 random bits.
  uint64_t next();

  /// A uniform integer in [0, bound); `bound` must be positive.
  uint64_t below(uint64_t bound);

  /// A uniform index into a container of `size` elements (size > 0).
  size_t index(size_t size) { return static_cast<size_t>(below(size)); }

private:
  uint64_t state_;
};

/// Derives an independent seed for sub-stream `stream` of `seed`, e.g. one
/// per epoch or per story, so that each can be generated on its own.
uint64_t derive_seed(uint64_t seed, uint64_t stream);

/// The permutation of 0 .. n-1 that `seed` determines (Fisher-Yates).
std::vector<size_t> seeded_permutation(size_t n, uint64_t seed);

/// Reorders `items` by seeded_permutation(items.size(), seed).
template <typename T> void seeded_shuffle(std::vector<T> &items, uint64_t seed) {
  std::vector<size_t> order = seeded_permutation(items.size(), seed);
  std::vector<T> shuffled;
  shuffled.reserve(items.size());
  for (size_t i : order)
    shuffled.push_back(std::move(items[i]));
  items = std::move(shuffled);
}

} // namespace fgrt::data
