//===- main.cpp - The fgcc command line ------------------------------------===//
//
// Parses the command line (CLI11), runs one subcommand, and turns every
// FatalError into a printed diagnostic with exit status 1. Usage errors exit
// with status 2. Global options may come before or after the subcommand.
//
//===----------------------------------------------------------------------===//
#include "driver/Commands.h"
#include "driver/DynamicArgs.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>

using namespace fgcc;

namespace {

/// Splits NAME=VALUE; the value is read as a YAML flow value.
std::pair<std::string, render::Value> parseDefine(const std::string &arg) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UsageError("-D expects NAME=VALUE, got '" + arg + "'");
  return {arg.substr(0, eq), parseDefineValue(arg.substr(eq + 1))};
}

/// Loads the config's `dynamic_args` and parses the leftover command-line
/// arguments against them (spec section 10.6). Returns the values passed.
std::vector<std::pair<std::string, render::Value>> applyDynamicArgs(GlobalOptions &opts,
                                                                    const std::vector<std::string> &extras,
                                                                    bool noDyn) {
  if (noDyn) {
    if (!extras.empty())
      throw UsageError("unrecognized argument: " + extras.front() + " (dynamic arguments are off: --no-dyn)");
    return {};
  }
  std::vector<DynamicArg> declared;
  try {
    // The reference loads dynamic args through Project, i.e. in preserve mode
    // (spec section 3.4), whatever mode the command itself renders in.
    ConfigRequest probe = opts.request;
    probe.commentMode = CommentMode::Preserve;
    declared = readDynamicArgs(Session(probe, *opts.sources).render().result.text);
  } catch (const FatalError &) {
    // Like the reference, a config that cannot be loaded without its
    // dynamic arguments still gets rendered (and then reports its error).
    if (!extras.empty())
      std::cerr << "fgcc: warning: loading dynamic args failed\n";
  }
  auto values = parseDynamicArgs(declared, extras);
  for (const auto &v : values)
    opts.request.defines.push_back(v);
  return values;
}

/// Applies the options that depend on the subcommand (comment mode,
/// dynamic arguments), then dispatches to it.
int runCommand(CLI::App &app, GlobalOptions &opts, const std::vector<std::string> &defines, bool preserve,
               bool deleteComments, std::ostream &out, const std::vector<std::string> &lsDirs, bool lsRecursive,
               const std::string &format, const std::vector<std::string> &extras, bool noDyn,
               const TrainOptions &trainOptions, const ScheduleOptions &scheduleOptions,
               const PlanOptions &planOptions, const std::string &docTopic, const PlotOptions &plotOptions) {
  // -D values are render arguments, like the reference's dynamic args.
  for (const std::string &d : defines)
    opts.request.defines.push_back(parseDefine(d));
  // pp deletes `##` comment lines like the reference's `forgather pp`;
  // everything else keeps them as Jinja comments (spec section 3.4).
  bool isPp = app.got_subcommand("pp") || app.got_subcommand("graph");
  opts.request.commentMode =
      (preserve || opts.debug) ? CommentMode::Preserve : (isPp || deleteComments) ? CommentMode::Delete : CommentMode::Preserve;
  // Only commands that render a config can take its dynamic arguments;
  // for the others a leftover argument is a usage error.
  bool rendersConfig = isPp || app.got_subcommand("trefs") || app.got_subcommand("targets") ||
                       app.got_subcommand("check") || app.got_subcommand("train") || app.got_subcommand("plan") ||
                       !opts.emit.empty() ||
                       opts.emitModel;
  if (!rendersConfig && !extras.empty())
    throw UsageError("unrecognized argument: " + extras.front());
  if (rendersConfig) {
    // The reference's `pp` echoes what it received (spec section 10.6).
    auto received = applyDynamicArgs(opts, extras, noDyn);
    if (app.got_subcommand("pp") && !received.empty()) {
      render::Dict d;
      for (const auto &[k, v] : received)
        d.set(render::Value::str(k), v);
      out << "# Dynamic arguments received: " << render::toRepr(render::Value::dict(std::make_shared<render::Dict>(d)))
          << "\n\n";
    }
  }
  if (app.got_subcommand("pp"))
    return runPp(opts, out);
  if (app.got_subcommand("graph"))
    return runGraph(opts, opts.graphFormat, !opts.compat.empty(), out);
  if (app.got_subcommand("targets"))
    return runTargets(opts, out);
  if (app.got_subcommand("check"))
    return runCheck(opts, out);
  if (app.got_subcommand("doc"))
    return docTopic == "trainer-options" ? runDocTrainerOptions(opts, out) : runDocComponents(opts, out);
  if (app.got_subcommand("plot")) {
    // The top-level positional would take a stray argument as a config.
    if (!opts.request.path.empty())
      throw UsageError("plot takes run directories after the subcommand, got '" + opts.request.path + "' before it");
    return runPlot(plotOptions, out);
  }
  if (app.got_subcommand("schedule")) {
    // The top-level positional would take a stray argument as a config.
    if (!opts.request.path.empty())
      throw UsageError("schedule takes no config, got '" + opts.request.path + "'");
    return runSchedule(scheduleOptions, out);
  }
  if (app.got_subcommand("plan"))
    return runPlan(opts, planOptions, out);
  if (app.got_subcommand("ls"))
    return runLs(opts, lsDirs, lsRecursive, out);
  if (app.got_subcommand("tlist"))
    return runTlist(opts, format.empty() ? "files" : format, out);
  if (app.got_subcommand("trefs"))
    return runTrefs(opts, format.empty() ? "files" : format, out);
  if (app.got_subcommand("index"))
    return runIndex(opts, out);
  if (app.got_subcommand("meta"))
    return runMeta(opts, out);
  if (app.got_subcommand("train")) {
    if (opts.outputDir.empty())
      opts.defaultOutputRoot = "build/fgcc";
    return runTrain(opts, trainOptions, out);
  }
  if (opts.emitModel)
    return runEmitModel(opts, out);
  if (opts.emit == "lower" || (opts.emit.empty() && !opts.outputDir.empty()))
    return runEmitProject(opts, out);
  if (!opts.emit.empty())
    return runEmit(opts, out);
  throw FatalError(SourceLoc{}, "nothing to do: give a subcommand (pp, ls, tlist, trefs, index, meta) or --emit=PHASE; "
                                "see fgcc --help");
}

} // namespace

int main(int argc, char **argv) {
  // fallthrough(): global options such as -p/-t are accepted after the
  // subcommand too (the reference wants them before it).
  CLI::App app{"fgcc: compiles Forgather-dialect experiment configs into C++/LibTorch projects"};
  app.fallthrough();
  app.set_version_flag("--version", std::string("fgcc ") + FGCC_VERSION);
  GlobalOptions opts;
  SourceManager sources;
  opts.sources = &sources;
  std::vector<std::string> defines;
  bool preserve = false, deleteComments = false, noDyn = false;
  app.add_option("-p,--project-dir", opts.request.projectDir, "Project directory (searched upward for meta.yaml)");
  app.add_option("-t,--config-template", opts.request.templateName, "Config name relative to the config prefix");
  app.add_option("-I,--include-dir", opts.request.includeDirs, "Extra template search directory (repeatable)")
      ->allow_extra_args(false);
  app.add_option("-D,--define", defines, "Set a render argument: NAME=VALUE, VALUE a YAML flow value (repeatable)")
      ->allow_extra_args(false);
  app.add_flag("--no-dyn", noDyn, "Do not load the config's dynamic arguments");
  app.add_flag("--preserve-line-numbers", preserve, "Keep ## comment lines as Jinja comments");
  app.add_flag("--delete-comment-lines", deleteComments, "Delete ## comment lines (the mode of pp)");
  app.add_option("--emit", opts.emit,
                 "Stop after a phase and print its output: load, preprocess, render, parse, graph, resolve, check, "
                 "lower");
  app.add_flag("--emit-model", opts.emitModel, "Write the config's model as a standalone CMake project in DIR/model");
  app.add_option("-o,--output-dir", opts.outputDir, "Directory of the generated project");
  app.add_option("--model-target", opts.modelTarget,
                 "The target holding the model (default: 'model', a node named @model, or 'main')");
  std::string appPath;
  app.add_option("config", appPath, "Config file path");

  CLI::App *pp = app.add_subcommand("pp", "Print the rendered config (pp text)");
  pp->add_option("config", opts.request.path, "Config file path");
  pp->add_flag("--line-map", opts.lineMap, "Prefix each line with the template file:line that produced it");
  pp->add_flag("-d,--debug", opts.debug, "Also print every compiled template (implies --preserve-line-numbers)");
  CLI::App *graphCmd = app.add_subcommand("graph", "Print the config's node graph");
  graphCmd->add_option("config", opts.request.path, "Config file path");
  graphCmd->add_option("--format", opts.graphFormat, "yaml (default) or json")->check(CLI::IsMember({"yaml", "json"}));
  graphCmd->add_option("--compat", opts.compat, "forgather: reproduce the reference's YAML byte for byte")
      ->check(CLI::IsMember({"forgather"}));
  CLI::App *checkCmd = app.add_subcommand("check", "Check the config against the component manifest");
  checkCmd->add_option("config", opts.request.path, "Config file path");
  checkCmd->add_flag("--verify", opts.verify,
                     "Compare the diagnostics with `## expected-error[@+N] {{text}}` annotations in the templates");
  app.add_option("-H,--header", opts.headers, "Scan a C++ header for components (repeatable)")
      ->allow_extra_args(false);
  std::string docTopic;
  CLI::App *docCmd = app.add_subcommand("doc", "Write generated documentation (components, trainer-options)");
  docCmd->add_option("topic", docTopic, "components or trainer-options")
      ->required()
      ->check(CLI::IsMember({"components", "trainer-options"}));
  docCmd->add_option("-o,--output", opts.outputFile, "Write to this file instead of standard output");
  CLI::App *targetsCmd = app.add_subcommand("targets", "List the config's targets");
  targetsCmd->add_option("config", opts.request.path, "Config file path");
  std::vector<std::string> lsDirs;
  bool lsRecursive = false;
  CLI::App *ls = app.add_subcommand("ls", "List the configs of a project");
  ls->add_flag("-r,--recursive", lsRecursive, "List every project below the directories");
  ls->add_option("dirs", lsDirs, "Project directories");
  std::string format;
  app.add_subcommand("tlist", "List the templates on the search path")
      ->add_option("--format", format, "files or md")
      ->check(CLI::IsMember({"files", "md"}));
  CLI::App *trefs = app.add_subcommand("trefs", "List the templates a config loads");
  trefs->add_option("--format", format, "files or md")->check(CLI::IsMember({"files", "md"}));
  trefs->add_option("config", opts.request.path, "Config file path");
  TrainOptions trainOptions;
  CLI::App *trainCmd = app.add_subcommand(
      "train", "Emit the training project (-o DIR, default build/fgcc/<config>), build it, run it with ARGS after --");
  trainCmd->add_option("config", opts.request.path, "Config file path");
  trainCmd->add_option("args", trainOptions.programArgs, "Options of the training program (after --)");
  trainCmd->add_flag("--build-only", trainOptions.buildOnly, "Stop after the build");
  trainCmd->add_flag("--dry-run", trainOptions.dryRun, "Print the command that would train; build and run nothing");
  trainCmd->add_option("-d,--nproc-per-node", trainOptions.nprocPerNode,
                       "Processes to train with, under fgrun (default: the config meta's nproc_per_node, else 1)");
  PlotOptions plotOptions;
  CLI::App *plotCmd =
      app.add_subcommand("plot", "Draw the loss curves (or other logged metrics) of training runs with gnuplot");
  plotCmd->add_option("runs", plotOptions.runDirs, "Training output_dirs, log directories (runs/<name>) or trainer_logs.json files")
      ->required();
  plotCmd->add_option("-o,--output", plotOptions.output, "The chart: FILE.png or FILE.svg")->required();
  plotCmd->add_option("--metric", plotOptions.metrics,
                      "A logged field to draw: loss (default), eval_loss, learning_rate, grad_norm, ... (repeatable)")
      ->allow_extra_args(false);
  plotCmd->add_option("--label", plotOptions.labels, "The name of a run in the key, one per run in order (repeatable)")
      ->allow_extra_args(false);
  plotCmd->add_option("--title", plotOptions.title, "Title of the chart");
  plotCmd->add_flag("--log-y", plotOptions.logY, "Logarithmic y axis");
  plotCmd->add_option("--size", plotOptions.size, "WIDTHxHEIGHT in pixels (default 800x500)");
  plotCmd->add_option("--smooth", plotOptions.smooth, "Average each point with the N-1 before it");
  plotCmd->add_flag("--script", plotOptions.script, "Print the gnuplot script instead of running gnuplot");
  ScheduleOptions scheduleOptions;
  CLI::App *scheduleCmd = app.add_subcommand(
      "schedule", "Print a pipeline-parallel schedule: per-rank timeline, validation, simulated bubble fraction");
  scheduleCmd->add_option("--schedule", scheduleOptions.schedule,
                          "gpipe, 1f1b, interleaved-1f1b, looped-bfs, zb-h1 or zbv");
  scheduleCmd->add_option("--ranks", scheduleOptions.ranks, "Pipeline ranks P");
  scheduleCmd->add_option("--microbatches", scheduleOptions.microbatches, "Microbatches M per step");
  scheduleCmd->add_option("--stages-per-rank", scheduleOptions.stagesPerRank,
                          "Stages per rank V (default 2 for interleaved-1f1b, looped-bfs and zbv, else 1)");
  scheduleCmd->add_option("--format", scheduleOptions.format, "text (default), json or svg");
  scheduleCmd->add_option("--comm-cost", scheduleOptions.commCost, "Latency of a message between ranks (default 0)");
  scheduleCmd->add_option("--layers", scheduleOptions.layers,
                          "Transformer layers: also print the balanced split of a causal LM over the stages");
  scheduleCmd->add_option("--input-weight", scheduleOptions.inputWeight, "The input encoder counts as this many layers")
      ->check(CLI::NonNegativeNumber);
  scheduleCmd->add_option("--output-weight", scheduleOptions.outputWeight, "The norm and head count as this many layers")
      ->check(CLI::NonNegativeNumber);
  PlanOptions planOptions;
  CLI::App *planCmd = app.add_subcommand(
      "plan", "Estimate a training config's memory and FLOPs per pipeline stage, under each schedule that fits");
  planCmd->add_option("config", opts.request.path, "Config file path");
  planCmd->add_option("--format", planOptions.format, "text (default) or json");
  planCmd->add_option("--device-memory", planOptions.deviceMemory,
                      "Memory of one device in GiB (overrides PipelineOptions.device_memory_gib)");
  planCmd->add_option("--schedule", planOptions.schedule, "The schedule to check against the device (overrides the config's)");
  planCmd->add_option("--microbatches", planOptions.microbatches, "Microbatches per step (overrides the config's)");
  app.add_subcommand("index", "Print the project index (markdown)");
  app.add_subcommand("meta", "Print the project's meta config (markdown)");
  // A subcommand is optional: `fgcc --emit=render x.yaml` has none.
  app.require_subcommand(0, 1);
  // Options a config declares in `dynamic_args` are parsed after the config
  // is known.
  app.allow_extras();
  pp->allow_extras();
  graphCmd->allow_extras();
  targetsCmd->allow_extras();
  checkCmd->allow_extras();
  trefs->allow_extras();
  planCmd->allow_extras();

  // `fgcc ... train ... -- ARGS`: everything after the first `--` belongs to
  // the training program. CLI11 would first fill an empty config positional
  // with it (the config came by -t), so it never reaches the parser.
  std::vector<std::string> afterDashes;
  int parsedArgc = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) != "--")
      continue;
    bool training = std::any_of(argv + 1, argv + i, [](const char *arg) { return std::string(arg) == "train"; });
    if (training) {
      afterDashes.assign(argv + i + 1, argv + argc);
      parsedArgc = i;
    }
    break;
  }

  try {
    app.parse(parsedArgc, argv);
  } catch (const CLI::CallForHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    // CLI11 prints its own message; a usage error is status 2, like argparse.
    app.exit(e);
    return 2;
  }

  DiagnosticPrinter printer(std::cerr);
  try {
    std::ofstream file;
    if (!opts.outputFile.empty())
      file.open(opts.outputFile);
    std::ostream &out = opts.outputFile.empty() ? std::cout : file;
    // Leftover arguments go to the config's dynamic options. CLI11 hands a
    // stray value (`--max-steps 30`) to the top-level positional when a
    // subcommand took the config path, so rebuild them in command-line order.
    std::vector<std::string> leftover = app.remaining();
    for (CLI::App *sub : {pp, trefs, graphCmd, targetsCmd, checkCmd, planCmd})
      for (const std::string &e : sub->remaining())
        leftover.push_back(e);
    // With -t naming the config, a value CLI11 put in a config positional
    // (the top-level one or the subcommand's) is a stray one too.
    if (!opts.request.templateName.empty() && !opts.request.path.empty()) {
      leftover.push_back(opts.request.path);
      opts.request.path.clear();
    }
    if (opts.request.path.empty() && opts.request.templateName.empty())
      opts.request.path = appPath;
    else if (!appPath.empty())
      leftover.push_back(appPath);
    std::vector<std::string> extras;
    // Restore command-line order, which dynamic args need for `--x VALUE`.
    for (int i = 1; i < parsedArgc; ++i) {
      auto it = std::find(leftover.begin(), leftover.end(), argv[i]);
      if (it != leftover.end()) {
        extras.push_back(*it);
        leftover.erase(it);
      }
    }
    trainOptions.programArgs.insert(trainOptions.programArgs.end(), afterDashes.begin(), afterDashes.end());
    int rc = runCommand(app, opts, defines, preserve, deleteComments, out, lsDirs, lsRecursive, format, extras, noDyn,
                        trainOptions, scheduleOptions, planOptions, docTopic, plotOptions);
    out.flush();
    return rc;
  } catch (const UsageError &e) {
    std::cout.flush();
    std::cerr << "fgcc: error: " << e.what() << "\nRun with --help for more information.\n";
    return 2;
  } catch (const FatalError &e) {
    // Flush stdout first so partial output and the diagnostic do not interleave.
    std::cout.flush();
    printer.print(e.diag());
    return 1;
  } catch (const std::bad_alloc &) {
    std::cerr << "fgcc: error: out of memory\n";
    return 1;
  } catch (const std::exception &e) {
    std::cerr << "fgcc: error: internal error: " << e.what() << "\n";
    return 1;
  }
}
