//===- synthetic_stories.hpp - An embedded corpus of simple stories -*- C++ -*-===//
//
// A default training corpus that needs no download: short children's
// stories in the spirit of TinyStories, generated from a small grammar.
// Each story has
//
//   an opening      "Once upon a time, there was a kind little girl named Lily."
//   a habit         "She loved to play in the sand."
//   one plot        a lost object, a new friend, a found treasure, a rainy
//                   day or a friend in need, with dialogue in quotes
//   an ending       "Lily felt happy. The end."
//
// in 4 to 8 sentences, over a vocabulary of a few hundred words (names,
// animals, places, objects, colours, feelings, actions). The repetition is
// the point: a 4M-parameter model sees its loss fall clearly within a few
// hundred steps, so a short run shows whether training works at all.
//
// Story i depends only on (seed, i): its own generator is seeded with
// derive_seed(seed, i) and every choice uses SplitMix64::below(), never a
// std distribution, so the text is byte-identical on every platform and the
// first N stories do not change when more are asked for.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fgrt::data {

/// Story number `index` of the corpus that `seed` determines.
std::string synthetic_story(uint64_t index, uint64_t seed = 42);

/// Stories 0 .. count-1 of the corpus that `seed` determines (about 240
/// bytes each).
std::vector<std::string> synthetic_stories(int64_t count, uint64_t seed = 42);

} // namespace fgrt::data
