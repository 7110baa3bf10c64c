//===- Commands.h - fgcc's subcommands ------------------------------------===//
#pragma once

#include "driver/Session.h"
#include "emit/ModelEmitter.h"
#include "resolve/Resolver.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace fgcc {

/// Options shared by every subcommand.
struct GlobalOptions {
  ConfigRequest request;
  /// Owns every file read; outlives the diagnostics that point into them.
  SourceManager *sources = nullptr;
  std::string emit;   ///< --emit=load|preprocess|render
  bool lineMap = false; ///< pp --line-map
  bool debug = false;   ///< pp --debug: also print every compiled template
  std::string graphFormat = "yaml"; ///< graph --format
  std::string compat;               ///< graph --compat=forgather
  std::vector<std::string> headers; ///< -H: user component headers to scan
  bool verify = false;              ///< check --verify: compare with expected-error annotations
  std::string outputFile; ///< -o for text commands
  bool emitModel = false;   ///< --emit-model
  std::string outputDir;    ///< -o/--output-dir of the generated project
  std::string modelTarget;  ///< --model-target
  /// Where the project goes when -o is not given (`fgcc train`):
  /// <defaultOutputRoot>/<namespace of the config>. Empty: -o is required.
  std::string defaultOutputRoot;
};

/// `fgcc train`'s own options.
struct TrainOptions {
  bool buildOnly = false;               ///< --build-only: stop after the build
  bool dryRun = false;                  ///< --dry-run: print the command that would train
  std::string nprocPerNode;             ///< -d N as written; empty: the config meta's nproc_per_node
  std::vector<std::string> programArgs; ///< after `--`: the training program's
};

/// `fgcc schedule`'s options as written on the command line; runSchedule
/// checks them (an empty one was not given).
struct ScheduleOptions {
  std::string schedule;      ///< --schedule: gpipe, 1f1b, interleaved-1f1b, ...
  std::string ranks;         ///< --ranks P
  std::string microbatches;  ///< --microbatches M
  std::string stagesPerRank; ///< --stages-per-rank V (default: the schedule's)
  std::string format = "text"; ///< --format: text, json or svg
  std::string commCost;      ///< --comm-cost: latency of a message (default 0)
  std::string layers;        ///< --layers N: also print which layers each stage holds
  int inputWeight = 1;       ///< --input-weight: the input encoder counts as this many layers
  int outputWeight = 1;      ///< --output-weight: the norm and head count as this many layers
};

/// `fgcc plan`'s options as written on the command line (an empty one was
/// not given; runPlan checks them).
struct PlanOptions {
  std::string format = "text"; ///< --format: text or json
  std::string deviceMemory;    ///< --device-memory GIB: overrides PipelineOptions.device_memory_gib
  std::string schedule;        ///< --schedule: overrides the pipeline's schedule
  std::string microbatches;    ///< --microbatches M: overrides the pipeline's
};

/// `fgcc plot`'s options as written on the command line (runPlot checks
/// them; an empty one was not given).
struct PlotOptions {
  std::vector<std::string> runDirs;  ///< output_dirs, log directories or trainer_logs.json files
  std::string output;                ///< -o FILE.png or FILE.svg
  std::vector<std::string> metrics;  ///< --metric (repeatable); default: loss
  std::vector<std::string> labels;   ///< --label (one per run); default: the output directory's name
  std::string title;                 ///< --title
  bool logY = false;                 ///< --log-y
  std::string size = "800x500";      ///< --size WxH in pixels
  std::string smooth;                ///< --smooth N: moving average over N points
  bool script = false;               ///< --script: print the gnuplot script, do not run gnuplot
};

/// The integer value of option `name`; a UsageError unless it is a whole
/// number that fits an int (range checks are the caller's).
int parseIntOption(const std::string &name, const std::string &text);
/// The number of option `name`; a UsageError unless it is finite and >= 0.
double parseNumberOption(const std::string &name, const std::string &text);

/// A config through the front end and the checker: what the code
/// generator starts from. The typed graph points into the graph and the
/// manifest, which is why they travel together.
struct CheckedConfig {
  std::unique_ptr<Session> session;
  RenderedConfig rendered;
  ConfigGraph graph;
  resolve::Manifest manifest;
  resolve::TypedGraph typed;
  DiagnosticEngine diags;
};

/// Runs every phase up to check; diagnostics of resolve and check are
/// collected in the result, not thrown (a broken template still throws).
std::unique_ptr<CheckedConfig> checkConfig(GlobalOptions &opts);
/// The whole file, or "" when it cannot be read.
std::string readFile(const std::string &path);
/// Prints the diagnostics and the clang-style summary; true if any error.
bool reportDiagnostics(const DiagnosticEngine &diags);
/// The installed manifests, the `-H` headers and the headers the config's
/// file specs name (relative to `configDir` or the working directory).
resolve::Manifest loadManifests(GlobalOptions &opts, const graph::Graph *config = nullptr,
                                const std::string &configDir = "");

// Each run* function implements one subcommand and returns the exit status;
// errors are thrown (FatalError, UsageError) and printed by main().

/// `pp`: the rendered config (pp text), optionally with `--line-map` origins
/// or the `--debug` dump of every compiled template (spec sections 3.4, 11).
int runPp(GlobalOptions &opts, std::ostream &out);
/// `graph`: the node graph as YAML (spec section 9.2; `compat` selects the
/// reference's exact bytes) or as fgcc's JSON.
int runGraph(GlobalOptions &opts, const std::string &format, bool compat, std::ostream &out);
/// `targets`: top-level target names in document order, then an empty line.
int runTargets(GlobalOptions &opts, std::ostream &out);
/// `check`: resolves every call against the component manifests and reports
/// every mistake; also serves `--emit=resolve|check`.
int runCheck(GlobalOptions &opts, std::ostream &out);
/// `doc components`: a markdown reference of every callable component.
int runDocComponents(GlobalOptions &opts, std::ostream &out);
/// `doc trainer-options`: a markdown reference of the options structs of
/// namespace fgrt::train that configs build by name (TrainingArguments,
/// TrainerOptions, ...), each field with its type, default and doc.
int runDocTrainerOptions(GlobalOptions &opts, std::ostream &out);
/// `--emit-model -o DIR`: the config's model as a standalone CMake project
/// in DIR/model; also serves `--emit=lower` (prints the model plan).
/// `configs/tiny_llama.yaml` -> `tiny_llama`: the C++ namespace of the
/// generated code, so that models of several configs can share a program.
std::string namespaceOf(const std::string &templateName);
/// The lowering's inputs taken from a checked config (search path, name).
lower::LowerOptions lowerOptionsFor(const CheckedConfig &cc);
/// The model emitter's inputs for a checked config (version, sources, namespace).
emit::EmitOptions emitOptionsFor(const CheckedConfig &cc);
int runEmitModel(GlobalOptions &opts, std::ostream &out);
/// `fgcc CONFIG -o DIR`: the whole training project of a config whose main is a Trainer.
int runEmitProject(GlobalOptions &opts, std::ostream &out);
/// Where `fgcc CONFIG -o DIR` and `fgcc train` put the project of the
/// config `templateName`: -o DIR, else <defaultOutputRoot>/<namespace>.
std::string projectDirFor(const GlobalOptions &opts, const std::string &templateName);
/// `train CONFIG [-o DIR] [-d N] [-- ARGS]`: emits the project, builds it
/// in DIR/build (skipped when a build of the same sources exists) and runs
/// DIR/build/train with ARGS, under fgrun when the config's
/// meta.nproc_per_node (or -d) asks for more than one process.
int runTrain(GlobalOptions &opts, const TrainOptions &train, std::ostream &out);
/// `schedule --schedule KIND --ranks P --microbatches M`: a pipeline
/// schedule's simulated per-rank timeline, its validation and its bubble
/// fraction, as text, JSON or SVG (docs/pipeline-parallel.md).
int runSchedule(const ScheduleOptions &options, std::ostream &out);
/// `plan CONFIG`: per pipeline stage of a training config, the layers it
/// holds, its parameters, weight, gradient and optimizer memory,
/// activations per microbatch and their peak under each schedule that
/// fits, and FLOPs per step; warns on stderr when a stage exceeds the
/// device's memory (docs/pipeline-parallel.md, "Planning").
int runPlan(GlobalOptions &opts, const PlanOptions &options, std::ostream &out);
/// `plot RUN_DIR... -o FILE`: the runs' loss curves (or other logged
/// metrics) on one chart, drawn by gnuplot.
int runPlot(const PlotOptions &options, std::ostream &out);
/// `--emit=PHASE`: stops after one phase and prints its output.
int runEmit(GlobalOptions &opts, std::ostream &out);
/// `ls [-r] [DIR...]`: a project's configs with their meta names (spec
/// section 11).
int runLs(GlobalOptions &opts, const std::vector<std::string> &dirs, bool recursive, std::ostream &out);
/// `tlist`: the template files on the search path, or (md) their static
/// inheritance forest.
int runTlist(GlobalOptions &opts, const std::string &format, std::ostream &out);
/// `trefs`: the templates a config's render loaded.
int runTrefs(GlobalOptions &opts, const std::string &format, std::ostream &out);
/// `index` and `meta`: markdown summaries of a project (spec section 11).
int runIndex(GlobalOptions &opts, std::ostream &out);
int runMeta(GlobalOptions &opts, std::ostream &out);

} // namespace fgcc
