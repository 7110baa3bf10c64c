//===- schedule_render.cpp - Schedules as text, JSON and SVG ---------------===//
//
// The three forms `fgcc schedule` prints. Text and SVG draw the simulated
// timeline on a grid of time slots: the largest slot that every start and
// end time is a whole number of (the cost of one stage's forward with the
// default costs), so each action fills whole cells.
//
//===----------------------------------------------------------------------===//
#include "fgrt/dist/schedule.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace fgrt::dist {

namespace {

/// `value` with up to six significant digits and no trailing zeros:
/// 33, 28.5, 0.272727.
std::string schedule_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

/// "1 stage" / "2 stages".
std::string counted(int count, const char *one, const char *many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

// ---------------------------------------------------------------------------
// The time grid

/// The slot width of the grid and whether every time lies on it exactly.
struct TimeGrid {
  double slot = 1;
  bool exact = true;
  int columns = 0;

  /// The column a time falls in (rounded when the grid is not exact).
  int column(double time) const { return static_cast<int>(std::lround(time / slot)); }
};

/// True when `time` is a whole number of `slot`s, up to rounding errors.
bool on_grid(double time, double slot) { return std::fabs(time / slot - std::round(time / slot)) < 1e-6; }

/// The widest slot 1/k (k = 1..64) of the time unit that every start and
/// end of the simulation lies on; for costs that fit none, the shortest
/// action, with times rounded to it.
TimeGrid time_grid_of(const Simulation &simulation) {
  TimeGrid grid;
  double shortest = simulation.makespan > 0 ? simulation.makespan : 1;
  for (const std::vector<BusyInterval> &list : simulation.busy)
    for (const BusyInterval &interval : list)
      if (interval.end > interval.start)
        shortest = std::min(shortest, interval.end - interval.start);
  grid.exact = false;
  grid.slot = shortest;
  for (int k = 1; k <= 64 && !grid.exact; ++k) {
    bool fits = true;
    for (const std::vector<BusyInterval> &list : simulation.busy)
      for (const BusyInterval &interval : list)
        fits = fits && on_grid(interval.start, 1.0 / k) && on_grid(interval.end, 1.0 / k);
    if (fits) {
      grid.slot = 1.0 / k;
      grid.exact = true;
    }
  }
  grid.columns = std::max(1, grid.column(simulation.makespan)); // a row even when nothing takes time
  return grid;
}

// ---------------------------------------------------------------------------
// Text

/// One line per rank: the cells of the grid, an action's name in its first
/// cell, '-' in the cells it continues over, '.' where the rank is idle.
void write_timeline(std::ostringstream &out, const ScheduleReport &report) {
  const Simulation &simulation = report.simulation;
  TimeGrid grid = time_grid_of(simulation);
  size_t width = 4;
  for (const std::vector<Action> &list : report.schedule.actions)
    for (const Action &action : list)
      width = std::max(width, to_string(action).size());
  out << "timeline: one column per " << schedule_number(grid.slot) << " time unit"
      << (grid.exact ? "" : " (times rounded)") << "; '-' continues the action to its left, '.' is idle\n";
  for (size_t rank = 0; rank < simulation.busy.size(); ++rank) {
    std::vector<std::string> cells(grid.columns, std::string(width, '.'));
    for (const BusyInterval &interval : simulation.busy[rank]) {
      int first = std::min(grid.column(interval.start), grid.columns - 1);
      int end = std::max(first + 1, grid.column(interval.end));
      std::string name = to_string(interval.action);
      cells[first] = name + std::string(width - name.size(), ' ');
      for (int c = first + 1; c < end && c < grid.columns; ++c)
        cells[c] = std::string(width, '-');
    }
    out << "rank " << rank << " |";
    for (const std::string &cell : cells)
      out << " " << cell;
    out << "\n";
  }
}

/// Without a simulation (an unsound schedule) the lists in order.
void write_action_lists(std::ostringstream &out, const PipelineSchedule &schedule) {
  out << "actions in order (not simulated: the schedule is unsound)\n";
  for (size_t rank = 0; rank < schedule.actions.size(); ++rank) {
    out << "rank " << rank << " |";
    for (const Action &action : schedule.actions[rank])
      out << " " << to_string(action);
    out << "\n";
  }
}

void write_validation(std::ostringstream &out, const std::vector<std::string> &problems) {
  if (problems.empty()) {
    out << "validation: ok (one F and one B or I+W per stage and microbatch, backwards after their forwards, "
           "every send received, no deadlock, activations within bounds)\n";
    return;
  }
  out << "validation: " << counted(static_cast<int>(problems.size()), "problem", "problems") << "\n";
  for (const std::string &problem : problems)
    out << "  " << problem << "\n";
}

} // namespace

std::string render_text(const ScheduleReport &report) {
  const PipelineSchedule &schedule = report.schedule;
  const ScheduleSpec &spec = schedule.spec;
  const CostModel &costs = report.costs;
  std::ostringstream out;
  out << "schedule " << schedule_kind_name(spec.kind) << ": " << counted(spec.ranks, "rank", "ranks") << ", "
      << counted(spec.microbatches, "microbatch", "microbatches") << ", "
      << counted(spec.stages_per_rank, "stage", "stages") << " per rank, "
      << counted(schedule.num_stages, "stage", "stages") << " (" << placement_name(schedule.placement)
      << " placement)\n";
  // Per stage pass, which is what the timeline shows; a stage is 1/V of
  // the rank's layers.
  const int V = spec.stages_per_rank;
  out << "costs per stage pass: F=" << schedule_number(costs.duration(ActionKind::Forward, V))
      << " B=" << schedule_number(costs.duration(ActionKind::Backward, V))
      << " I=" << schedule_number(costs.duration(ActionKind::BackwardInput, V))
      << " W=" << schedule_number(costs.duration(ActionKind::BackwardWeight, V)) << " (a rank's whole layers / V="
      << V << "); comm=" << schedule_number(costs.comm) << "\n";
  const bool simulated = report.problems.empty();
  if (simulated)
    write_timeline(out, report);
  else
    write_action_lists(out, schedule);
  write_validation(out, report.problems);
  if (!simulated) {
    out << "bubble_fraction=n/a\n";
    return out.str();
  }
  const Simulation &simulation = report.simulation;
  for (int rank = 0; rank < spec.ranks; ++rank)
    out << "rank " << rank << ": busy=" << schedule_number(simulation.makespan - simulation.idle[rank])
        << " idle=" << schedule_number(simulation.idle[rank])
        << " peak_activations=" << simulation.peak_activations[rank]
        << " bound=" << schedule.activation_bound[rank] << "\n";
  out << "makespan=" << schedule_number(simulation.makespan) << "\n";
  out << "bubble_fraction=" << schedule_number(simulation.bubble_fraction) << "\n";
  return out.str();
}

// ---------------------------------------------------------------------------
// JSON

std::string render_json(const ScheduleReport &report) {
  using nlohmann::json;
  const PipelineSchedule &schedule = report.schedule;
  json actions = json::array();
  for (const std::vector<Action> &list : schedule.actions) {
    json rank = json::array();
    for (const Action &action : list)
      rank.push_back({{"kind", std::string(1, static_cast<char>(action.kind))},
                      {"stage", action.stage},
                      {"microbatch", action.microbatch}});
    actions.push_back(rank);
  }
  const CostModel &costs = report.costs;
  json doc = {
      {"schedule", schedule_kind_name(schedule.spec.kind)},
      {"ranks", schedule.spec.ranks},
      {"microbatches", schedule.spec.microbatches},
      {"stages_per_rank", schedule.spec.stages_per_rank},
      {"num_stages", schedule.num_stages},
      {"placement", placement_name(schedule.placement)},
      {"rank_of_stage", schedule.rank_of_stage},
      {"actions", actions},
      {"activation_bound", schedule.activation_bound},
      {"problems", report.problems},
      {"cost_model",
       {{"forward", costs.forward},
        {"backward", costs.backward},
        {"backward_input", costs.backward_input},
        {"backward_weight", costs.backward_weight},
        {"comm", costs.comm}}},
      {"simulation", nullptr},
  };
  if (report.problems.empty()) {
    const Simulation &simulation = report.simulation;
    // [start, end] of each action, in the order of "actions".
    json busy = json::array();
    for (const std::vector<BusyInterval> &list : simulation.busy) {
      json rank = json::array();
      for (const BusyInterval &interval : list)
        rank.push_back({interval.start, interval.end});
      busy.push_back(rank);
    }
    doc["simulation"] = {{"makespan", simulation.makespan},
                         {"bubble_fraction", simulation.bubble_fraction},
                         {"idle", simulation.idle},
                         {"peak_activations", simulation.peak_activations},
                         {"busy", busy}};
  }
  return doc.dump(2) + "\n";
}

// ---------------------------------------------------------------------------
// SVG

namespace {

/// Layout of the SVG picture, in pixels.
struct SvgLayout {
  static constexpr double kLeft = 64;    ///< rank labels
  static constexpr double kTop = 56;     ///< title and legend
  static constexpr double kRow = 26;     ///< height of a rank's bar
  static constexpr double kGap = 6;      ///< between rank bars
  static constexpr double kBottom = 34;  ///< time axis
  static constexpr double kRight = 16;
  static constexpr double kSlot = 22;    ///< width of one grid slot

  double per_unit; ///< pixels per time unit
  double x(double time) const { return kLeft + time * per_unit; }
  double y(int rank) const { return kTop + rank * (kRow + kGap); }
};

/// Fill colours per action kind: the rank's first stage, then its later
/// stages (lighter), so the interleaved schedules show which is which.
const char *action_fill(ActionKind kind, bool later_stage) {
  switch (kind) {
  case ActionKind::Forward:
    return later_stage ? "#a0cbe8" : "#4e79a7";
  case ActionKind::Backward:
    return later_stage ? "#8cd17d" : "#59a14f";
  case ActionKind::BackwardInput:
    return later_stage ? "#ff9d9a" : "#e15759";
  case ActionKind::BackwardWeight:
    return later_stage ? "#ffbe7d" : "#f28e2b";
  }
  return "#999";
}

const char *action_meaning(ActionKind kind) {
  switch (kind) {
  case ActionKind::Forward:
    return "F forward";
  case ActionKind::Backward:
    return "B backward";
  case ActionKind::BackwardInput:
    return "I input grad";
  case ActionKind::BackwardWeight:
    return "W weight grad";
  }
  return "?";
}

/// The title, and a legend entry for each kind of action the schedule uses.
void write_svg_heading(std::ostringstream &out, const ScheduleReport &report) {
  const ScheduleSpec &spec = report.schedule.spec;
  out << "<text x=\"" << SvgLayout::kLeft << "\" y=\"20\" font-size=\"15\" font-weight=\"bold\">"
      << schedule_kind_name(spec.kind) << ": P=" << counted(spec.ranks, "rank", "ranks")
      << ", M=" << counted(spec.microbatches, "microbatch", "microbatches")
      << ", V=" << counted(spec.stages_per_rank, "stage", "stages") << " per rank - bubble fraction "
      << schedule_number(report.simulation.bubble_fraction) << "</text>\n";
  double x = SvgLayout::kLeft;
  for (ActionKind kind : {ActionKind::Forward, ActionKind::Backward, ActionKind::BackwardInput,
                          ActionKind::BackwardWeight}) {
    bool used = false;
    for (const std::vector<Action> &list : report.schedule.actions)
      for (const Action &action : list)
        used = used || action.kind == kind;
    if (!used)
      continue;
    out << "<rect x=\"" << x << "\" y=\"30\" width=\"14\" height=\"14\" fill=\"" << action_fill(kind, false)
        << "\"/><text x=\"" << x + 18 << "\" y=\"42\" font-size=\"12\">" << action_meaning(kind) << "</text>\n";
    x += 110;
  }
  if (spec.stages_per_rank > 1)
    out << "<text x=\"" << x << "\" y=\"42\" font-size=\"12\">(lighter: the rank's later stages; "
        << "numbers are microbatches)</text>\n";
}

/// Index of `stage` among the stages of its rank, in stage order.
int local_stage_index(const PipelineSchedule &schedule, int stage) {
  int index = 0;
  for (int s = 0; s < stage; ++s)
    index += schedule.rank_of_stage[s] == schedule.rank_of_stage[stage];
  return index;
}

/// One bar per rank with a box per action, its microbatch written inside
/// and its name and times in a tooltip.
void write_svg_ranks(std::ostringstream &out, const ScheduleReport &report, const SvgLayout &layout) {
  const Simulation &simulation = report.simulation;
  for (int rank = 0; rank < static_cast<int>(simulation.busy.size()); ++rank) {
    double y = layout.y(rank);
    out << "<text x=\"8\" y=\"" << y + SvgLayout::kRow * 0.65 << "\" font-size=\"13\">rank " << rank << "</text>\n";
    out << "<rect x=\"" << layout.x(0) << "\" y=\"" << y << "\" width=\"" << layout.x(simulation.makespan) - layout.x(0)
        << "\" height=\"" << SvgLayout::kRow << "\" fill=\"#eeeeee\"/>\n";
    for (const BusyInterval &interval : simulation.busy[rank]) {
      const Action &action = interval.action;
      bool later = local_stage_index(report.schedule, action.stage) > 0;
      double x0 = layout.x(interval.start), x1 = layout.x(interval.end);
      out << "<g><title>" << to_string(action) << " [" << schedule_number(interval.start) << ", "
          << schedule_number(interval.end) << ")</title><rect x=\"" << x0 << "\" y=\"" << y << "\" width=\""
          << x1 - x0 << "\" height=\"" << SvgLayout::kRow << "\" fill=\"" << action_fill(action.kind, later)
          << "\" stroke=\"#ffffff\"/><text x=\"" << (x0 + x1) / 2 << "\" y=\"" << y + SvgLayout::kRow * 0.68
          << "\" font-size=\"12\" text-anchor=\"middle\" fill=\"" << (later ? "#000000" : "#ffffff") << "\">"
          << action.microbatch << "</text></g>\n";
    }
  }
}

/// Ticks under the bars: every time unit, or every 5 or 10 when that
/// would crowd them.
void write_svg_axis(std::ostringstream &out, const ScheduleReport &report, const SvgLayout &layout) {
  const double makespan = report.simulation.makespan;
  const double y = layout.y(report.schedule.spec.ranks) - SvgLayout::kGap + 4;
  double step = 1;
  while (step * layout.per_unit < 24)
    step *= step == 1 ? 5 : 2;
  for (double t = 0; t <= makespan + 1e-9; t += step)
    out << "<line x1=\"" << layout.x(t) << "\" y1=\"" << y - 4 << "\" x2=\"" << layout.x(t) << "\" y2=\"" << y + 2
        << "\" stroke=\"#666666\"/><text x=\"" << layout.x(t) << "\" y=\"" << y + 15
        << "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#666666\">" << schedule_number(t) << "</text>\n";
  out << "<text x=\"8\" y=\"" << y + 15 << "\" font-size=\"11\" fill=\"#666666\">time</text>\n";
}

} // namespace

std::string render_svg(const ScheduleReport &report) {
  std::ostringstream out;
  if (!report.problems.empty()) {
    // Nothing to draw: say so in a picture that is still valid SVG.
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"40\"><text x=\"8\" y=\"24\">"
        << "unsound schedule: " << report.problems.size() << " problem(s)</text></svg>\n";
    return out.str();
  }
  TimeGrid grid = time_grid_of(report.simulation);
  SvgLayout layout{SvgLayout::kSlot / grid.slot};
  const double width = layout.x(report.simulation.makespan) + SvgLayout::kRight;
  const double height = layout.y(report.schedule.spec.ranks) + SvgLayout::kBottom;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << " " << height << "\" font-family=\"sans-serif\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  write_svg_heading(out, report);
  write_svg_ranks(out, report, layout);
  write_svg_axis(out, report, layout);
  out << "</svg>\n";
  return out.str();
}

} // namespace fgrt::dist
