//===- random.cpp - Portable seeded randomness for the data pipeline ------===//
#include "fgrt/data/random.hpp"

#include <numeric>
#include <stdexcept>
#include <utility>

namespace fgrt::data {

namespace {

/// The SplitMix64 output function: a bijective avalanche of 64 bits.
uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

} // namespace

uint64_t SplitMix64::next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  return mix64(state_);
}

uint64_t SplitMix64::below(uint64_t bound) {
  if (bound == 0)
    throw std::invalid_argument("SplitMix64::below: the bound must be positive");
  // Lemire's method: the high word of x * bound is uniform in [0, bound)
  // once the few low products that would bias it are rejected.
  unsigned __int128 product = static_cast<unsigned __int128>(next()) * bound;
  auto low = static_cast<uint64_t>(product);
  if (low < bound) {
    const uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      product = static_cast<unsigned __int128>(next()) * bound;
      low = static_cast<uint64_t>(product);
    }
  }
  return static_cast<uint64_t>(product >> 64);
}

uint64_t derive_seed(uint64_t seed, uint64_t stream) {
  // Two rounds of mixing keep nearby (seed, stream) pairs, such as epochs
  // 3 and 4 of the same seed, far apart in generator state.
  return mix64(mix64(seed) ^ (stream * 0xd1b54a32d192ed03ULL + 0x8bb84b93962eacc9ULL));
}

std::vector<size_t> seeded_permutation(size_t n, uint64_t seed) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  SplitMix64 rng(seed);
  for (size_t i = n; i > 1; --i)
    std::swap(order[i - 1], order[rng.index(i)]);
  return order;
}

} // namespace fgrt::data
