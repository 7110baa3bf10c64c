//===- stage_split.cpp - The reference's balanced layer split -------------===//
#include "fgrt/dist/stage_split.hpp"

#include <algorithm>
#include <stdexcept>

namespace fgrt::dist {

std::vector<StageLayers> split_layers(int num_layers, int num_stages, int input_weight, int output_weight) {
  if (num_stages < 1)
    throw std::invalid_argument("pipeline stages must be at least 1, got " + std::to_string(num_stages));
  if (num_layers < 0 || input_weight < 0 || output_weight < 0)
    throw std::invalid_argument("layer counts and weights must not be negative");
  if (num_stages == 1)
    return {StageLayers{true, 0, num_layers, true}};

  const int effective = num_layers + input_weight + output_weight;
  if (num_stages > effective)
    throw std::invalid_argument(std::to_string(num_stages) + " stages for " + std::to_string(effective) +
                                " effective layers (" + std::to_string(num_layers) +
                                " layers + input and output weights): each stage needs at least one");
  const int share = effective / num_stages;
  const int extra = effective % num_stages;
  if (input_weight > share || output_weight > share)
    throw std::invalid_argument("an input or output weight above a stage's share of " + std::to_string(share) +
                                " effective layers");

  std::vector<StageLayers> stages;
  int next = 0;
  // Takes up to `count` of the remaining layers for the stage being built.
  auto take = [&](StageLayers &stage, int count) {
    stage.first_layer = next;
    next = std::min(num_layers, next + std::max(0, count));
    stage.end_layer = next;
  };
  for (int s = 0; s < num_stages; ++s) {
    // Earlier stages take the remainder, one effective layer each.
    int mine = share + (s < extra ? 1 : 0);
    StageLayers stage;
    if (s == 0) {
      stage.input = true;
      take(stage, mine - input_weight);
    } else if (s == num_stages - 1) {
      take(stage, mine - output_weight);
      stage.output = true;
    } else {
      take(stage, mine);
    }
    stages.push_back(stage);
  }
  return stages;
}

std::string describe(const StageLayers &stage) {
  std::string text;
  auto add = [&](const std::string &part) { text += (text.empty() ? "" : " + ") + part; };
  if (stage.input)
    add("input");
  if (stage.layer_count() == 1)
    add("layer " + std::to_string(stage.first_layer));
  else if (stage.layer_count() > 1)
    add("layers " + std::to_string(stage.first_layer) + "-" + std::to_string(stage.end_layer - 1));
  if (stage.output)
    add("output");
  return text.empty() ? "nothing" : text;
}

} // namespace fgrt::dist
