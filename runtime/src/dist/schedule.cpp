//===- schedule.cpp - Generating pipeline-parallel schedules ---------------===//
//
// One generator per schedule kind, each producing one rank's action list;
// make_schedule() checks the spec, places the stages and runs the generator
// for every rank. The generators are torch's (torch/distributed/pipelining/
// schedules.py), rewritten without the None padding slots torch inserts to
// line ranks up in lockstep: our executor blocks on its receives instead,
// which gives the same order of work.
//
//===----------------------------------------------------------------------===//
#include "fgrt/dist/schedule.hpp"

#include <algorithm>
#include <deque>
#include <stdexcept>

namespace fgrt::dist {

// ---------------------------------------------------------------------------
// Names

namespace {

/// A kind and its command-line name.
struct ScheduleKindName {
  ScheduleKind kind;
  const char *name;
};

constexpr ScheduleKindName kScheduleKindNames[] = {
    {ScheduleKind::GPipe, "gpipe"},
    {ScheduleKind::OneFOneB, "1f1b"},
    {ScheduleKind::Interleaved1F1B, "interleaved-1f1b"},
    {ScheduleKind::LoopedBFS, "looped-bfs"},
    {ScheduleKind::ZeroBubbleH1, "zb-h1"},
    {ScheduleKind::ZeroBubbleV, "zbv"},
};

} // namespace

ScheduleKind parse_schedule_kind(const std::string &name) {
  std::string known;
  for (const ScheduleKindName &entry : kScheduleKindNames) {
    if (name == entry.name)
      return entry.kind;
    known += known.empty() ? entry.name : std::string(", ") + entry.name;
  }
  throw std::invalid_argument("unknown schedule '" + name + "' (known: " + known + ")");
}

const char *schedule_kind_name(ScheduleKind kind) {
  for (const ScheduleKindName &entry : kScheduleKindNames)
    if (entry.kind == kind)
      return entry.name;
  return "?";
}

const std::vector<ScheduleKind> &all_schedule_kinds() {
  static const std::vector<ScheduleKind> kinds = [] {
    std::vector<ScheduleKind> all;
    for (const ScheduleKindName &entry : kScheduleKindNames)
      all.push_back(entry.kind);
    return all;
  }();
  return kinds;
}

int default_stages_per_rank(ScheduleKind kind) {
  switch (kind) {
  case ScheduleKind::Interleaved1F1B:
  case ScheduleKind::LoopedBFS:
  case ScheduleKind::ZeroBubbleV:
    return 2;
  default:
    return 1;
  }
}

const char *placement_name(Placement placement) { return placement == Placement::V ? "v" : "loop"; }

std::string to_string(const Action &action) {
  return static_cast<char>(action.kind) + std::to_string(action.stage) + "." + std::to_string(action.microbatch);
}

// ---------------------------------------------------------------------------
// The generators

namespace {

/// The shape every generator works with, spelled as in the papers.
struct PipelineShape {
  int P; ///< ranks
  int M; ///< microbatches
  int V; ///< stages per rank
  int S; ///< stages, P * V
};

PipelineShape pipeline_shape_of(const ScheduleSpec &spec) {
  return {spec.ranks, spec.microbatches, spec.stages_per_rank, spec.ranks * spec.stages_per_rank};
}

/// Hands out microbatch numbers per stage in order: every stage sees its
/// microbatches in increasing order in each kind of pass.
class MicrobatchCounter {
public:
  explicit MicrobatchCounter(int num_stages) : next_(num_stages, 0) {}
  /// The next microbatch of `stage`, then advances it.
  int take(int stage) { return next_[stage]++; }

private:
  std::vector<int> next_;
};

/// ScheduleGPipe: F of every microbatch, then B of every microbatch.
std::vector<Action> gpipe_actions(const PipelineShape &shape, int rank) {
  std::vector<Action> actions;
  for (int mb = 0; mb < shape.M; ++mb)
    actions.push_back({ActionKind::Forward, rank, mb});
  for (int mb = 0; mb < shape.M; ++mb)
    actions.push_back({ActionKind::Backward, rank, mb});
  return actions;
}

/// Schedule1F1B: min(M, S - stage) warmup forwards, so that the last stage
/// starts its first backward at once, then B and F alternate (backward
/// first, which frees an activation before the next forward takes one),
/// then the cooldown backwards.
std::vector<Action> one_f_one_b_actions(const PipelineShape &shape, int rank) {
  std::vector<Action> actions;
  const int warmup = std::min(shape.M, shape.S - rank);
  int forwards = 0;
  for (; forwards < warmup; ++forwards)
    actions.push_back({ActionKind::Forward, rank, forwards});
  for (int backwards = 0; backwards < shape.M; ++backwards) {
    actions.push_back({ActionKind::Backward, rank, backwards});
    if (forwards < shape.M)
      actions.push_back({ActionKind::Forward, rank, forwards++});
  }
  return actions;
}

/// ScheduleLoopedBFS: for each local stage in turn, F of every microbatch;
/// then for each local stage from the last, B of every microbatch from the
/// last.
std::vector<Action> looped_bfs_actions(const PipelineShape &shape, int rank) {
  std::vector<Action> actions;
  for (int local = 0; local < shape.V; ++local)
    for (int mb = 0; mb < shape.M; ++mb)
      actions.push_back({ActionKind::Forward, local * shape.P + rank, mb});
  for (int local = shape.V - 1; local >= 0; --local)
    for (int mb = shape.M - 1; mb >= 0; --mb)
      actions.push_back({ActionKind::Backward, local * shape.P + rank, mb});
  return actions;
}

/// Microbatches go through the local stages in rounds of this many
/// (torch: rounds = max(1, M / P), M / rounds per round).
int microbatches_per_round(const PipelineShape &shape) { return shape.M / std::max(1, shape.M / shape.P); }

/// Forward passes a rank of the loop-placed 1F1B family runs before its
/// first backward (torch's warmup): the (V-1) rounds the last rank runs
/// before its last local stage has a microbatch, plus per hop upstream two
/// forwards for interleaved 1F1B but one for zero bubble, which fills the
/// longer wait for its first gradient with deferred W instead of extra
/// forwards, and so keeps 1F1B's activation memory.
int loop_family_warmup(const PipelineShape &shape, int rank, bool zero_bubble) {
  const int per_hop = zero_bubble ? 1 : 2;
  const int warmup = (shape.V - 1) * microbatches_per_round(shape) + per_hop * (shape.P - 1 - rank);
  return std::min(warmup, shape.V * shape.M);
}

/// ScheduleInterleaved1F1B and ScheduleInterleavedZeroBubble (torch's
/// _get_1f1b_rank_ops): op k of a rank runs a forward (k < V*M) and, from
/// k = warmup on, a backward, visiting the local stages a round of
/// microbatches at a time, depth first: forwards from the first local stage
/// up, backwards from the last local stage down. With zero_bubble the
/// backward is an I, and the W of the oldest pending I follows it once the
/// rank has deferred `rank` of them: ranks further down the pipe defer more
/// W, which is what lets their I reach the first rank early.
std::vector<Action> loop_family_actions(const PipelineShape &shape, int rank, bool zero_bubble) {
  const int per_round = microbatches_per_round(shape);
  const int total = shape.V * shape.M;
  const int warmup = loop_family_warmup(shape, rank, zero_bubble);
  auto forward_stage = [&](int op) { return (op / per_round) % shape.V * shape.P + rank; };
  auto backward_stage = [&](int op) { return (shape.V - 1 - (op - warmup) / per_round % shape.V) * shape.P + rank; };

  MicrobatchCounter forwards(shape.S), backwards(shape.S);
  std::deque<Action> pending_weights; // I done, W not yet
  std::vector<Action> actions;
  const ActionKind backward_kind = zero_bubble ? ActionKind::BackwardInput : ActionKind::Backward;
  for (int op = 0; op < total + warmup; ++op) {
    if (op < total) {
      int stage = forward_stage(op);
      actions.push_back({ActionKind::Forward, stage, forwards.take(stage)});
    }
    if (op < warmup)
      continue;
    int stage = backward_stage(op);
    actions.push_back({backward_kind, stage, backwards.take(stage)});
    if (!zero_bubble)
      continue;
    pending_weights.push_back({ActionKind::BackwardWeight, stage, actions.back().microbatch});
    if (op - warmup >= rank) {
      actions.push_back(pending_weights.front());
      pending_weights.pop_front();
    }
  }
  actions.insert(actions.end(), pending_weights.begin(), pending_weights.end());
  return actions;
}

/// Appends the passes of one of a rank's two ZB-V stages to its list,
/// numbering each kind's microbatches in order.
class ChunkPasses {
public:
  ChunkPasses(std::vector<Action> &actions, int stage) : actions_(actions), stage_(stage) {}
  void forward() { actions_.push_back({ActionKind::Forward, stage_, forwards_++}); }
  void input_grad() { actions_.push_back({ActionKind::BackwardInput, stage_, inputs_++}); }
  void weight_grad() { actions_.push_back({ActionKind::BackwardWeight, stage_, weights_++}); }
  int forwards() const { return forwards_; }
  int pending_weights() const { return inputs_ - weights_; }

private:
  std::vector<Action> &actions_;
  int stage_;
  int forwards_ = 0, inputs_ = 0, weights_ = 0;
};

/// ScheduleZBVZeroBubble, rank r holding chunk 0 (stage r, on the way down
/// the V) and chunk 1 (stage 2P-1-r, on the way back up). Written for at
/// least 2P-1 microbatches; with fewer, the passes of the missing
/// microbatches are generated and then dropped, as torch does, which
/// removes whole (stage, microbatch) pairs on every rank alike.
std::vector<Action> zbv_actions(const PipelineShape &shape, int rank) {
  const int P = shape.P;
  const int micro = std::max(2 * P - 1, shape.M);
  std::vector<Action> actions;
  ChunkPasses down(actions, rank), up(actions, 2 * P - 1 - rank);

  // Warmup: fill the way down, then alternate the chunks until the
  // first microbatch comes back up to this rank; the first backwards of
  // chunk 1 run with their W at once.
  for (int i = 0; i < 2 * (P - rank) - 1; ++i)
    down.forward();
  for (int i = 0; i < rank; ++i) {
    up.forward();
    down.forward();
  }
  for (int i = 0; i < P - rank; ++i) {
    up.forward();
    up.input_grad();
    up.weight_grad();
  }
  // Steady: one F, I, W of each chunk in turn.
  while (up.forwards() < down.forwards() || down.forwards() < micro) {
    if (down.forwards() < micro)
      down.forward();
    down.input_grad();
    down.weight_grad();
    up.forward();
    up.input_grad();
    up.weight_grad();
  }
  // Cooldown: the I that other ranks wait for first, the W of chunk 0
  // between the last of them, then every W still pending.
  for (int i = 0; i < rank; ++i) {
    down.input_grad();
    up.input_grad();
  }
  for (int i = 0; i < P - rank; ++i) {
    down.input_grad();
    down.weight_grad();
  }
  while (up.pending_weights() > 0)
    up.weight_grad();
  while (down.pending_weights() > 0)
    down.weight_grad();

  actions.erase(std::remove_if(actions.begin(), actions.end(),
                               [&](const Action &action) { return action.microbatch >= shape.M; }),
                actions.end());
  return actions;
}

/// One rank's actions under `kind`.
std::vector<Action> rank_actions(ScheduleKind kind, const PipelineShape &shape, int rank) {
  switch (kind) {
  case ScheduleKind::GPipe:
    return gpipe_actions(shape, rank);
  case ScheduleKind::OneFOneB:
    return one_f_one_b_actions(shape, rank);
  case ScheduleKind::Interleaved1F1B:
    return loop_family_actions(shape, rank, /*zero_bubble=*/false);
  case ScheduleKind::LoopedBFS:
    return looped_bfs_actions(shape, rank);
  case ScheduleKind::ZeroBubbleH1:
    return loop_family_actions(shape, rank, /*zero_bubble=*/true);
  case ScheduleKind::ZeroBubbleV:
    return zbv_actions(shape, rank);
  }
  return {};
}

/// The documented peak of live stage activations on `rank` (see
/// peak_activations()); each follows from the generator above.
int activation_bound_of(ScheduleKind kind, const PipelineShape &shape, int rank) {
  const int all = shape.V * shape.M; // every forward of the rank before any backward
  switch (kind) {
  case ScheduleKind::GPipe:
  case ScheduleKind::LoopedBFS:
    return all;
  case ScheduleKind::OneFOneB:
    // The warmup forwards; each later F follows a B.
    return std::min(shape.M, shape.S - rank);
  case ScheduleKind::Interleaved1F1B:
    // The warmup forwards and the F of the first steady op.
    return std::min(all, loop_family_warmup(shape, rank, false) + 1);
  case ScheduleKind::ZeroBubbleH1:
    // As interleaved, plus the `rank` deferred W that keep theirs alive:
    // P on every rank for V = 1, the first rank's peak under 1F1B.
    return std::min(all, loop_family_warmup(shape, rank, true) + 1 + rank);
  case ScheduleKind::ZeroBubbleV:
    // 2P half-size stage activations: the P of 1F1B's first rank.
    return std::min(all, 2 * shape.P);
  }
  return all;
}

/// The largest P * V * M make_schedule() accepts.
constexpr long long kMaxStageMicrobatchPairs = 1 << 22;

/// Throws std::invalid_argument unless `value` >= 1.
void require_positive(const char *what, int value) {
  if (value < 1)
    throw std::invalid_argument(std::string(what) + " must be at least 1, got " + std::to_string(value));
}

/// `spec` with V resolved, or std::invalid_argument saying why it has no
/// schedule.
ScheduleSpec checked_spec(ScheduleSpec spec) {
  const std::string name = schedule_kind_name(spec.kind);
  if (spec.stages_per_rank == 0)
    spec.stages_per_rank = default_stages_per_rank(spec.kind);
  require_positive("ranks", spec.ranks);
  require_positive("microbatches", spec.microbatches);
  require_positive("stages per rank", spec.stages_per_rank);
  const int V = spec.stages_per_rank;
  // Stage-microbatch pairs are indexed with ints and every pair gets a few
  // actions: refuse shapes far beyond any real pipeline before they
  // overflow or exhaust memory.
  if (static_cast<long long>(spec.ranks) * V * spec.microbatches > kMaxStageMicrobatchPairs)
    throw std::invalid_argument("ranks x stages per rank x microbatches must be at most " +
                                std::to_string(kMaxStageMicrobatchPairs));
  bool single_stage = spec.kind == ScheduleKind::GPipe || spec.kind == ScheduleKind::OneFOneB;
  if (single_stage && V != 1)
    throw std::invalid_argument(name + " runs one stage per rank, got " + std::to_string(V) +
                                " stages per rank (use interleaved-1f1b or looped-bfs)");
  if (spec.kind == ScheduleKind::ZeroBubbleV && V != 2)
    throw std::invalid_argument("zbv places exactly 2 stages per rank (the V placement), got " + std::to_string(V));
  // The loop-placed 1F1B family visits local stages a round of
  // microbatches at a time; rounds must divide M, as torch requires.
  // One local stage has nothing to interleave, so any M works.
  bool interleaved = spec.kind == ScheduleKind::Interleaved1F1B || spec.kind == ScheduleKind::ZeroBubbleH1;
  int rounds = std::max(1, spec.microbatches / spec.ranks);
  if (interleaved && V > 1 && spec.microbatches % rounds != 0)
    throw std::invalid_argument(name + " with " + std::to_string(V) + " stages per rank needs the microbatches (" +
                                std::to_string(spec.microbatches) + ") to be a multiple of the rounds max(1, M/P) = " +
                                std::to_string(rounds));
  return spec;
}

} // namespace

PipelineSchedule make_schedule(const ScheduleSpec &requested) {
  PipelineSchedule schedule;
  schedule.spec = checked_spec(requested);
  const PipelineShape shape = pipeline_shape_of(schedule.spec);
  schedule.num_stages = shape.S;
  schedule.placement = schedule.spec.kind == ScheduleKind::ZeroBubbleV ? Placement::V : Placement::Loop;
  for (int stage = 0; stage < shape.S; ++stage) {
    bool second_leg = schedule.placement == Placement::V && stage >= shape.P;
    schedule.rank_of_stage.push_back(second_leg ? 2 * shape.P - 1 - stage : stage % shape.P);
  }
  for (int rank = 0; rank < shape.P; ++rank) {
    schedule.actions.push_back(rank_actions(schedule.spec.kind, shape, rank));
    schedule.activation_bound.push_back(activation_bound_of(schedule.spec.kind, shape, rank));
  }
  return schedule;
}

} // namespace fgrt::dist
