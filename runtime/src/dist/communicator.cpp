//===- communicator.cpp - c10d process groups over a TCPStore -------------===//
#include "fgrt/dist/communicator.hpp"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>
#include <stdexcept>

namespace fgrt::dist {

namespace {

/// An environment variable as an int; `fallback` when unset.
int env_int(const char *name, int fallback) {
  const char *text = std::getenv(name);
  if (!text || !*text)
    return fallback;
  char *end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value < 0 || value > 1 << 20)
    throw std::invalid_argument(std::string(name) + "='" + text + "' is not a non-negative integer");
  return static_cast<int>(value);
}

} // namespace

LaunchEnv launch_env_from_environment() {
  LaunchEnv env;
  env.world_size = env_int("WORLD_SIZE", 1);
  env.rank = env_int("RANK", 0);
  env.local_rank = env_int("LOCAL_RANK", env.rank);
  env.master_port = env_int("MASTER_PORT", 29500);
  if (const char *addr = std::getenv("MASTER_ADDR"); addr && *addr)
    env.master_addr = addr;
  if (env.world_size < 1)
    throw std::invalid_argument("WORLD_SIZE must be at least 1");
  if (env.rank >= env.world_size)
    throw std::invalid_argument("RANK=" + std::to_string(env.rank) + " is not below WORLD_SIZE=" +
                                std::to_string(env.world_size));
  if (env.master_port < 1 || env.master_port > 65535)
    throw std::invalid_argument("MASTER_PORT=" + std::to_string(env.master_port) + " is not a TCP port");
  return env;
}

/// The c10d objects; kept out of the header.
struct Communicator::Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> pg;
};

struct Communicator::Pending::Works {
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  /// (tensor, the float32 copy that was summed in its place), copied back
  /// once the sums are done.
  std::vector<std::pair<torch::Tensor, torch::Tensor>> widened;
};

Communicator::Pending::Pending() = default;
Communicator::Pending::Pending(Pending &&) noexcept = default;
Communicator::Pending &Communicator::Pending::operator=(Pending &&) noexcept = default;
Communicator::Pending::~Pending() = default;

void Communicator::Pending::wait() {
  if (!works_)
    return;
  for (auto &work : works_->works)
    work->wait();
  torch::NoGradGuard no_grad;
  for (auto &[tensor, wide] : works_->widened)
    tensor.copy_(wide);
  works_.reset();
}

Communicator::Communicator(const LaunchEnv &env, const std::string &backend, std::chrono::milliseconds timeout,
                           const std::string &device)
    : env_(env), backend_(backend), group_(std::make_unique<Group>()) {
  bool cuda = torch::Device(device).is_cuda();
  if (backend_ == "auto")
    backend_ = cuda ? "nccl" : "gloo";
  c10d::TCPStoreOptions options;
  options.port = static_cast<uint16_t>(env.master_port);
  options.isServer = env.rank == 0;
  options.numWorkers = static_cast<size_t>(env.world_size);
  options.timeout = timeout;
  // Rank 0 hosts the store; the others connect, retrying until the timeout.
  auto tcp = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
  group_->store = c10::make_intrusive<c10d::PrefixStore>("fgrt/" + backend_, tcp);

  if (backend_ == "gloo") {
    auto gloo = c10d::ProcessGroupGloo::Options::create();
    gloo->timeout = timeout;
    gloo->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    if (env.master_addr != "127.0.0.1" && env.master_addr != "localhost")
      gloo->devices.back() = c10d::ProcessGroupGloo::createDefaultDevice();
    group_->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(group_->store, env.rank, env.world_size, gloo);
  } else if (backend_ == "nccl") {
#ifdef USE_C10D_NCCL
    auto nccl = c10d::ProcessGroupNCCL::Options::create();
    nccl->timeout = timeout;
    group_->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(group_->store, env.rank, env.world_size, nccl);
#else
    throw std::invalid_argument("backend nccl: this LibTorch was built without NCCL (use gloo)");
#endif
  } else {
    throw std::invalid_argument("backend '" + backend_ + "' is not gloo, nccl or auto");
  }
}

Communicator::~Communicator() = default;

void Communicator::all_reduce_sum(std::vector<torch::Tensor> &tensors) { all_reduce_sum_async(tensors).wait(); }

Communicator::Pending Communicator::all_reduce_sum_async(std::vector<torch::Tensor> &tensors) {
  Pending pending;
  pending.works_ = std::make_unique<Pending::Works>();
  for (torch::Tensor &t : tensors) {
    // Gloo (LibTorch 1.13) refuses bfloat16 ("Invalid scalar type"): sum a
    // float32 copy, which holds any bfloat16 exactly, and round the sum
    // back in wait(); for two ranks that is bfloat16's own a + b.
    torch::Tensor summed = t;
    if (backend_ == "gloo" && t.scalar_type() == torch::kBFloat16) {
      summed = t.to(torch::kFloat32);
      pending.works_->widened.emplace_back(t, summed);
    }
    std::vector<torch::Tensor> one{summed};
    pending.works_->works.push_back(group_->pg->allreduce(one));
  }
  return pending;
}

void Communicator::all_reduce_max(torch::Tensor &tensor) {
  std::vector<torch::Tensor> one{tensor};
  c10d::AllreduceOptions options;
  options.reduceOp = c10d::ReduceOp::MAX;
  group_->pg->allreduce(one, options)->wait();
}

double Communicator::all_reduce_sum(double value) {
  // float64 keeps the sum of the ranks' losses exact to the last bit that
  // matters for logging.
  std::vector<torch::Tensor> one{torch::full({1}, value, torch::kFloat64)};
  all_reduce_sum(one);
  return one[0].item<double>();
}

void Communicator::broadcast(std::vector<torch::Tensor> &tensors, int root) {
  c10d::BroadcastOptions options;
  options.rootRank = root;
  for (torch::Tensor &t : tensors) {
    std::vector<torch::Tensor> one{t};
    group_->pg->broadcast(one, options)->wait();
  }
}

void Communicator::barrier() { group_->pg->barrier()->wait(); }

void Communicator::send(torch::Tensor &tensor, int to, int tag) { send_async(tensor, to, tag).wait(); }

Communicator::Pending Communicator::send_async(torch::Tensor &tensor, int to, int tag) {
  Pending pending;
  pending.works_ = std::make_unique<Pending::Works>();
  std::vector<torch::Tensor> one{tensor};
  pending.works_->works.push_back(group_->pg->send(one, to, tag));
  return pending;
}

void Communicator::recv(torch::Tensor &tensor, int from, int tag) {
  std::vector<torch::Tensor> one{tensor};
  group_->pg->recv(one, from, tag)->wait();
}

std::shared_ptr<Communicator> communicator_from_environment(const std::string &device) {
  LaunchEnv env = launch_env_from_environment();
  if (env.world_size <= 1)
    return nullptr;
  return std::make_shared<Communicator>(env, "auto", std::chrono::minutes(5), device);
}

} // namespace fgrt::dist
