//===- MemoryPlan.h - Per-stage memory and FLOPs of a training run -*- C++ -*-===//
//
// `fgcc plan` combines the model's shape (ModelShape.h) with the training
// setup (TrainingSetup.h) into an estimate per pipeline stage:
//
//   fixed      weights, gradients (both in the training dtype) and
//              optimizer state, for the parameters the stage holds
//              (fgrt::dist::split_layers, the split the runtime uses)
//   per microbatch  the activations its parts keep (ModelShape) plus, in a
//              pipeline, the received input and the output the executor
//              keeps for the backward (one d_model row per token each)
//   working set     the largest transient of one part on one microbatch
//
// and, for every schedule that fits the pipeline's shape, how many
// microbatches' activations each stage holds at once and what each rank
// needs. Both come from the schedule's own action lists (fgrt/dist/
// schedule.hpp), replayed in order: an F makes a microbatch live on its
// stage, its B (or its W, when the backward is split into I and W: W still
// needs the layer inputs) frees it, and every message to another rank stays
// in a send buffer until the step ends (the executor waits on its sends
// then). A rank's estimate is
//
//   fixed + max over its action list of (live activations + send buffers)
//         + the largest working set of its stages
//
// an upper estimate, since the working set is counted at the peak.
//
// Without a pipeline the run is one stage on one device that holds one
// micro-step (per_device_train_batch_size rows) at a time.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "plan/ModelShape.h"
#include "plan/TrainingSetup.h"

#include "fgrt/dist/stage_split.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fgcc::plan {

/// One stage: its share of the model and what it needs regardless of the
/// schedule. Sizes are bytes.
struct StagePlan {
  int stage = 0;
  int rank = 0;
  fgrt::dist::StageLayers layers;
  int64_t parameters = 0;
  double parameterBytes = 0;
  double gradientBytes = 0;
  std::optional<double> optimizerBytes; ///< unset: the optimizer is not modelled
  double activationBytesPerMicrobatch = 0; ///< parts' saved tensors + boundary input/output
  double boundaryBytes = 0;  ///< one activation (or its gradient) crossing a stage boundary
  double transientBytes = 0; ///< the largest working set of one part on one microbatch
  double flopsPerStep = 0;

  /// Weights, gradients and the optimizer state as far as it is known.
  double fixedBytes() const { return parameterBytes + gradientBytes + optimizerBytes.value_or(0); }
};

/// What one rank needs under one schedule, in bytes.
struct RankEstimate {
  int rank = 0;
  std::vector<int> stages;
  double fixedBytes = 0;
  double activationBytes = 0; ///< the peak of live activations alone
  double bufferBytes = 0;     ///< send buffers when the step ends (all of them)
  double dynamicBytes = 0;    ///< the peak of live activations + send buffers
  double transientBytes = 0;
  double totalBytes = 0; ///< fixed + dynamic + transient
};

/// One schedule that fits the pipeline.
struct ScheduleEstimate {
  std::string schedule;
  bool chosen = false; ///< the config's (or --schedule's)
  std::vector<int> peakMicrobatches; ///< per stage: microbatches held at once
  std::vector<RankEstimate> ranks;
};

/// A schedule that does not fit, and why (the generator's words).
struct InapplicableSchedule {
  std::string schedule;
  std::string reason;
};

/// The model's figures the report prints.
struct ModelSummary {
  std::string rootClass;
  int layers = 0;
  int64_t dModel = 0;
  int64_t vocabSize = 0;
  bool tiedEmbeddings = false;
  int64_t parameters = 0;
  int64_t nonEmbeddingParameters = 0;
};

/// The whole estimate.
struct MemoryPlan {
  std::string configName; ///< as the user named it, for the report
  ModelSummary model;
  TrainingSetup setup;
  int ranks = 1;
  int stagesPerRank = 1;
  int numStages = 1;
  int microbatches = 1;
  int64_t microbatchRows = 1;
  std::string schedule = "none"; ///< the chosen one; "none" without a pipeline
  double flopsPerToken = 0;      ///< 6 N + 12 L d T
  double flopsPerStep = 0;
  std::vector<StagePlan> stages;
  std::vector<ScheduleEstimate> schedules; ///< the chosen one among them
  std::vector<InapplicableSchedule> inapplicable;
  double deviceMemoryGib = 0; ///< 0: none declared
  std::string deviceMemorySource;

  int64_t microbatchTokens() const { return microbatchRows * setup.seqLen; }
  const ScheduleEstimate &chosen() const;
  /// `warning: stage K needs X GiB, more than the device's Y GiB` (rank
  /// and its stages when a rank holds several), one per rank of the chosen
  /// schedule over the device's memory; empty without a declared memory.
  std::vector<std::string> warnings() const;
};

/// The estimate of `setup` training `shape`. Throws PlanError when the
/// pipeline cannot run: a schedule that does not fit its shape, more
/// stages than layers, a batch that microbatches do not divide.
MemoryPlan planMemory(const ModelShape &shape, const TrainingSetup &setup);

/// The plan as a readable report (docs/pipeline-parallel.md, "Planning").
std::string renderText(const MemoryPlan &plan);
/// The plan as JSON (keys listed in docs/pipeline-parallel.md).
std::string renderJson(const MemoryPlan &plan);

inline constexpr double kBytesPerGiB = 1024.0 * 1024.0 * 1024.0;

/// Bytes as "12.3 MiB" (KiB, MiB or GiB, three significant digits; whole
/// bytes below 1 KiB).
std::string formatBytes(double bytes);
/// GiB with three significant digits and no exponent: "0.0812", "1.23", "80".
std::string formatGib(double gib);
/// A number as the user would write it (printf's %g): "64", "0.08".
std::string formatNumber(double value);

} // namespace fgcc::plan
