//===- pipeline_state.hpp - What a pipeline rank of the Trainer holds -*- C++ -*-===//
//
// Private to the trainer's sources: the stages this rank built and the
// executor that runs them (pipeline_trainer.cpp).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/dist/pipeline.hpp"
#include "fgrt/train/trainer.hpp"

#include <memory>
#include <utility>
#include <vector>

namespace fgrt::train {

struct Trainer::PipelineState {
  dist::PipelineSchedule schedule;
  /// (stage index, module) for each stage on this rank, in stage order.
  std::vector<std::pair<int, torch::nn::AnyModule>> stages;
  std::unique_ptr<dist::PipelineExecutor> executor;
  /// Width of the activations between stages (the model's d_model).
  int64_t hidden_size = 0;

  /// The parameters of this rank's stages by the whole model's names (the
  /// names a stage builder gives them), in stage order.
  torch::OrderedDict<std::string, torch::Tensor> named_parameters() const;
};

} // namespace fgrt::train
