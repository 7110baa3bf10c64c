//===- Process.cpp - Finding and running the programs fgcc drives ---------===//
#include "driver/Process.h"

#include "support/Diagnostics.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fgcc {

namespace {

/// Where the child's stdout and stderr go.
enum class Streams { StdoutOnStderr, CaptureStderr };

/// Starts `args` with its streams set up as asked; `errorPipe` is the read
/// end of its stderr when captured.
pid_t spawn(std::vector<std::string> &args, Streams streams, int &errorPipe) {
  int fds[2] = {-1, -1};
  if (streams == Streams::CaptureStderr && ::pipe(fds) != 0)
    throw FatalError(SourceLoc{}, std::string("cannot start ") + args[0] + ": " + std::strerror(errno));
  std::cerr.flush();
  std::cout.flush();
  pid_t pid = ::fork();
  if (pid < 0)
    throw FatalError(SourceLoc{}, std::string("cannot start ") + args[0] + ": " + std::strerror(errno));
  if (pid == 0) {
    if (streams == Streams::StdoutOnStderr) {
      // Build output goes to stderr: stdout is the training program's.
      ::dup2(STDERR_FILENO, STDOUT_FILENO);
    } else {
      ::dup2(fds[1], STDERR_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
    }
    std::vector<char *> argv = argvOf(args);
    ::execvp(argv[0], argv.data());
    std::string message = "fgcc: error: cannot run " + args[0] + ": " + std::strerror(errno) + "\n";
    ssize_t ignored = ::write(STDERR_FILENO, message.data(), message.size());
    (void)ignored;
    ::_exit(127);
  }
  if (streams == Streams::CaptureStderr) {
    ::close(fds[1]);
    errorPipe = fds[0];
  }
  return pid;
}

/// Everything a pipe delivers until its writer closes it.
std::string drain(int fd) {
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0)
      text.append(buffer, static_cast<size_t>(n));
    else if (n == 0 || errno != EINTR)
      break;
  }
  ::close(fd);
  return text;
}

int waitFor(pid_t pid, const std::string &name) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      throw FatalError(SourceLoc{}, "lost " + name + ": " + std::strerror(errno));
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

} // namespace

bool isExecutableFile(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::optional<std::string> findOnPath(const std::string &name) {
  const char *path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!dir.empty() && isExecutableFile(dir + "/" + name))
      return dir + "/" + name;
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return std::nullopt;
}

std::vector<char *> argvOf(std::vector<std::string> &args) {
  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

std::string shellCommandLine(const std::vector<std::string> &args) {
  std::string line;
  for (const std::string &arg : args) {
    bool plain = !arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                       "0123456789@%+=:,./-_") == std::string::npos;
    std::string word = "'";
    for (char c : arg)
      word += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += (line.empty() ? "" : " ") + (plain ? arg : word + "'");
  }
  return line;
}

ProcessResult runWithStdoutOnStderr(std::vector<std::string> args) {
  int unused = -1;
  pid_t pid = spawn(args, Streams::StdoutOnStderr, unused);
  return {waitFor(pid, args[0]), ""};
}

ProcessResult runCapturingStderr(std::vector<std::string> args) {
  int errorPipe = -1;
  pid_t pid = spawn(args, Streams::CaptureStderr, errorPipe);
  std::string errors = drain(errorPipe);
  return {waitFor(pid, args[0]), errors};
}

} // namespace fgcc
