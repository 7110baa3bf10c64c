//===- main.cpp - The fgcc command line ------------------------------------===//
//
// Parses the command line (CLI11), runs one subcommand, and turns every
// FatalError into a printed diagnostic with exit status 1. Usage errors exit
// with status 2. Global options may come before or after the subcommand.
//
//===----------------------------------------------------------------------===//
#include "driver/Commands.h"

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

using namespace fgcc;

namespace {

/// Splits NAME=VALUE; the value is read as a YAML flow value.
std::pair<std::string, render::Value> parseDefine(const std::string &arg) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0)
    throw FatalError(SourceLoc{}, "-D expects NAME=VALUE, got '" + arg + "'");
  return {arg.substr(0, eq), parseDefineValue(arg.substr(eq + 1))};
}

int runCommand(CLI::App &app, GlobalOptions &opts, const std::vector<std::string> &defines, bool preserve,
               bool deleteComments, std::ostream &out, const std::vector<std::string> &lsDirs, bool lsRecursive,
               const std::string &format) {
  for (const std::string &d : defines)
    opts.request.defines.push_back(parseDefine(d));
  // pp deletes `##` comment lines like the reference's `forgather pp`;
  // everything else keeps them as Jinja comments (spec section 3.4).
  bool isPp = app.got_subcommand("pp");
  opts.request.commentMode =
      preserve ? CommentMode::Preserve : (isPp || deleteComments) ? CommentMode::Delete : CommentMode::Preserve;
  if (isPp)
    return runPp(opts, out);
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
  if (!opts.emit.empty())
    return runEmit(opts, out);
  throw FatalError(SourceLoc{}, "nothing to do: give a subcommand (pp, ls, tlist, trefs, index, meta) or --emit=PHASE; "
                                "see fgcc --help");
}

} // namespace

int main(int argc, char **argv) {
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
  app.add_option("--emit", opts.emit, "Stop after a phase and print its output: load, preprocess, render");
  app.add_option("config", opts.request.path, "Config file path");

  CLI::App *pp = app.add_subcommand("pp", "Print the rendered config (pp text)");
  pp->add_option("config", opts.request.path, "Config file path");
  pp->add_flag("--line-map", opts.lineMap, "Prefix each line with the template file:line that produced it");
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
  app.add_subcommand("index", "Print the project index (markdown)");
  app.add_subcommand("meta", "Print the project's meta config (markdown)");
  app.require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    app.exit(e);
    return 2;
  }

  DiagnosticPrinter printer(std::cerr);
  try {
    std::ofstream file;
    if (!opts.outputFile.empty())
      file.open(opts.outputFile);
    std::ostream &out = opts.outputFile.empty() ? std::cout : file;
    int rc = runCommand(app, opts, defines, preserve, deleteComments, out, lsDirs, lsRecursive, format);
    out.flush();
    return rc;
  } catch (const FatalError &e) {
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
