//===- PlanReport.cpp - `fgcc plan` as text and as JSON -------------------===//
//
// The text report reads top-down: the model, the training shape, each
// stage's fixed and per-microbatch figures, then one line per schedule with
// the microbatches each stage holds at its peak and the memory each rank
// needs. The JSON carries the same numbers in bytes (not rounded), for
// comparing with measured peaks; docs/pipeline-parallel.md lists its keys.
//
//===----------------------------------------------------------------------===//
#include "plan/MemoryPlan.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace fgcc::plan {

// Keys in the order written, which is the order of the docs.
using json = nlohmann::ordered_json;

namespace {

/// printf into a string.
template <typename... Args> std::string format(const char *fmt, Args... args) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, fmt, args...);
  return buffer;
}

/// Three significant digits without an exponent: 0.0812, 1.23, 12.3, 123.
std::string significant(double v) {
  if (v != 0 && std::fabs(v) < 100) {
    int decimals = 2 - static_cast<int>(std::floor(std::log10(std::fabs(v))));
    return format("%.*f", decimals, v);
  }
  return format("%.0f", v);
}

/// "1 row", "2 rows"; `many` when the plural is not word + "s".
std::string plural(int64_t n, const std::string &word, const std::string &many = "") {
  return std::to_string(n) + " " + (n == 1 ? word : many.empty() ? word + "s" : many);
}

/// Pads `text` on the right to `width`.
std::string pad(const std::string &text, size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

std::string stageText(const MemoryPlan &plan, const StagePlan &st) {
  std::ostringstream out;
  out << "stage " << st.stage << " (rank " << st.rank << "): " << fgrt::dist::describe(st.layers) << "\n";
  out << "  parameters " << st.parameters << ": weights " << formatBytes(st.parameterBytes) << ", gradients "
      << formatBytes(st.gradientBytes) << ", optimizer "
      << (st.optimizerBytes ? formatBytes(*st.optimizerBytes) : std::string("unknown")) << "\n";
  out << "  activations " << formatBytes(st.activationBytesPerMicrobatch) << " per microbatch, working set "
      << formatBytes(st.transientBytes);
  if (plan.numStages > 1)
    out << ", boundary " << formatBytes(st.boundaryBytes);
  out << "\n  flops " << format("%.3g", st.flopsPerStep) << " per step\n";
  return out.str();
}

/// The schedule table: microbatches each stage holds at its peak, and the
/// GiB each rank needs; `*` marks the chosen schedule.
std::string scheduleTable(const MemoryPlan &plan) {
  const size_t nameWidth = 19, column = 9;
  const std::string peakTitle = "peak microbatches", memoryTitle = "estimated GiB";
  const size_t peakWidth = std::max(column * plan.stages.size(), peakTitle.size() + 1) + 2;
  std::ostringstream out;
  out << pad("schedule", nameWidth) << pad(peakTitle, peakWidth) << memoryTitle << "\n";
  // Each cell is left-aligned in its column; the last one carries no padding.
  auto row = [&](const std::string &name, const std::vector<std::string> &peaks, const std::vector<std::string> &gib) {
    std::string line = pad(name, nameWidth), cells;
    for (const std::string &p : peaks)
      cells += pad(p, column);
    line += pad(cells, peakWidth);
    for (size_t i = 0; i < gib.size(); ++i)
      line += i + 1 < gib.size() ? pad(gib[i], column) : gib[i];
    out << line << "\n";
  };
  std::vector<std::string> stageNames, rankNames;
  for (const StagePlan &st : plan.stages)
    stageNames.push_back("stage " + std::to_string(st.stage));
  for (const RankEstimate &r : plan.chosen().ranks)
    rankNames.push_back("rank " + std::to_string(r.rank));
  row("", stageNames, rankNames);
  for (const ScheduleEstimate &s : plan.schedules) {
    std::vector<std::string> peaks, gib;
    for (int peak : s.peakMicrobatches)
      peaks.push_back(std::to_string(peak));
    for (const RankEstimate &r : s.ranks)
      gib.push_back(formatGib(r.totalBytes / kBytesPerGiB));
    row(s.schedule + (s.chosen ? " *" : ""), peaks, gib);
  }
  return out.str();
}

/// "rank 0 holds stages 0, 2; rank 1 holds stages 1, 3".
std::string placementText(const ScheduleEstimate &s) {
  std::string text;
  for (const RankEstimate &r : s.ranks) {
    text += (text.empty() ? "" : "; ") + std::string("rank ") + std::to_string(r.rank) + " holds stage" +
            (r.stages.size() == 1 ? " " : "s ");
    for (size_t i = 0; i < r.stages.size(); ++i)
      text += (i ? ", " : "") + std::to_string(r.stages[i]);
  }
  return text;
}

/// A line for each schedule that places the stages on other ranks than the
/// chosen one (loop against V placement), so that its GiB columns read right.
std::string placementNotes(const MemoryPlan &plan) {
  std::string text;
  const std::string chosen = placementText(plan.chosen());
  for (const ScheduleEstimate &s : plan.schedules)
    if (placementText(s) != chosen)
      text += "placement of " + s.schedule + ": " + placementText(s) + "\n";
  return text;
}

} // namespace

std::string formatBytes(double bytes) {
  if (bytes < 1024.0)
    return format("%.0f bytes", bytes);
  if (bytes < 1024.0 * 1024.0)
    return significant(bytes / 1024.0) + " KiB";
  if (bytes < kBytesPerGiB)
    return significant(bytes / (1024.0 * 1024.0)) + " MiB";
  return significant(bytes / kBytesPerGiB) + " GiB";
}

std::string formatGib(double gib) { return significant(gib); }

std::string formatNumber(double value) { return format("%g", value); }

std::string renderText(const MemoryPlan &plan) {
  const ModelSummary &m = plan.model;
  const TrainingSetup &setup = plan.setup;
  std::ostringstream out;
  out << "plan of " << plan.configName << "\n";
  out << "model: " << m.rootClass << ", " << plural(m.layers, "layer") << ", d_model " << m.dModel << ", vocab "
      << m.vocabSize << (m.tiedEmbeddings ? " (tied embeddings)" : "") << ": " << m.parameters
      << " parameters, N = " << m.nonEmbeddingParameters << " without the embedding\n";
  out << "training: " << setup.dtype << " (" << setup.dtypeBytes << " bytes), " << setup.optimizer.component << ": "
      << setup.optimizer.description << "\n";
  out << "batch: " << plural(setup.batchRows, "row") << " x " << plural(setup.accumulation, "accumulation step")
      << " x " << setup.seqLen << " tokens = " << setup.tokensPerStep() << " tokens per step\n";
  if (setup.pipeline)
    out << "pipeline: " << plural(plan.ranks, "rank") << " x " << plural(plan.stagesPerRank, "stage")
        << " per rank, schedule " << plan.schedule << ", " << plural(plan.microbatches, "microbatch", "microbatches")
        << " of " << plural(plan.microbatchRows, "row") << " ("
        << plan.microbatchTokens() << " tokens)\n";
  else
    out << "pipeline: none (one process, one micro-step of " << plural(plan.microbatchRows, "row")
        << " at a time)\n";
  out << "flops: " << format("%.3g", plan.flopsPerToken) << " per token (6 N + 12 L d T), "
      << format("%.3g", plan.flopsPerStep) << " per step\n\n";
  for (const StagePlan &st : plan.stages)
    out << stageText(plan, st);
  out << "\n" << scheduleTable(plan) << placementNotes(plan);
  for (const InapplicableSchedule &s : plan.inapplicable)
    out << "not applicable: " << s.reason << "\n";
  out << "device memory: "
      << (plan.deviceMemoryGib > 0 ? formatNumber(plan.deviceMemoryGib) + " GiB (" + plan.deviceMemorySource + ")"
                                   : std::string("not declared"))
      << "\n";
  return out.str();
}

std::string renderJson(const MemoryPlan &plan) {
  const ModelSummary &m = plan.model;
  const TrainingSetup &setup = plan.setup;
  // Sizes are whole bytes; the estimates are sums of products, so rounding
  // loses nothing a reader could use.
  auto bytes = [](double v) { return json(static_cast<int64_t>(std::llround(v))); };
  auto orNull = [&](const std::optional<double> &v) { return v ? bytes(*v) : json(nullptr); };
  json doc;
  doc["config"] = plan.configName;
  doc["model"] = {{"class", m.rootClass},
                  {"layers", m.layers},
                  {"d_model", m.dModel},
                  {"vocab_size", m.vocabSize},
                  {"tied_embeddings", m.tiedEmbeddings},
                  {"parameters", m.parameters},
                  {"non_embedding_parameters", m.nonEmbeddingParameters}};
  const OptimizerState &opt = setup.optimizer;
  static const char *kinds[] = {"per_parameter", "factored", "unknown"};
  doc["training"] = {{"dtype", setup.dtype},
                     {"dtype_bytes", setup.dtypeBytes},
                     {"optimizer", {{"class", opt.component},
                                    {"state", kinds[static_cast<int>(opt.kind)]},
                                    {"states_per_parameter", opt.kind == OptimizerState::Kind::PerParameter
                                                                 ? json(opt.states)
                                                                 : json(nullptr)},
                                    {"float32_states", opt.float32States},
                                    {"description", opt.description}}},
                     {"batch_rows", setup.batchRows},
                     {"gradient_accumulation_steps", setup.accumulation},
                     {"sequence_length", setup.seqLen},
                     {"tokens_per_step", setup.tokensPerStep()},
                     {"flops_per_token", plan.flopsPerToken},
                     {"flops_per_step", plan.flopsPerStep}};
  doc["pipeline"] = {{"declared", setup.pipeline.has_value()},
                     {"ranks", plan.ranks},
                     {"stages_per_rank", plan.stagesPerRank},
                     {"num_stages", plan.numStages},
                     {"schedule", plan.schedule},
                     {"microbatches", plan.microbatches},
                     {"microbatch_rows", plan.microbatchRows},
                     {"microbatch_tokens", plan.microbatchTokens()}};
  doc["device_memory_gib"] = plan.deviceMemoryGib > 0 ? json(plan.deviceMemoryGib) : json(nullptr);
  doc["stages"] = json::array();
  for (const StagePlan &st : plan.stages)
    doc["stages"].push_back({{"stage", st.stage},
                             {"rank", st.rank},
                             {"holds", fgrt::dist::describe(st.layers)},
                             {"input", st.layers.input},
                             {"first_layer", st.layers.first_layer},
                             {"end_layer", st.layers.end_layer},
                             {"output", st.layers.output},
                             {"parameters", st.parameters},
                             {"parameter_bytes", bytes(st.parameterBytes)},
                             {"gradient_bytes", bytes(st.gradientBytes)},
                             {"optimizer_bytes", orNull(st.optimizerBytes)},
                             {"activation_bytes_per_microbatch", bytes(st.activationBytesPerMicrobatch)},
                             {"boundary_bytes", bytes(st.boundaryBytes)},
                             {"transient_bytes", bytes(st.transientBytes)},
                             {"flops_per_step", st.flopsPerStep}});
  doc["schedules"] = json::array();
  for (const ScheduleEstimate &s : plan.schedules) {
    json ranks = json::array();
    for (const RankEstimate &r : s.ranks)
      ranks.push_back({{"rank", r.rank},
                       {"stages", r.stages},
                       {"fixed_bytes", bytes(r.fixedBytes)},
                       {"activation_bytes", bytes(r.activationBytes)},
                       {"buffer_bytes", bytes(r.bufferBytes)},
                       {"dynamic_bytes", bytes(r.dynamicBytes)},
                       {"transient_bytes", bytes(r.transientBytes)},
                       {"total_bytes", bytes(r.totalBytes)}});
    doc["schedules"].push_back(
        {{"schedule", s.schedule}, {"chosen", s.chosen}, {"peak_microbatches", s.peakMicrobatches}, {"ranks", ranks}});
  }
  doc["not_applicable"] = json::array();
  for (const InapplicableSchedule &s : plan.inapplicable)
    doc["not_applicable"].push_back({{"schedule", s.schedule}, {"reason", s.reason}});
  doc["warnings"] = plan.warnings();
  return doc.dump(2) + "\n";
}

} // namespace fgcc::plan
