//===- MemoryPlan.cpp - Per-stage memory and FLOPs of a training run ------===//
#include "plan/MemoryPlan.h"

#include "fgrt/dist/schedule.hpp"

#include <algorithm>
#include <stdexcept>

namespace fgcc::plan {

namespace {

/// The parts a stage holds, in model order.
std::vector<const Part *> partsOf(const ModelShape &shape, const fgrt::dist::StageLayers &layers) {
  std::vector<const Part *> parts;
  if (layers.input)
    parts.push_back(&shape.input);
  for (int l = layers.first_layer; l < layers.end_layer; ++l)
    parts.push_back(&shape.layers[static_cast<size_t>(l)]);
  if (layers.output)
    parts.push_back(&shape.output);
  return parts;
}

/// Optimizer state for `tensors` (shapes), or nullopt when not modelled.
std::optional<double> optimizerBytes(const OptimizerState &opt, const std::vector<ParamTensor> &tensors,
                                     int dtypeBytes) {
  double elements = 0;
  for (const ParamTensor &p : tensors) {
    if (opt.kind == OptimizerState::Kind::PerParameter)
      elements += double(opt.states) * double(p.numel());
    else if (opt.kind == OptimizerState::Kind::Factored)
      // adafactor.hpp: a row and a column vector per matrix, the whole of
      // a vector or scalar.
      elements += p.shape.size() == 2 ? double(p.shape[0] + p.shape[1]) : double(p.numel());
    else
      return std::nullopt;
  }
  return elements * (opt.float32States ? 4 : dtypeBytes);
}

/// The fixed part of stage `s` and its per-microbatch figures.
StagePlan stagePlan(const ModelShape &shape, const MemoryPlan &plan, int s, const fgrt::dist::StageLayers &layers) {
  const TrainingSetup &setup = plan.setup;
  const int e = setup.dtypeBytes;
  const int64_t tokens = plan.microbatchTokens();
  StagePlan st;
  st.stage = s;
  st.layers = layers;
  // A tied head uses the input part's embedding; the lowering refuses tied
  // embeddings in a pipeline, so the two are always on one stage.
  std::vector<ParamTensor> tensors;
  double nonEmbedding = 0;
  bool keepsMask = false;
  for (const Part *part : partsOf(shape, layers)) {
    tensors.insert(tensors.end(), part->params.begin(), part->params.end());
    if (part != &shape.input)
      nonEmbedding += double(part->parameterCount());
    st.activationBytesPerMicrobatch += part->saved.bytes(e, setup.seqLen, tokens);
    st.transientBytes = std::max(st.transientBytes, part->transientBytes(e, setup.seqLen, tokens));
    keepsMask = keepsMask || part->keepsMask;
  }
  for (const ParamTensor &p : tensors)
    st.parameters += p.numel();
  // Gradients live from the first backward on: LibTorch 1.13's zero_grad()
  // zeroes them in place rather than freeing them.
  st.parameterBytes = st.gradientBytes = double(st.parameters) * e;
  st.optimizerBytes = optimizerBytes(setup.optimizer, tensors, e);

  // One attention mask per microbatch for all checkpointed layers: a row
  // of T keys per token, in the dtype.
  if (keepsMask)
    st.activationBytesPerMicrobatch += double(e) * double(setup.seqLen) * double(tokens);
  st.boundaryBytes = double(shape.dModel) * e * double(tokens);
  // The executor keeps a stage's received input and its output with the
  // microbatch's graph until the backward (pipeline.cpp, Saved).
  if (s > 0)
    st.activationBytesPerMicrobatch += st.boundaryBytes;
  if (s < plan.numStages - 1)
    st.activationBytesPerMicrobatch += st.boundaryBytes;

  // 6 N + 12 L d T per token, N the stage's share of the non-embedding
  // parameters (throughput.hpp).
  const double perToken = 6.0 * nonEmbedding + 12.0 * layers.layer_count() * double(shape.dModel) * double(setup.seqLen);
  st.flopsPerStep = perToken * double(setup.tokensPerStep());
  return st;
}

/// Replays `schedule`'s action lists (see the file comment of
/// MemoryPlan.h) and fills the peaks of each stage and rank.
ScheduleEstimate replay(const fgrt::dist::PipelineSchedule &schedule, const std::vector<StagePlan> &stages) {
  using fgrt::dist::ActionKind;
  ScheduleEstimate est;
  est.schedule = fgrt::dist::schedule_kind_name(schedule.spec.kind);
  est.peakMicrobatches.assign(stages.size(), 0);
  const int last = schedule.num_stages - 1;
  auto remote = [&](int from, int to) { return schedule.rank_of_stage[size_t(from)] != schedule.rank_of_stage[size_t(to)]; };
  for (size_t r = 0; r < schedule.actions.size(); ++r) {
    RankEstimate rank;
    rank.rank = static_cast<int>(r);
    std::vector<int> live(stages.size(), 0);
    double liveBytes = 0;
    for (const fgrt::dist::Action &a : schedule.actions[r]) {
      const StagePlan &st = stages[size_t(a.stage)];
      int &count = live[size_t(a.stage)];
      if (a.kind == ActionKind::Forward) {
        ++count;
        liveBytes += st.activationBytesPerMicrobatch;
        est.peakMicrobatches[size_t(a.stage)] = std::max(est.peakMicrobatches[size_t(a.stage)], count);
      }
      // B and I send the input gradient upstream.
      if ((a.kind == ActionKind::Backward || a.kind == ActionKind::BackwardInput) && a.stage > 0 &&
          remote(a.stage, a.stage - 1))
        rank.bufferBytes += st.boundaryBytes;
      if (a.kind == ActionKind::Backward || a.kind == ActionKind::BackwardWeight) {
        --count;
        liveBytes -= st.activationBytesPerMicrobatch;
        // The output sent downstream outlives the graph in the send buffer.
        if (a.stage < last && remote(a.stage, a.stage + 1))
          rank.bufferBytes += st.boundaryBytes;
      }
      rank.activationBytes = std::max(rank.activationBytes, liveBytes);
      rank.dynamicBytes = std::max(rank.dynamicBytes, liveBytes + rank.bufferBytes);
    }
    for (size_t s = 0; s < stages.size(); ++s)
      if (schedule.rank_of_stage[s] == rank.rank) {
        rank.stages.push_back(static_cast<int>(s));
        rank.fixedBytes += stages[s].fixedBytes();
        rank.transientBytes = std::max(rank.transientBytes, stages[s].transientBytes);
      }
    rank.totalBytes = rank.fixedBytes + rank.dynamicBytes + rank.transientBytes;
    est.ranks.push_back(std::move(rank));
  }
  return est;
}

/// One process: the single stage holds one micro-step's activations.
ScheduleEstimate singleProcess(const StagePlan &stage) {
  ScheduleEstimate est;
  est.schedule = "none";
  est.chosen = true;
  est.peakMicrobatches = {1};
  RankEstimate rank;
  rank.stages = {0};
  rank.fixedBytes = stage.fixedBytes();
  rank.activationBytes = rank.dynamicBytes = stage.activationBytesPerMicrobatch;
  rank.transientBytes = stage.transientBytes;
  rank.totalBytes = rank.fixedBytes + rank.dynamicBytes + rank.transientBytes;
  est.ranks.push_back(rank);
  return est;
}

/// Why a pipeline of `stagesPerRank` stages per rank cannot run `kind`,
/// beyond what the generator itself refuses: PipelineOptions (its
/// stages_per_rank field) gives zb-h1 one stage per rank, and the
/// interleaved schedules two or more; the generator would also take V = 1
/// for those and V > 1 for zb-h1. Empty when it fits.
std::string stagesPerRankProblem(fgrt::dist::ScheduleKind kind, int stagesPerRank) {
  using fgrt::dist::ScheduleKind;
  const std::string name = fgrt::dist::schedule_kind_name(kind);
  if (kind == ScheduleKind::ZeroBubbleH1 && stagesPerRank != 1)
    return name + " runs one stage per rank, got " + std::to_string(stagesPerRank) + " stages per rank";
  if ((kind == ScheduleKind::Interleaved1F1B || kind == ScheduleKind::LoopedBFS) && stagesPerRank < 2)
    return name + " runs 2 or more stages per rank, got 1 stage per rank";
  return "";
}

} // namespace

const ScheduleEstimate &MemoryPlan::chosen() const {
  for (const ScheduleEstimate &s : schedules)
    if (s.chosen)
      return s;
  throw std::logic_error("MemoryPlan without a chosen schedule");
}

MemoryPlan planMemory(const ModelShape &shape, const TrainingSetup &setup) {
  MemoryPlan plan;
  plan.model = {shape.rootClass,    shape.numLayers(),      shape.dModel, shape.vocabSize, shape.tiedEmbeddings,
                shape.parameterCount(), shape.nonEmbeddingParameterCount()};
  plan.setup = setup;
  plan.deviceMemoryGib = setup.deviceMemoryGib;
  plan.microbatchRows = setup.batchRows;
  PipelineSetup pipe = setup.pipeline.value_or(PipelineSetup{});
  if (setup.pipeline) {
    plan.ranks = pipe.ranks;
    plan.stagesPerRank = pipe.stagesPerRank;
    plan.numStages = pipe.numStages();
    plan.microbatches = pipe.microbatches;
    plan.schedule = pipe.schedule;
    // The executor splits each micro-step's rows into the microbatches.
    if (setup.batchRows % pipe.microbatches != 0)
      throw PlanError("per_device_train_batch_size " + std::to_string(setup.batchRows) + " is not a multiple of the " +
                      std::to_string(pipe.microbatches) + " microbatches of the pipeline");
    plan.microbatchRows = setup.batchRows / pipe.microbatches;
  }

  plan.flopsPerToken = 6.0 * double(plan.model.nonEmbeddingParameters) +
                       12.0 * plan.model.layers * double(shape.dModel) * double(setup.seqLen);
  plan.flopsPerStep = plan.flopsPerToken * double(setup.tokensPerStep());

  std::vector<fgrt::dist::StageLayers> split;
  try {
    split = fgrt::dist::split_layers(shape.numLayers(), plan.numStages, pipe.inputWeight, pipe.outputWeight);
  } catch (const std::invalid_argument &e) {
    throw PlanError(std::string("the pipeline cannot split the model: ") + e.what());
  }
  for (int s = 0; s < plan.numStages; ++s)
    plan.stages.push_back(stagePlan(shape, plan, s, split[size_t(s)]));

  if (!setup.pipeline) {
    plan.schedules.push_back(singleProcess(plan.stages.front()));
    return plan;
  }
  // Every schedule the generator accepts for this shape; the others with
  // its reason.
  bool chosenFits = false;
  for (fgrt::dist::ScheduleKind kind : fgrt::dist::all_schedule_kinds()) {
    const std::string name = fgrt::dist::schedule_kind_name(kind);
    fgrt::dist::PipelineSchedule schedule;
    std::string problem = stagesPerRankProblem(kind, pipe.stagesPerRank);
    try {
      if (problem.empty())
        schedule = fgrt::dist::make_schedule({kind, pipe.ranks, pipe.microbatches, pipe.stagesPerRank});
    } catch (const std::invalid_argument &e) {
      problem = e.what();
    }
    if (!problem.empty()) {
      if (name == pipe.schedule)
        throw PlanError("schedule '" + name + "' does not fit the pipeline: " + problem);
      plan.inapplicable.push_back({name, problem});
      continue;
    }
    ScheduleEstimate est = replay(schedule, plan.stages);
    est.chosen = name == pipe.schedule;
    chosenFits = chosenFits || est.chosen;
    plan.schedules.push_back(std::move(est));
  }
  if (!chosenFits)
    throw PlanError("unknown schedule '" + pipe.schedule + "' (known: gpipe, 1f1b, interleaved-1f1b, looped-bfs, "
                    "zb-h1, zbv)");
  // Ranks of the stages, from the chosen schedule's placement.
  for (const RankEstimate &r : plan.chosen().ranks)
    for (int s : r.stages)
      plan.stages[size_t(s)].rank = r.rank;
  return plan;
}

std::vector<std::string> MemoryPlan::warnings() const {
  std::vector<std::string> out;
  if (deviceMemoryGib <= 0)
    return out;
  // Without the optimizer's state the figure is a lower bound.
  const bool partial = !stages.front().optimizerBytes.has_value();
  for (const RankEstimate &r : chosen().ranks) {
    double gib = r.totalBytes / kBytesPerGiB;
    if (gib <= deviceMemoryGib)
      continue;
    std::string who;
    if (r.stages.size() == 1) {
      who = "stage " + std::to_string(r.stages.front());
    } else {
      who = "rank " + std::to_string(r.rank) + " (stages";
      for (size_t i = 0; i < r.stages.size(); ++i)
        who += (i ? ", " : " ") + std::to_string(r.stages[i]);
      who += ")";
    }
    out.push_back("warning: " + who + " needs " + (partial ? "at least " : "") + formatGib(gib) +
                  " GiB, more than the device's " + formatNumber(deviceMemoryGib) + " GiB");
  }
  return out;
}

} // namespace fgcc::plan
