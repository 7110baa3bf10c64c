//===- communicator.hpp - The ranks of a distributed run ---------*- C++ -*-===//
//
// A process group of LibTorch's c10d, behind a small interface the trainers
// use: all-reduce, broadcast, barrier and point-to-point send/receive. The
// ranks meet at a TCPStore that rank 0 hosts at MASTER_ADDR:MASTER_PORT (the
// environment `fgrun`, like torchrun, gives every rank). Gloo carries CPU
// tensors; NCCL carries CUDA tensors when LibTorch was built with it.
//
// The c10d headers stay inside communicator.cpp, so code that includes this
// header (the trainer, generated programs) compiles without them.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fgrt::dist {

/// A rank's place in the job, as the launcher describes it in the
/// environment (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT).
struct LaunchEnv {
  int rank = 0;
  int local_rank = 0;
  int world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
};

/// The launch environment of this process; a process started without a
/// launcher is rank 0 of 1. Throws std::invalid_argument naming the
/// variable when one is malformed (RANK=x, RANK >= WORLD_SIZE, ...).
LaunchEnv launch_env_from_environment();

/// The ranks of one job and the collectives between them. Every collective
/// must be called by every rank, in the same order.
class Communicator {
public:
  /// Joins the job: rendezvous at the TCPStore (rank 0 hosts it), then a
  /// process group of `backend` ("gloo", "nccl", or "auto": NCCL for a CUDA
  /// device where available, else Gloo). Blocks until every rank joined or
  /// `timeout` passed.
  Communicator(const LaunchEnv &env, const std::string &backend = "auto",
               std::chrono::milliseconds timeout = std::chrono::minutes(5), const std::string &device = "cpu");
  ~Communicator();
  Communicator(const Communicator &) = delete;
  Communicator &operator=(const Communicator &) = delete;

  int rank() const { return env_.rank; }
  int world_size() const { return env_.world_size; }
  const std::string &backend() const { return backend_; }

  /// Element-wise sum over the ranks, in place, for each tensor.
  void all_reduce_sum(std::vector<torch::Tensor> &tensors);
  /// Element-wise maximum over the ranks, in place.
  void all_reduce_max(torch::Tensor &tensor);
  /// The sum of `value` over the ranks.
  double all_reduce_sum(double value);
  /// Starts summing each tensor over the ranks; wait() completes them all.
  /// Lets a caller overlap several reductions with each other. Over Gloo a
  /// bfloat16 tensor is summed as a float32 copy (Gloo has no bfloat16
  /// sum), rounded back into it by wait().
  class Pending {
  public:
    Pending();
    Pending(Pending &&) noexcept;
    Pending &operator=(Pending &&) noexcept;
    ~Pending();
    void wait();

  private:
    friend class Communicator;
    struct Works;
    std::unique_ptr<Works> works_;
  };
  Pending all_reduce_sum_async(std::vector<torch::Tensor> &tensors);
  /// Copies rank `root`'s tensors into every other rank's.
  void broadcast(std::vector<torch::Tensor> &tensors, int root);
  /// Blocks until every rank arrived.
  void barrier();
  /// Point to point, for pipeline stages: `tag` tells messages between the
  /// same two ranks apart.
  void send(torch::Tensor &tensor, int to, int tag);
  void recv(torch::Tensor &tensor, int from, int tag);
  /// Starts sending; `tensor` must stay alive until the Pending is waited.
  Pending send_async(torch::Tensor &tensor, int to, int tag);

private:
  struct Group;
  LaunchEnv env_;
  std::string backend_;
  std::unique_ptr<Group> group_;
};

/// The communicator of a process started by a launcher with WORLD_SIZE > 1;
/// null for a single process.
std::shared_ptr<Communicator> communicator_from_environment(const std::string &device = "cpu");

} // namespace fgrt::dist
