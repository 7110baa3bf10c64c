//===- TrainCommand.cpp - `fgcc train CONFIG`: compile, build, run ---------===//
//
// Emits the config's training project (as `fgcc CONFIG -o DIR` does), builds
// it with CMake in DIR/build unless a build of exactly these sources is
// there already, and then becomes the training program with the arguments
// after `--`. The cache key is the manifest's `sources_sha256`, one hash of
// every generated and vendored file, so a changed config, template or
// runtime rebuilds and nothing else does.
//
// A config whose `meta` sets `nproc_per_node: N` (or a command line with
// `-d N`), N > 1, trains under `fgrun --nproc-per-node N`, as the
// reference's `forgather train` runs torchrun. `--dry-run` prints the
// command that would train and touches nothing.
//
//===----------------------------------------------------------------------===//
#include "driver/Commands.h"
#include "driver/Process.h"
#include "support/PyPath.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sys/stat.h>
#include <unistd.h>

namespace fgcc {

namespace {

bool isFile(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// Echoes `args` as fgcc's stderr line (the user sees every step it takes),
/// runs it and returns its exit status.
int runChild(std::vector<std::string> args) {
  std::cerr << "fgcc: " << shellCommandLine(args) << "\n";
  return runWithStdoutOnStderr(std::move(args)).status;
}

/// The value of `field` in the config's `meta` target (a `!dict` call or a
/// plain mapping), or null.
const graph::Node *metaValue(const graph::Graph &graph, const std::string &field) {
  const graph::Node *root = graph.root;
  if (!root || root->kind != graph::Kind::Dict)
    return nullptr;
  for (const auto &[key, meta] : root->entries) {
    if (key->kind != graph::Kind::Str || key->str != "meta")
      continue;
    for (const graph::KeywordArg &kw : meta->kwargs)
      if (kw.name == field)
        return kw.value;
    for (const auto &[name, value] : meta->entries)
      if (name->kind == graph::Kind::Str && name->str == field)
        return value;
  }
  return nullptr;
}

/// More processes than this on one node is a typo, not a plan.
constexpr int kMaxProcesses = 4096;

/// The processes the config asks for: `meta.nproc_per_node`, like the
/// reference's `forgather train`; 1 when the meta does not say.
int metaNprocPerNode(const graph::Graph &graph) {
  const graph::Node *value = metaValue(graph, "nproc_per_node");
  if (!value)
    return 1;
  if (value->kind != graph::Kind::Int || value->intValue < 1 || value->intValue > kMaxProcesses) {
    std::string got = value->isScalar() ? graph::scalarRepr(*value) : "a container";
    throw FatalError(value->loc, "meta.nproc_per_node must be a whole number of processes from 1 to " +
                                     std::to_string(kMaxProcesses) + ", got " + got);
  }
  return static_cast<int>(value->intValue);
}

/// The processes to train with: `-d N` when given, else the config's.
int nprocPerNode(const TrainOptions &train, const graph::Graph &graph) {
  if (train.nprocPerNode.empty())
    return metaNprocPerNode(graph);
  int n = parseIntOption("--nproc-per-node", train.nprocPerNode);
  if (n < 1 || n > kMaxProcesses)
    throw UsageError("--nproc-per-node expects a number of processes from 1 to " + std::to_string(kMaxProcesses) +
                     ", got '" + train.nprocPerNode + "'");
  return n;
}

/// fgrun, the launcher of multi-process runs: the one built or installed
/// next to this fgcc, else the one on PATH.
std::string fgrunPath() {
  std::string besideFgcc = executableDir() + "/fgrun";
  if (isExecutableFile(besideFgcc))
    return besideFgcc;
  if (std::optional<std::string> onPath = findOnPath("fgrun"))
    return *onPath;
  throw FatalError(SourceLoc{}, "fgrun is neither next to fgcc (" + executableDir() +
                                    ") nor on PATH: fgcc train starts the processes of a run with it");
}

/// What `fgcc train` reads of the config before compiling it.
struct Launch {
  int nprocPerNode = 1;
  std::string projectDir; ///< where the project is (or will be) emitted
};

/// Renders the config for its meta and the project directory it compiles
/// to; `-d` overrides the meta's process count.
Launch planLaunch(GlobalOptions &opts, const TrainOptions &train) {
  Session session(opts.request, *opts.sources);
  RenderedConfig rendered = session.render();
  ConfigGraph cg = session.buildGraph(rendered);
  Launch launch;
  launch.nprocPerNode = nprocPerNode(train, *cg.graph);
  launch.projectDir = projectDirFor(opts, rendered.templateName);
  return launch;
}

/// The command that trains: the program itself, or fgrun starting one
/// copy of it per process.
std::vector<std::string> launchCommand(const Launch &launch, const TrainOptions &train) {
  std::vector<std::string> command;
  if (launch.nprocPerNode > 1)
    command = {fgrunPath(), "--nproc-per-node", std::to_string(launch.nprocPerNode)};
  command.push_back(launch.projectDir + "/build/train");
  command.insert(command.end(), train.programArgs.begin(), train.programArgs.end());
  return command;
}

/// The manifest's hash of the whole generated tree.
std::string sourcesDigest(const std::string &projectDir) {
  std::string manifest = projectDir + "/fgcc-manifest.json";
  auto j = nlohmann::json::parse(readFile(manifest), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("sources_sha256") || !j["sources_sha256"].is_string())
    throw FatalError(SourceLoc{}, manifest + ": no sources_sha256 (was it written by this fgcc?)");
  return j["sources_sha256"].get<std::string>();
}

/// What a build depends on besides the sources: the compiler and build type.
std::string buildKey(const std::string &digest, const std::string &compiler) {
  return "sources_sha256 " + digest + "\ncompiler " + compiler + "\nbuild_type Release\n";
}

/// Configures (the first time) and builds DIR/build; returns cmake's status.
int buildProject(const std::string &dir, const std::string &buildDir, const std::string &compiler) {
  if (!findOnPath("cmake"))
    throw FatalError(SourceLoc{}, "cmake is not on PATH: fgcc train builds the generated project with CMake");
  if (!isFile(buildDir + "/CMakeCache.txt")) {
    std::vector<std::string> configure = {"cmake", "-S", dir, "-B", buildDir, "-DCMAKE_BUILD_TYPE=Release"};
    if (findOnPath("ninja"))
      configure.insert(configure.end(), {"-G", "Ninja"});
    if (!compiler.empty())
      configure.push_back("-DCMAKE_CXX_COMPILER=" + compiler);
    if (int status = runChild(configure))
      return status;
  }
  return runChild({"cmake", "--build", buildDir});
}

} // namespace

int runTrain(GlobalOptions &opts, const TrainOptions &train, std::ostream &out) {
  // Known before anything is built, so that a missing fgrun stops it early.
  std::vector<std::string> command = launchCommand(planLaunch(opts, train), train);
  if (train.dryRun) {
    out << shellCommandLine(command) << "\n";
    return 0;
  }
  if (int status = runEmitProject(opts, out))
    return status;
  const std::string &dir = opts.outputDir;
  std::string buildDir = dir + "/build";
  std::string program = buildDir + "/train";
  // The compiler fgcc itself was built with, unless the user chose one.
  const char *cxx = std::getenv("CXX");
  std::string compiler = cxx && *cxx ? "" : FGCC_CXX_COMPILER;
  std::string key = buildKey(sourcesDigest(dir), cxx && *cxx ? cxx : compiler);
  std::string stampPath = buildDir + "/fgcc-build-stamp";

  if (isFile(program) && readFile(stampPath) == key) {
    std::cerr << "fgcc: " << program << " is up to date\n";
  } else {
    if (int status = buildProject(dir, buildDir, compiler)) {
      std::cerr << "fgcc: error: building " << dir << " failed (cmake exited with status " << status << ")\n";
      return 1;
    }
    std::ofstream stamp(stampPath, std::ios::binary | std::ios::trunc);
    stamp << key;
  }
  if (train.buildOnly)
    return 0;

  // Become the training program (or fgrun): signals (SIGINT, SIGTERM) and
  // the exit status are its own.
  if (command[0] != program)
    std::cerr << "fgcc: " << shellCommandLine(command) << "\n";
  std::cerr.flush();
  out.flush();
  std::vector<char *> argv = argvOf(command);
  ::execv(command[0].c_str(), argv.data());
  throw FatalError(SourceLoc{}, "cannot run " + command[0] + ": " + std::strerror(errno));
}

} // namespace fgcc
