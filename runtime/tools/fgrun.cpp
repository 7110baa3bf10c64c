//===- fgrun.cpp - Launch one training program per rank (like torchrun) ----===//
//
//   fgrun --nproc-per-node N [--nnodes K] [--node-rank R]
//         [--master-addr HOST] [--master-port PORT] PROGRAM [ARGS...]
//
// Starts N copies of PROGRAM on this node, each with the environment c10d's
// env:// rendezvous reads (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE,
// GROUP_RANK, MASTER_ADDR, MASTER_PORT). Rank 0 hosts the TCPStore the ranks
// meet at; fgrun itself only launches and supervises:
//
//   - SIGINT and SIGTERM are forwarded to every rank (each saves and exits);
//   - when a rank fails, the others are stopped (SIGTERM, then SIGKILL after
//     a grace period) and fgrun exits with the failed rank's status;
//   - when every rank succeeds, fgrun exits 0.
//
// --master-port 0 (the default on one node) picks a free port, so several
// single-node jobs can run side by side.
//
//===----------------------------------------------------------------------===//
#include <CLI/CLI.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

/// The signal fgrun received and forwards (0: none yet).
volatile sig_atomic_t g_forward_signal = 0;

void on_signal(int sig) { g_forward_signal = sig; }

/// A TCP port nobody listens on right now: bind port 0 and ask which one the
/// kernel chose. (Another process could take it before rank 0 binds; the
/// window is short and the error would be rank 0's clear bind failure.)
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return 29500;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 29500;
  if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

struct LaunchOptions {
  int nproc_per_node = 1;
  int nnodes = 1;
  int node_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 0;
  double grace_seconds = 10;
  std::vector<std::string> command;
};

/// Starts local rank `local_rank` of this node; returns its pid.
pid_t start_rank(const LaunchOptions &o, int local_rank) {
  int world = o.nproc_per_node * o.nnodes;
  int rank = o.node_rank * o.nproc_per_node + local_rank;
  pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("fgrun: fork");
    return -1;
  }
  if (pid > 0)
    return pid;
  // The child: its rank's environment, default signal handling, then exec.
  std::map<std::string, std::string> env = {
      {"RANK", std::to_string(rank)},
      {"LOCAL_RANK", std::to_string(local_rank)},
      {"WORLD_SIZE", std::to_string(world)},
      {"LOCAL_WORLD_SIZE", std::to_string(o.nproc_per_node)},
      {"GROUP_RANK", std::to_string(o.node_rank)},
      {"MASTER_ADDR", o.master_addr},
      {"MASTER_PORT", std::to_string(o.master_port)},
  };
  for (const auto &[name, value] : env)
    ::setenv(name.c_str(), value.c_str(), 1);
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  std::vector<char *> argv;
  std::vector<std::string> args = o.command;
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  std::fprintf(stderr, "fgrun: cannot run %s: %s\n", argv[0], std::strerror(errno));
  ::_exit(127);
}

/// The exit status a shell would report for a waitpid status.
int exit_status(int status) {
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

void signal_all(const std::map<pid_t, int> &running, int sig) {
  for (const auto &entry : running)
    ::kill(entry.first, sig);
}

/// Supervises the ranks until all have ended; returns fgrun's exit status.
int supervise(std::map<pid_t, int> running, double grace_seconds) {
  using Clock = std::chrono::steady_clock;
  int result = 0;
  bool stopping = false;
  Clock::time_point kill_at{};
  while (!running.empty()) {
    if (g_forward_signal && !stopping) {
      signal_all(running, g_forward_signal);
      stopping = true;
      kill_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(grace_seconds * 6));
    }
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0 && running.count(pid)) {
      int rank = running[pid];
      running.erase(pid);
      int code = exit_status(status);
      if (code != 0 && result == 0) {
        // The first failure decides fgrun's status and stops the others.
        result = code;
        std::fprintf(stderr, "fgrun: rank %d exited with status %d; stopping the other ranks\n", rank, code);
        if (!stopping) {
          signal_all(running, SIGTERM);
          stopping = true;
          kill_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(grace_seconds));
        }
      }
      continue;
    }
    if (stopping && Clock::now() >= kill_at) {
      signal_all(running, SIGKILL);
      kill_at = Clock::time_point::max();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return result;
}

} // namespace

int main(int argc, char **argv) {
  LaunchOptions o;
  CLI::App app{"fgrun: start one process per rank of a data- or pipeline-parallel training program", "fgrun"};
  app.add_option("--nproc-per-node", o.nproc_per_node, "Processes (ranks) on this node")->check(CLI::Range(1, 1024));
  app.add_option("--nnodes", o.nnodes, "Nodes taking part")->check(CLI::Range(1, 4096));
  app.add_option("--node-rank", o.node_rank, "This node's index, 0..nnodes-1")->check(CLI::NonNegativeNumber);
  app.add_option("--master-addr", o.master_addr, "Host of rank 0, where the ranks meet (TCPStore)");
  app.add_option("--master-port", o.master_port, "Port of the TCPStore (0: a free port, one node only)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--grace-seconds", o.grace_seconds, "How long stopped ranks get before SIGKILL")
      ->check(CLI::NonNegativeNumber);
  // The first positional argument is the program: it and everything after it
  // are left unparsed, options of the program included.
  app.prefix_command();
  app.footer("PROGRAM [ARGS...]  the training program and its own options");
  try {
    app.parse(argc, argv);
    o.command = app.remaining();
    if (o.command.empty())
      throw CLI::ValidationError("PROGRAM", "missing: give the program to run");
    if (o.node_rank >= o.nnodes)
      throw CLI::ValidationError("--node-rank", "must be below --nnodes");
    if (o.master_port == 0 && o.nnodes > 1)
      throw CLI::ValidationError("--master-port", "several nodes must agree on a port: give one");
  } catch (const CLI::CallForHelp &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    std::cerr << "fgrun: error: " << e.what() << "\n";
    return 2;
  }
  if (o.master_port == 0)
    o.master_port = free_port();

  struct sigaction action {};
  action.sa_handler = on_signal;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);

  std::map<pid_t, int> running;
  for (int local = 0; local < o.nproc_per_node; ++local) {
    pid_t pid = start_rank(o, local);
    if (pid < 0) {
      signal_all(running, SIGKILL);
      return 1;
    }
    running[pid] = o.node_rank * o.nproc_per_node + local;
  }
  return supervise(std::move(running), o.grace_seconds);
}
