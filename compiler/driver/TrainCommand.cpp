//===- TrainCommand.cpp - `fgcc train CONFIG`: compile, build, run ---------===//
//
// Emits the config's training project (as `fgcc CONFIG -o DIR` does), builds
// it with CMake in DIR/build unless a build of exactly these sources is
// there already, and then becomes the training program with the arguments
// after `--`. The cache key is the manifest's `sources_sha256`, one hash of
// every generated and vendored file, so a changed config, template or
// runtime rebuilds and nothing else does.
//
//===----------------------------------------------------------------------===//
#include "driver/Commands.h"
#include "support/PyPath.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fgcc {

namespace {

bool isFile(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// True when `name` is an executable on PATH.
bool onPath(const std::string &name) {
  const char *path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0)
      return true;
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return false;
}

std::vector<char *> argvOf(std::vector<std::string> &args) {
  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

/// Runs `args` (searched on PATH), its output on fgcc's stderr, and returns
/// its exit status; a program killed by a signal counts as 128 + signal.
int runChild(std::vector<std::string> args) {
  std::cerr << "fgcc:";
  for (const std::string &a : args)
    std::cerr << " " << a;
  std::cerr << "\n";
  std::cerr.flush();
  std::cout.flush();
  pid_t pid = ::fork();
  if (pid < 0)
    throw FatalError(SourceLoc{}, std::string("cannot start ") + args[0] + ": " + std::strerror(errno));
  if (pid == 0) {
    // Build output goes to stderr: stdout is the training program's.
    ::dup2(STDERR_FILENO, STDOUT_FILENO);
    std::vector<char *> argv = argvOf(args);
    ::execvp(argv[0], argv.data());
    std::cerr << "fgcc: error: cannot run " << args[0] << ": " << std::strerror(errno) << "\n";
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      throw FatalError(SourceLoc{}, std::string("lost ") + args[0] + ": " + std::strerror(errno));
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
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
  if (!onPath("cmake"))
    throw FatalError(SourceLoc{}, "cmake is not on PATH: fgcc train builds the generated project with CMake");
  if (!isFile(buildDir + "/CMakeCache.txt")) {
    std::vector<std::string> configure = {"cmake", "-S", dir, "-B", buildDir, "-DCMAKE_BUILD_TYPE=Release"};
    if (onPath("ninja"))
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

  // Become the training program: signals (SIGINT, SIGTERM) and the exit
  // status are its own.
  std::vector<std::string> args = {program};
  args.insert(args.end(), train.programArgs.begin(), train.programArgs.end());
  std::cerr.flush();
  out.flush();
  std::vector<char *> argv = argvOf(args);
  ::execv(program.c_str(), argv.data());
  throw FatalError(SourceLoc{}, "cannot run " + program + ": " + std::strerror(errno));
}

} // namespace fgcc
