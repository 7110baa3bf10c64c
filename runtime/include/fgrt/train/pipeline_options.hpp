//===- pipeline_options.hpp - How a run is split into pipeline stages --*- C++ -*-===//
//
// A config trains pipeline parallel by giving its Trainer a `pipeline`:
//
//   main: !singleton:fgrt.train:Trainer
//       args: *trainer_args
//       model: *model
//       pipeline: !singleton:fgrt.train:PipelineOptions
//           ranks: 2
//           schedule: "1f1b"
//           microbatches: 4
//
// The model is split at compile time: fgcc reads `ranks`, `stages_per_rank`,
// `input_weight` and `output_weight` (which must therefore be literals in
// the config, not variables) and emits one source per stage,
// `model/stages/stage_<k>.cpp`, holding the reference's balanced split
// (fgrt/dist/stage_split.hpp). At run time `fgrun --nproc-per-node <ranks>`
// starts the ranks; each builds only the stages the schedule places on it.
// Started as one process, the program trains the whole model instead, which
// is the single-process control of the same run.
//
// The schedule and the number of microbatches are run-time choices (any
// schedule fits the stages, as long as its placement needs this many stages
// per rank).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <string>

namespace fgrt::train {

/// The pipeline of a pipeline-parallel run (the reference's pipeline
/// trainer arguments `n_microbatches`, `stages_per_rank`, `pp_stage_type`
/// and its `pipe_schedule_factory`, as one object).
struct PipelineOptions {
  /// Processes of the pipeline (the world size fgrun must start); every
  /// rank holds stages_per_rank stages. Read by fgcc at compile time.
  TORCH_ARG(int64_t, ranks) = 2;
  /// Stages on each rank: 1 for gpipe, 1f1b and zb-h1, 2 (or more) for
  /// interleaved-1f1b and looped-bfs, exactly 2 for zbv. Compile time.
  TORCH_ARG(int64_t, stages_per_rank) = 1;
  /// "gpipe", "1f1b", "interleaved-1f1b", "looped-bfs", "zb-h1" or "zbv".
  TORCH_ARG(std::string, schedule) = "1f1b";
  /// Microbatches per batch; the batch size must be a multiple of it.
  TORCH_ARG(int64_t, microbatches) = 4;
  /// Layers the input encoder counts as when balancing the stages.
  /// Compile time.
  TORCH_ARG(int64_t, input_weight) = 1;
  /// Layers the final norm and head count as. Compile time.
  TORCH_ARG(int64_t, output_weight) = 1;
  /// Memory of one device in GiB, for `fgcc plan`'s warning when a stage
  /// needs more; 0: not declared.
  TORCH_ARG(double, device_memory_gib) = 0.0;
};

} // namespace fgrt::train
