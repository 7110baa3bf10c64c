//===- schedule.hpp - Pipeline-parallel schedules as data -------*- C++ -*-===//
//
// A pipeline schedule is a list of actions per rank: F (forward), B (full
// backward), or, for the zero-bubble schedules, I (backward for the input
// gradient) and W (backward for the weight gradient), each naming a stage
// and a microbatch. The pipeline executor runs each rank's list in order;
// the messages between ranks are implied by the actions:
//
//   - F of a stage s < S-1 sends its output to the rank of stage s+1, whose
//     F(s+1, mb) receives it;
//   - B or I of a stage s > 0 sends the input gradient to the rank of stage
//     s-1, whose B/I(s-1, mb) receives it.
//
// Adjacent stages on the same rank (the tip of the V placement) pass the
// tensor locally. Receives block, sends are buffered, so a schedule is sound
// when every rank can run its list to the end in that model (validate()).
//
// The generators follow the PyTorch classes Forgather's pipeline trainer
// plugs in: ScheduleGPipe, Schedule1F1B,
// ScheduleInterleaved1F1B, ScheduleLoopedBFS, ScheduleInterleavedZeroBubble
// (zb-h1: ZB-H1 of Qi et al. 2024 for one stage per rank, its interleaved
// variant for more) and ScheduleZBVZeroBubble, with torch's None padding
// slots dropped: the executor blocks on receives instead.
//
// simulate() replays the lists with a cost per action and reports busy
// intervals, the makespan and the bubble fraction; docs/pipeline-parallel.md
// lists the numbers. Everything here is plain C++17, so the compiler
// (`fgcc schedule`) and the runtime compile the same sources.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <vector>

namespace fgrt::dist {

// ---------------------------------------------------------------------------
// What to generate

/// The schedules make_schedule() generates.
enum class ScheduleKind {
  GPipe,           ///< "gpipe": all forwards, then all backwards
  OneFOneB,        ///< "1f1b": warmup forwards, steady 1B1F, cooldown
  Interleaved1F1B, ///< "interleaved-1f1b": 1F1B over V loop-placed stages per rank
  LoopedBFS,       ///< "looped-bfs": breadth first over V loop-placed stages
  ZeroBubbleH1,    ///< "zb-h1": 1F1B with B split into I and deferred W
  ZeroBubbleV,     ///< "zbv": zero bubble on the V placement (2 stages per rank)
};

/// The kind a command-line name ("gpipe", "1f1b", ...) names; throws
/// std::invalid_argument listing the known names otherwise.
ScheduleKind parse_schedule_kind(const std::string &name);
/// The command-line name of `kind`, the inverse of parse_schedule_kind.
const char *schedule_kind_name(ScheduleKind kind);
/// Every kind, in the order the docs present them.
const std::vector<ScheduleKind> &all_schedule_kinds();
/// Stages per rank a kind gets when the spec leaves it at 0: 2 for the
/// multi-stage schedules (interleaved-1f1b, looped-bfs, zbv), else 1.
int default_stages_per_rank(ScheduleKind kind);

/// The shape of the pipeline to schedule.
struct ScheduleSpec {
  ScheduleKind kind = ScheduleKind::OneFOneB;
  int ranks = 1;           ///< P: ranks in the pipeline group
  int microbatches = 1;    ///< M: microbatches per optimizer step
  int stages_per_rank = 0; ///< V: 0 picks default_stages_per_rank(kind)
};

// ---------------------------------------------------------------------------
// The schedule

/// How stages map to ranks (as Forgather's pipeline trainer assigns them).
enum class Placement {
  Loop, ///< stage s on rank s % P
  V,    ///< V == 2; rank r holds stages r and 2P-1-r
};
/// "loop" or "v".
const char *placement_name(Placement placement);

/// What an action computes; the letter is the one the text output uses.
enum class ActionKind : char {
  Forward = 'F',
  Backward = 'B',       ///< input and weight gradients at once
  BackwardInput = 'I',  ///< input gradient only, sent upstream at once
  BackwardWeight = 'W', ///< weight gradient, after the I of the same pair
};

/// One unit of work of one rank: a pass of one stage over one microbatch.
struct Action {
  ActionKind kind = ActionKind::Forward;
  int stage = 0;
  int microbatch = 0;

  bool operator==(const Action &other) const {
    return kind == other.kind && stage == other.stage && microbatch == other.microbatch;
  }
  bool operator!=(const Action &other) const { return !(*this == other); }
};

/// "F3.0": the kind's letter, the stage, a dot, the microbatch.
std::string to_string(const Action &action);

/// A generated schedule: the resolved spec, the placement, and each rank's
/// actions in execution order.
struct PipelineSchedule {
  ScheduleSpec spec; ///< stages_per_rank resolved (never 0)
  int num_stages = 0;
  Placement placement = Placement::Loop;
  std::vector<int> rank_of_stage;            ///< indexed by stage
  std::vector<std::vector<Action>> actions;  ///< indexed by rank
  /// The peak of live stage activations each rank may reach by the
  /// schedule's design (see peak_activations()); validate() checks it.
  std::vector<int> activation_bound;
};

/// Generates the schedule of `spec`. Throws std::invalid_argument, with a
/// message naming the offending value, for a spec that has no schedule:
/// P, M or V below 1; V other than 1 for gpipe/1f1b or other than 2 for
/// zbv; interleaved schedules (V > 1) with M not a multiple of the number
/// of rounds max(1, M / P), as torch requires; P * V * M above 2^22.
PipelineSchedule make_schedule(const ScheduleSpec &spec);

// ---------------------------------------------------------------------------
// Checking and simulating

/// The problems of a schedule, one sentence each; empty when it is sound:
///   - every action's stage is placed on its rank, its microbatch in range;
///   - every (stage, microbatch) has exactly one F, and one B or one I and
///     one W;
///   - on each rank B/I come after the F of the same pair, W after the I;
///   - every implied send has its receive and vice versa;
///   - running the ranks in order with blocking receives and buffered sends
///     finishes (no deadlock);
///   - peak_activations() stays within activation_bound.
std::vector<std::string> validate(const PipelineSchedule &schedule);

/// The most stage activations each rank holds at once. An activation is
/// live from its F until its backward is complete: B, or W for the split
/// backward, because the I/W executor retains the stage's autograd graph
/// for W (pipeline.hpp: W runs on the graph I kept). One stage activation is
/// 1/V of the activations of a rank holding its whole share of layers.
std::vector<int> peak_activations(const PipelineSchedule &schedule);

/// Durations of the actions, in units of the work of a rank's whole share
/// of the layers; a stage holds 1/V of it, so an action of one stage costs
/// the value here divided by V. The defaults are the paper's: B = 2F and
/// I = W = F.
struct CostModel {
  double forward = 1;
  double backward = 2;
  double backward_input = 1;
  double backward_weight = 1;
  /// Latency of a message between ranks (added to the receiver's wait).
  double comm = 0;

  /// The duration of one action of `kind` when a rank holds V stages.
  double duration(ActionKind kind, int stages_per_rank) const;
};

/// One action as the simulation ran it.
struct BusyInterval {
  Action action;
  double start = 0;
  double end = 0;
};

/// What simulate() measured.
struct Simulation {
  std::vector<std::vector<BusyInterval>> busy; ///< per rank, execution order
  double makespan = 0;                         ///< end of the last action
  std::vector<double> idle;                    ///< per rank: makespan - busy time
  /// Idle time over available time: sum(idle) / (P * makespan).
  double bubble_fraction = 0;
  std::vector<int> peak_activations; ///< as peak_activations()
};

/// Runs every rank's actions in order, each as early as its rank is free
/// and its input has arrived. Throws std::invalid_argument if validate()
/// finds a problem (a schedule that deadlocks has no makespan).
Simulation simulate(const PipelineSchedule &schedule, const CostModel &costs = {});

// ---------------------------------------------------------------------------
// Rendering (schedule_render.cpp)

/// A schedule together with its checks and simulation: what `fgcc
/// schedule` prints.
struct ScheduleReport {
  PipelineSchedule schedule;
  std::vector<std::string> problems; ///< validate()
  CostModel costs;
  Simulation simulation; ///< empty when problems is not
};

/// Generates, validates and (when sound) simulates `spec`.
ScheduleReport analyze_schedule(const ScheduleSpec &spec, const CostModel &costs = {});

/// A header, one timeline line per rank (one column per time slot), the
/// validation summary, per-rank figures, and `bubble_fraction=<x>` as the
/// last line.
std::string render_text(const ScheduleReport &report);
/// The spec, the actions per rank and the simulation as a JSON document.
std::string render_json(const ScheduleReport &report);
/// A standalone SVG picture of the simulated per-rank timeline.
std::string render_svg(const ScheduleReport &report);

} // namespace fgrt::dist
