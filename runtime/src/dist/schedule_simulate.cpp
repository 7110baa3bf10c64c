//===- schedule_simulate.cpp - Checking and simulating schedules ----------===//
//
// validate() checks a schedule's structure (placement, pass counts, order on
// each rank, matched messages) and then runs it; simulate() runs it with
// durations. Both runs are the same in-order execution: each rank takes its
// next action as soon as the action's inputs are there, the executor's
// blocking receives and buffered sends. Ranks that never reach the end of
// their lists are deadlocked.
//
//===----------------------------------------------------------------------===//
#include "fgrt/dist/schedule.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace fgrt::dist {

double CostModel::duration(ActionKind kind, int stages_per_rank) const {
  double whole = 0;
  switch (kind) {
  case ActionKind::Forward:
    whole = forward;
    break;
  case ActionKind::Backward:
    whole = backward;
    break;
  case ActionKind::BackwardInput:
    whole = backward_input;
    break;
  case ActionKind::BackwardWeight:
    whole = backward_weight;
    break;
  }
  // A stage holds 1/V of the rank's layers.
  return whole / std::max(1, stages_per_rank);
}

namespace {

/// Whether an action computes an input gradient (B, or I of a split one):
/// the backward that consumes the gradient of the next stage and sends one
/// to the previous stage.
bool is_input_backward(ActionKind kind) { return kind == ActionKind::Backward || kind == ActionKind::BackwardInput; }

/// A value per (stage, microbatch) pair.
template <typename T> class PairTable {
public:
  PairTable(const PipelineSchedule &schedule, T initial)
      : microbatches_(schedule.spec.microbatches),
        values_(static_cast<size_t>(schedule.num_stages) * microbatches_, initial) {}
  T &at(int stage, int microbatch) { return values_[static_cast<size_t>(stage) * microbatches_ + microbatch]; }
  const T &at(int stage, int microbatch) const {
    return values_[static_cast<size_t>(stage) * microbatches_ + microbatch];
  }

private:
  int microbatches_;
  std::vector<T> values_;
};

// ---------------------------------------------------------------------------
// The in-order execution

/// Marks a pass that has not run yet in the finish-time tables.
constexpr double kNotRun = -1;

/// Finish times of the passes run so far.
struct PassFinishTimes {
  explicit PassFinishTimes(const PipelineSchedule &schedule)
      : forward(schedule, kNotRun), input_grad(schedule, kNotRun) {}
  PairTable<double> forward;    ///< F
  PairTable<double> input_grad; ///< B or I
};

/// How far the execution of each rank's list got, and when each action ran.
struct InOrderRun {
  std::vector<std::vector<BusyInterval>> busy; ///< per rank, the actions run
  bool finished = true;                        ///< every rank ran its whole list
};

/// The time the output of `producer` is usable on `rank`: its finish time,
/// plus the message latency when `producer_stage` lives on another rank;
/// kNotRun while it has not run.
double arrival(const PipelineSchedule &schedule, double finished_at, int producer_stage, int rank,
               double comm) {
  if (finished_at == kNotRun)
    return kNotRun;
  return schedule.rank_of_stage[producer_stage] == rank ? finished_at : finished_at + comm;
}

/// When everything `action` needs is on `rank`, or kNotRun if some input
/// is still missing.
double inputs_ready_at(const PipelineSchedule &schedule, const PassFinishTimes &done, const Action &action,
                       int rank, double comm) {
  const int s = action.stage, mb = action.microbatch;
  switch (action.kind) {
  case ActionKind::Forward:
    return s == 0 ? 0 : arrival(schedule, done.forward.at(s - 1, mb), s - 1, rank, comm);
  case ActionKind::Backward:
  case ActionKind::BackwardInput: {
    // Its own forward's activations, and the gradient from downstream
    // (the last stage starts from its loss).
    double own = done.forward.at(s, mb);
    if (s == schedule.num_stages - 1 || own == kNotRun)
      return own;
    double gradient = arrival(schedule, done.input_grad.at(s + 1, mb), s + 1, rank, comm);
    return gradient == kNotRun ? kNotRun : std::max(own, gradient);
  }
  case ActionKind::BackwardWeight:
    return done.input_grad.at(s, mb);
  }
  return kNotRun;
}

/// Runs every rank's list in order: a rank starts its next action when it
/// is free and the action's inputs have arrived. The start times do not
/// depend on the order in which ranks are visited, because each is the
/// maximum of finish times that are final once known.
InOrderRun run_in_order(const PipelineSchedule &schedule, const CostModel &costs) {
  const int ranks = schedule.spec.ranks;
  PassFinishTimes done(schedule);
  InOrderRun run;
  run.busy.resize(ranks);
  std::vector<double> free_at(ranks, 0);
  for (bool progress = true; progress;) {
    progress = false;
    for (int rank = 0; rank < ranks; ++rank) {
      const std::vector<Action> &list = schedule.actions[rank];
      while (run.busy[rank].size() < list.size()) {
        const Action &action = list[run.busy[rank].size()];
        double ready = inputs_ready_at(schedule, done, action, rank, costs.comm);
        if (ready == kNotRun)
          break;
        double start = std::max(free_at[rank], ready);
        free_at[rank] = start + costs.duration(action.kind, schedule.spec.stages_per_rank);
        run.busy[rank].push_back({action, start, free_at[rank]});
        if (action.kind == ActionKind::Forward)
          done.forward.at(action.stage, action.microbatch) = free_at[rank];
        else if (is_input_backward(action.kind))
          done.input_grad.at(action.stage, action.microbatch) = free_at[rank];
        progress = true;
      }
    }
  }
  for (int rank = 0; rank < ranks; ++rank)
    run.finished = run.finished && run.busy[rank].size() == schedule.actions[rank].size();
  return run;
}

/// The pass `action` waits for, as text: what a deadlocked rank blocks on.
std::string awaited_pass(const PipelineSchedule &schedule, const PassFinishTimes &done, const Action &action) {
  const int s = action.stage, mb = action.microbatch;
  if (action.kind == ActionKind::Forward)
    return to_string({ActionKind::Forward, s - 1, mb});
  if (action.kind == ActionKind::BackwardWeight)
    return to_string({ActionKind::BackwardInput, s, mb});
  if (done.forward.at(s, mb) == kNotRun)
    return to_string({ActionKind::Forward, s, mb});
  return "the gradient of stage " + std::to_string(s + 1) + " microbatch " + std::to_string(mb) + " (rank " +
         std::to_string(schedule.rank_of_stage[s + 1]) + ")";
}

// ---------------------------------------------------------------------------
// The checks of validate()

using Problems = std::vector<std::string>;

std::string position_of(int rank, size_t index, const Action &action) {
  return "rank " + std::to_string(rank) + " action " + std::to_string(index) + " (" + to_string(action) + ")";
}

/// The schedule's tables have their sizes and every action names a stage
/// of its own rank and a microbatch in range. The later checks index by
/// stage and microbatch, so they run only when this one passes.
void check_placement(const PipelineSchedule &schedule, Problems &problems) {
  const ScheduleSpec &spec = schedule.spec;
  if (static_cast<int>(schedule.actions.size()) != spec.ranks ||
      static_cast<int>(schedule.rank_of_stage.size()) != schedule.num_stages ||
      static_cast<int>(schedule.activation_bound.size()) != spec.ranks || spec.microbatches < 1) {
    problems.push_back("the schedule's tables do not match its spec (ranks, stages, microbatches)");
    return;
  }
  for (int rank = 0; rank < spec.ranks; ++rank)
    for (size_t i = 0; i < schedule.actions[rank].size(); ++i) {
      const Action &action = schedule.actions[rank][i];
      if (action.stage < 0 || action.stage >= schedule.num_stages)
        problems.push_back(position_of(rank, i, action) + ": no such stage");
      else if (schedule.rank_of_stage[action.stage] != rank)
        problems.push_back(position_of(rank, i, action) + ": stage " + std::to_string(action.stage) +
                           " is placed on rank " + std::to_string(schedule.rank_of_stage[action.stage]));
      if (action.microbatch < 0 || action.microbatch >= spec.microbatches)
        problems.push_back(position_of(rank, i, action) + ": no such microbatch");
    }
}

/// How often each kind of pass runs for each pair.
struct PassCounts {
  explicit PassCounts(const PipelineSchedule &schedule)
      : forward(schedule, 0), backward(schedule, 0), input(schedule, 0), weight(schedule, 0) {}
  PairTable<int> forward, backward, input, weight;
};

/// Every pair runs one F and either one B or one I and one W.
void check_pass_counts(const PipelineSchedule &schedule, Problems &problems) {
  PassCounts counts(schedule);
  for (const std::vector<Action> &list : schedule.actions)
    for (const Action &action : list) {
      PairTable<int> &table = action.kind == ActionKind::Forward         ? counts.forward
                              : action.kind == ActionKind::Backward      ? counts.backward
                              : action.kind == ActionKind::BackwardInput ? counts.input
                                                                         : counts.weight;
      ++table.at(action.stage, action.microbatch);
    }
  for (int s = 0; s < schedule.num_stages; ++s)
    for (int mb = 0; mb < schedule.spec.microbatches; ++mb) {
      int f = counts.forward.at(s, mb), b = counts.backward.at(s, mb), i = counts.input.at(s, mb),
          w = counts.weight.at(s, mb);
      bool backward_once = (b == 1 && i == 0 && w == 0) || (b == 0 && i == 1 && w == 1);
      if (f != 1 || !backward_once)
        problems.push_back("stage " + std::to_string(s) + " microbatch " + std::to_string(mb) + " runs F " +
                           std::to_string(f) + "x, B " + std::to_string(b) + "x, I " + std::to_string(i) + "x, W " +
                           std::to_string(w) + "x (expected one F and one B, or one F, one I and one W)");
    }
}

/// On each rank a backward comes after the forward whose activations it
/// uses, and a W after the I that computed its output gradient.
void check_rank_order(const PipelineSchedule &schedule, Problems &problems) {
  for (int rank = 0; rank < schedule.spec.ranks; ++rank) {
    PairTable<char> forward_seen(schedule, 0), input_seen(schedule, 0); // char: vector<bool> has no references
    const std::vector<Action> &list = schedule.actions[rank];
    for (size_t i = 0; i < list.size(); ++i) {
      const Action &a = list[i];
      if (a.kind == ActionKind::Forward)
        forward_seen.at(a.stage, a.microbatch) = 1;
      else if (!forward_seen.at(a.stage, a.microbatch))
        problems.push_back(position_of(rank, i, a) + " runs before " +
                           to_string({ActionKind::Forward, a.stage, a.microbatch}));
      if (a.kind == ActionKind::BackwardInput)
        input_seen.at(a.stage, a.microbatch) = 1;
      else if (a.kind == ActionKind::BackwardWeight && !input_seen.at(a.stage, a.microbatch))
        problems.push_back(position_of(rank, i, a) + " runs before " +
                           to_string({ActionKind::BackwardInput, a.stage, a.microbatch}));
    }
  }
}

/// Sends and receives of one direction, per (sending stage, microbatch).
struct MessageCounts {
  explicit MessageCounts(const PipelineSchedule &schedule) : sent(schedule, 0), received(schedule, 0) {}
  PairTable<int> sent, received;
};

/// Every implied send meets exactly one receive: activations go from F(s)
/// to F(s+1), gradients from B/I(s) to B/I(s-1), where the two stages live
/// on different ranks.
void check_messages(const PipelineSchedule &schedule, Problems &problems) {
  const int last = schedule.num_stages - 1;
  auto remote = [&](int a, int b) { return schedule.rank_of_stage[a] != schedule.rank_of_stage[b]; };
  MessageCounts activations(schedule), gradients(schedule);
  for (const std::vector<Action> &list : schedule.actions)
    for (const Action &a : list) {
      const int s = a.stage, mb = a.microbatch;
      if (a.kind == ActionKind::Forward) {
        if (s < last && remote(s, s + 1))
          ++activations.sent.at(s, mb);
        if (s > 0 && remote(s, s - 1))
          ++activations.received.at(s - 1, mb);
      } else if (is_input_backward(a.kind)) {
        if (s > 0 && remote(s, s - 1))
          ++gradients.sent.at(s, mb);
        if (s < last && remote(s, s + 1))
          ++gradients.received.at(s + 1, mb);
      }
    }
  auto report = [&](const MessageCounts &counts, const char *what, int step) {
    for (int s = 0; s < schedule.num_stages; ++s)
      for (int mb = 0; mb < schedule.spec.microbatches; ++mb)
        if (counts.sent.at(s, mb) != counts.received.at(s, mb))
          problems.push_back(std::string(what) + " of stage " + std::to_string(s) + " microbatch " +
                             std::to_string(mb) + " to stage " + std::to_string(s + step) + ": sent " +
                             std::to_string(counts.sent.at(s, mb)) + "x, received " +
                             std::to_string(counts.received.at(s, mb)) + "x");
  };
  report(activations, "activations", +1);
  report(gradients, "gradients", -1);
}

/// Every rank reaches the end of its list; otherwise one problem naming
/// where each stuck rank blocks and on what.
void check_deadlock(const PipelineSchedule &schedule, Problems &problems) {
  InOrderRun run = run_in_order(schedule, CostModel{});
  if (run.finished)
    return;
  // Replay the finish times of what ran, to say what each stuck rank awaits.
  PassFinishTimes done(schedule);
  for (const std::vector<BusyInterval> &list : run.busy)
    for (const BusyInterval &interval : list) {
      const Action &a = interval.action;
      if (a.kind == ActionKind::Forward)
        done.forward.at(a.stage, a.microbatch) = interval.end;
      else if (is_input_backward(a.kind))
        done.input_grad.at(a.stage, a.microbatch) = interval.end;
    }
  std::string message = "deadlock:";
  for (int rank = 0; rank < schedule.spec.ranks; ++rank) {
    size_t next = run.busy[rank].size();
    if (next == schedule.actions[rank].size())
      continue;
    const Action &blocked = schedule.actions[rank][next];
    message += " " + position_of(rank, next, blocked) + " waits for " + awaited_pass(schedule, done, blocked) + ";";
  }
  message.pop_back();
  problems.push_back(message);
}

/// Each rank's peak of live activations is within its documented bound.
void check_activation_bound(const PipelineSchedule &schedule, Problems &problems) {
  std::vector<int> peaks = peak_activations(schedule);
  for (int rank = 0; rank < schedule.spec.ranks; ++rank)
    if (peaks[rank] > schedule.activation_bound[rank])
      problems.push_back("rank " + std::to_string(rank) + " holds up to " + std::to_string(peaks[rank]) +
                         " stage activations, above the schedule's bound of " +
                         std::to_string(schedule.activation_bound[rank]));
}

/// The simulation of a schedule validate() accepted.
Simulation measure_run(const PipelineSchedule &schedule, const CostModel &costs) {
  Simulation result;
  result.busy = run_in_order(schedule, costs).busy;
  for (const std::vector<BusyInterval> &list : result.busy)
    if (!list.empty())
      result.makespan = std::max(result.makespan, list.back().end);
  double total_idle = 0;
  for (const std::vector<BusyInterval> &list : result.busy) {
    double busy = std::accumulate(list.begin(), list.end(), 0.0,
                                  [](double sum, const BusyInterval &i) { return sum + (i.end - i.start); });
    result.idle.push_back(result.makespan - busy);
    total_idle += result.idle.back();
  }
  const double available = schedule.spec.ranks * result.makespan;
  result.bubble_fraction = available > 0 ? total_idle / available : 0;
  result.peak_activations = peak_activations(schedule);
  return result;
}

} // namespace

std::vector<int> peak_activations(const PipelineSchedule &schedule) {
  std::vector<int> peaks;
  for (const std::vector<Action> &list : schedule.actions) {
    int live = 0, peak = 0;
    for (const Action &action : list) {
      if (action.kind == ActionKind::Forward)
        peak = std::max(peak, ++live);
      else if (action.kind == ActionKind::Backward || action.kind == ActionKind::BackwardWeight)
        --live; // the backward is complete: the stage frees its graph
    }
    peaks.push_back(peak);
  }
  return peaks;
}

std::vector<std::string> validate(const PipelineSchedule &schedule) {
  Problems problems;
  check_placement(schedule, problems);
  if (!problems.empty())
    return problems;
  check_pass_counts(schedule, problems);
  check_rank_order(schedule, problems);
  check_messages(schedule, problems);
  check_deadlock(schedule, problems);
  check_activation_bound(schedule, problems);
  return problems;
}

Simulation simulate(const PipelineSchedule &schedule, const CostModel &costs) {
  Problems problems = validate(schedule);
  if (!problems.empty())
    throw std::invalid_argument("cannot simulate an unsound schedule: " + problems.front());
  return measure_run(schedule, costs);
}

ScheduleReport analyze_schedule(const ScheduleSpec &spec, const CostModel &costs) {
  ScheduleReport report;
  report.schedule = make_schedule(spec);
  report.problems = validate(report.schedule);
  report.costs = costs;
  if (report.problems.empty())
    report.simulation = measure_run(report.schedule, costs);
  return report;
}

} // namespace fgrt::dist
