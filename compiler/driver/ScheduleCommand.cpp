//===- ScheduleCommand.cpp - `fgcc schedule`: pipeline schedules -----------===//
//
// Generates a pipeline-parallel schedule with the runtime's own generator
// (runtime/src/dist, compiled into fgcc as fgcc_schedule), checks it,
// simulates it and prints it as text, JSON or SVG. No config is involved:
// the command answers "what does schedule X do with P ranks and M
// microbatches, and how much of the time is bubble?" before a pipeline
// config is written (docs/pipeline-parallel.md).
//
//===----------------------------------------------------------------------===//
#include "driver/Commands.h"

#include "fgrt/dist/schedule.hpp"
#include "fgrt/dist/stage_split.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <ostream>
#include <stdexcept>

namespace fgcc {

int parseIntOption(const std::string &name, const std::string &text) {
  char *end = nullptr;
  errno = 0;
  long value = std::strtol(text.c_str(), &end, 10);
  using Limits = std::numeric_limits<int>;
  bool inRange = errno != ERANGE && value >= Limits::min() && value <= Limits::max();
  if (text.empty() || *end != '\0' || !inRange)
    throw UsageError(name + " expects an integer, got '" + text + "'");
  return static_cast<int>(value);
}

double parseNumberOption(const std::string &name, const std::string &text) {
  char *end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value) || value < 0)
    throw UsageError(name + " expects a number >= 0, got '" + text + "'");
  return value;
}

namespace {

/// The options as the generator's spec; a UsageError for a missing or
/// malformed one.
fgrt::dist::ScheduleSpec specOf(const ScheduleOptions &options) {
  for (auto [name, value] : {std::pair{"--schedule", &options.schedule}, std::pair{"--ranks", &options.ranks},
                             std::pair{"--microbatches", &options.microbatches}})
    if (value->empty())
      throw UsageError(std::string("schedule needs ") + name);
  fgrt::dist::ScheduleSpec spec;
  spec.kind = fgrt::dist::parse_schedule_kind(options.schedule);
  spec.ranks = parseIntOption("--ranks", options.ranks);
  spec.microbatches = parseIntOption("--microbatches", options.microbatches);
  // 0 leaves the choice to the schedule (2 for the multi-stage ones).
  spec.stages_per_rank = options.stagesPerRank.empty() ? 0 : parseIntOption("--stages-per-rank", options.stagesPerRank);
  if (!options.stagesPerRank.empty() && spec.stages_per_rank < 1)
    throw UsageError("--stages-per-rank must be at least 1, got " + options.stagesPerRank);
  return spec;
}

/// The `--layers` table: which layers each stage (and so each rank) holds.
std::string stageSplitText(const ScheduleOptions &options, const fgrt::dist::PipelineSchedule &schedule) {
  int layers = parseIntOption("--layers", options.layers);
  std::vector<fgrt::dist::StageLayers> split =
      fgrt::dist::split_layers(layers, schedule.num_stages, options.inputWeight, options.outputWeight);
  std::string text = "layers: " + std::to_string(layers) + " over " + std::to_string(schedule.num_stages) +
                     " stages (input weight " + std::to_string(options.inputWeight) + ", output weight " +
                     std::to_string(options.outputWeight) + ")\n";
  for (size_t s = 0; s < split.size(); ++s)
    text += "  stage " + std::to_string(s) + " (rank " + std::to_string(schedule.rank_of_stage[s]) +
            "): " + fgrt::dist::describe(split[s]) + "\n";
  return text + "\n";
}

} // namespace

int runSchedule(const ScheduleOptions &options, std::ostream &out) {
  if (options.format != "text" && options.format != "json" && options.format != "svg")
    throw UsageError("schedule --format expects text, json or svg, got '" + options.format + "'");
  if (!options.layers.empty() && options.format != "text")
    throw UsageError("schedule --layers prints its table with --format text only");
  fgrt::dist::ScheduleReport report;
  std::string split;
  try {
    fgrt::dist::CostModel costs;
    if (!options.commCost.empty())
      costs.comm = parseNumberOption("--comm-cost", options.commCost);
    // The generator rejects impossible shapes (M < 1, zbv with V != 2,
    // rounds not dividing M) with std::invalid_argument: a usage error.
    report = fgrt::dist::analyze_schedule(specOf(options), costs);
    if (!options.layers.empty())
      split = stageSplitText(options, report.schedule);
  } catch (const std::invalid_argument &e) {
    throw UsageError(e.what());
  }
  if (options.format == "json")
    out << fgrt::dist::render_json(report);
  else if (options.format == "svg")
    out << fgrt::dist::render_svg(report);
  else
    out << split << fgrt::dist::render_text(report);
  // A generated schedule that fails its own checks is a bug of the
  // generator; the output above lists the problems.
  return report.problems.empty() ? 0 : 1;
}

} // namespace fgcc
