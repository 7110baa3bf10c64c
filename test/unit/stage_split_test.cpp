// stage_split_test.cpp - fgrt::dist::split_layers, the reference's balanced
// split of a causal LM's layers over pipeline stages (plain C++, so it runs
// in fgcc_unit_tests).
#include <gtest/gtest.h>

#include "fgrt/dist/stage_split.hpp"

#include <stdexcept>

namespace {

using fgrt::dist::describe;
using fgrt::dist::split_layers;
using fgrt::dist::StageLayers;

std::vector<std::string> descriptions(const std::vector<StageLayers> &split) {
  std::vector<std::string> out;
  for (const StageLayers &s : split)
    out.push_back(describe(s));
  return out;
}

TEST(StageSplit, OneStageHoldsEverything) {
  EXPECT_EQ(descriptions(split_layers(4, 1)), std::vector<std::string>({"input + layers 0-3 + output"}));
}

TEST(StageSplit, InputAndOutputCountAsALayerEach) {
  // 4 layers + 2 weights = 6 effective layers, 3 per stage.
  EXPECT_EQ(descriptions(split_layers(4, 2)), std::vector<std::string>({"input + layers 0-1", "layers 2-3 + output"}));
  // 8 + 2 = 10 over 4: shares 3, 3, 2, 2 (earlier stages take the remainder).
  EXPECT_EQ(descriptions(split_layers(8, 4)),
            std::vector<std::string>({"input + layers 0-1", "layers 2-4", "layers 5-6", "layer 7 + output"}));
}

TEST(StageSplit, EveryLayerOnceInOrder) {
  for (int layers = 0; layers <= 24; ++layers)
    for (int stages = 1; stages <= layers + 2; ++stages) {
      std::vector<StageLayers> split;
      try {
        split = split_layers(layers, stages);
      } catch (const std::invalid_argument &) {
        continue; // a weight above a stage's share
      }
      ASSERT_EQ(static_cast<int>(split.size()), stages);
      int next = 0;
      for (const StageLayers &s : split) {
        EXPECT_EQ(s.first_layer, next) << layers << " layers, " << stages << " stages";
        next = s.end_layer;
      }
      EXPECT_EQ(next, layers);
      EXPECT_TRUE(split.front().input);
      EXPECT_TRUE(split.back().output);
    }
}

TEST(StageSplit, WeightsShiftLayersAwayFromTheEnds) {
  // Input weight 2: stage 0 holds the encoder and one layer fewer.
  EXPECT_EQ(descriptions(split_layers(6, 2, 2, 0)), std::vector<std::string>({"input + layers 0-1", "layers 2-5 + output"}));
  EXPECT_EQ(descriptions(split_layers(6, 2, 0, 0)), std::vector<std::string>({"input + layers 0-2", "layers 3-5 + output"}));
}

TEST(StageSplit, RefusesMoreStagesThanEffectiveLayers) {
  EXPECT_THROW(split_layers(2, 5), std::invalid_argument);
  EXPECT_THROW(split_layers(2, 0), std::invalid_argument);
  // 1 layer + 2 weights over 3 stages: each stage one effective layer; the
  // middle stage takes the layer.
  EXPECT_EQ(descriptions(split_layers(1, 3)), std::vector<std::string>({"input", "layer 0", "output"}));
  // An input weight of 3 is above the share of 2 of 4 layers + 4 over 4.
  EXPECT_THROW(split_layers(4, 4, 3, 1), std::invalid_argument);
}

} // namespace
