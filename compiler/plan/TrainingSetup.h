//===- TrainingSetup.h - What a training config runs, for the plan -*- C++ -*-===//
//
// The training side of `fgcc plan`, read from the lowered training program
// (the trainer's options and what they name): the dtype, the batch and
// sequence shape, how much state the optimizer keeps per parameter, and the
// pipeline (fgrt/train/pipeline_options.hpp), if any. Values the config
// does not give take the runtime's defaults from the manifest.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "plan/Arguments.h"

#include <cstdint>
#include <optional>
#include <string>

namespace fgcc::plan {

/// How much state an optimizer keeps per parameter.
struct OptimizerState {
  enum class Kind : uint8_t {
    PerParameter, ///< `states` tensors of the parameter's size
    Factored,     ///< Adafactor: rows + columns of each matrix, all of a vector
    Unknown,      ///< not modelled: the estimate leaves it out and says so
  };
  std::string component; ///< the optimizer's class
  Kind kind = Kind::Unknown;
  int states = 0;            ///< PerParameter: tensors per parameter
  bool float32States = false; ///< kept in float32 whatever the dtype (fgrt's AdamW)
  /// "2 states per parameter (exp_avg, exp_avg_sq)": for the report.
  std::string description;
};

/// The pipeline a Trainer's `pipeline:` declares.
struct PipelineSetup {
  int ranks = 1;
  int stagesPerRank = 1;
  std::string schedule = "1f1b";
  int microbatches = 1;
  int inputWeight = 1;
  int outputWeight = 1;

  int numStages() const { return ranks * stagesPerRank; }
};

/// Everything the estimate needs besides the model.
struct TrainingSetup {
  std::string dtype = "float32"; ///< TrainingArguments.default_dtype
  int dtypeBytes = 4;
  int64_t batchRows = 1;    ///< per_device_train_batch_size: rows per micro-step
  int64_t accumulation = 1; ///< gradient_accumulation_steps
  int64_t seqLen = 1;       ///< DatasetOptions.max_length
  OptimizerState optimizer;
  std::optional<PipelineSetup> pipeline; ///< none: one process
  double deviceMemoryGib = 0;            ///< PipelineOptions.device_memory_gib; 0: not declared

  int64_t tokensPerStep() const { return batchRows * accumulation * seqLen; }
};

/// The setup of the training program `program` (lowerTrainProgram's second
/// plan). Throws PlanError for a value it cannot read or an unknown dtype.
TrainingSetup trainingSetupOf(const lower::ModelPlan &program, const DefaultLookup &defaults);

/// The state of optimizer class `component` with its arguments, read by
/// `args` (momentum for SGD, amsgrad for Adam).
OptimizerState optimizerStateOf(const ArgumentReader &args, const ComponentRef &optimizer);

} // namespace fgcc::plan
