//===- stage_split.hpp - Which layers each pipeline stage holds --*- C++ -*-===//
//
// The balanced split of a causal LM the reference's manual pipeline splitter
// uses: the input encoder and the output head count as `input_weight` and
// `output_weight` layers, the num_layers + input_weight + output_weight
// "effective layers" are spread evenly over the stages, earlier stages
// taking the remainder; stage 0 holds the input encoder and its share minus
// input_weight transformer layers, the last stage its share minus
// output_weight layers plus the final norm and the head, the others layers
// only. Every stage keeps the global layer numbers, so the stages' weights
// together are the whole model's, under the whole model's names.
//
// Plain C++17 (no LibTorch): fgcc uses it to emit per-stage sources and to
// plan, the runtime to check a pipeline run.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <vector>

namespace fgrt::dist {

/// The part of the model one stage holds.
struct StageLayers {
  bool input = false;  ///< the input encoder (token embeddings)
  int first_layer = 0; ///< transformer layers [first_layer, end_layer)
  int end_layer = 0;
  bool output = false; ///< the final norm and the output head

  int layer_count() const { return end_layer - first_layer; }
};

/// The split of `num_layers` layers over `num_stages` stages. Throws
/// std::invalid_argument naming the problem when there are more stages than
/// effective layers, or a weight exceeds a stage's share.
std::vector<StageLayers> split_layers(int num_layers, int num_stages, int input_weight = 1, int output_weight = 1);

/// "input + layers 0-2", "layers 3-5 + output", ... for one stage.
std::string describe(const StageLayers &stage);

} // namespace fgrt::dist
