// data_parallel_test.cpp - fgrt::dist: the launch environment, rank shards
// of global batches, and gradient averaging over a real two-rank Gloo group
// (the test forks itself: the parent is rank 0, the child rank 1).
#include "fgrt/dist/communicator.hpp"
#include "fgrt/dist/data_parallel.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>

using namespace fgrt::dist;

namespace {

/// Sets environment variables for one test and restores them after.
class ScopedEnv {
public:
  explicit ScopedEnv(std::vector<std::pair<std::string, std::string>> values) {
    for (auto &[name, value] : values) {
      const char *old = std::getenv(name.c_str());
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      ::setenv(name.c_str(), value.c_str(), 1);
    }
  }
  ~ScopedEnv() {
    for (auto &[name, value] : saved_)
      value ? ::setenv(name.c_str(), value->c_str(), 1) : ::unsetenv(name.c_str());
  }

private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// Runs `body(communicator)` as rank 0 here and as rank 1 in a forked
/// child; returns the child's exit status (0 when its body returned true).
int run_two_ranks(const std::function<bool(Communicator &)> &body, bool &parent_ok) {
  LaunchEnv env;
  env.world_size = 2;
  env.master_port = free_port();
  std::cout.flush();
  pid_t child = ::fork();
  if (child == 0) {
    env.rank = 1;
    bool ok = false;
    try {
      Communicator comm(env, "gloo", std::chrono::seconds(30));
      ok = body(comm);
    } catch (...) {
    }
    std::cout.flush();
    ::_exit(ok ? 0 : 1);
  }
  Communicator comm(env, "gloo", std::chrono::seconds(30));
  parent_ok = body(comm);
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/// A batch of `rows` sequences whose tokens name their row.
fgrt::data::Batch rows_batch(int64_t rows) {
  torch::Tensor ids = torch::arange(rows).unsqueeze(1).repeat({1, 4});
  return fgrt::data::Batch{ids, ids.clone(), torch::Tensor(), torch::Tensor()};
}

/// A stream that yields the same global batch forever.
class FixedStream final : public fgrt::train::BatchStream {
public:
  explicit FixedStream(int64_t rows) : rows_(rows) {}
  fgrt::data::Batch next() override { return rows_batch(rows_); }
  int64_t batches_per_epoch() const override { return 3; }
  int64_t examples_per_epoch() const override { return 3 * rows_; }
  std::string state() const override { return "{}"; }
  void restore(const std::string &) override {}
  void rewind() override {}

private:
  int64_t rows_;
};

} // namespace

TEST(DistLaunchEnv, SingleProcessWithoutALauncher) {
  ScopedEnv env({{"WORLD_SIZE", "1"}, {"RANK", "0"}});
  LaunchEnv launch = launch_env_from_environment();
  EXPECT_EQ(launch.world_size, 1);
  EXPECT_EQ(launch.rank, 0);
  EXPECT_EQ(communicator_from_environment(), nullptr);
}

TEST(DistLaunchEnv, ReadsWhatFgrunSets) {
  ScopedEnv env({{"WORLD_SIZE", "4"}, {"RANK", "3"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "10.1.2.3"},
                 {"MASTER_PORT", "29611"}});
  LaunchEnv launch = launch_env_from_environment();
  EXPECT_EQ(launch.world_size, 4);
  EXPECT_EQ(launch.rank, 3);
  EXPECT_EQ(launch.local_rank, 1);
  EXPECT_EQ(launch.master_addr, "10.1.2.3");
  EXPECT_EQ(launch.master_port, 29611);
}

TEST(DistLaunchEnv, RefusesMalformedValuesByName) {
  {
    ScopedEnv env({{"WORLD_SIZE", "2"}, {"RANK", "2"}});
    EXPECT_THROW(launch_env_from_environment(), std::invalid_argument);
  }
  {
    ScopedEnv env({{"WORLD_SIZE", "two"}, {"RANK", "0"}});
    try {
      launch_env_from_environment();
      FAIL() << "no error";
    } catch (const std::invalid_argument &e) {
      EXPECT_NE(std::string(e.what()).find("WORLD_SIZE='two'"), std::string::npos) << e.what();
    }
  }
}

TEST(DistRankShardStream, EachRankGetsItsRowsOfTheGlobalBatch) {
  auto global = std::make_shared<FixedStream>(6);
  RankShardStream rank0(global, 0, 3), rank2(global, 2, 3);
  fgrt::data::Batch first = rank0.next(), last = rank2.next();
  EXPECT_TRUE(torch::equal(first.input_ids.select(1, 0), torch::tensor({0, 1}, torch::kLong)));
  EXPECT_TRUE(torch::equal(last.input_ids.select(1, 0), torch::tensor({4, 5}, torch::kLong)));
  EXPECT_FALSE(first.position_ids.defined());
  EXPECT_EQ(rank0.batches_per_epoch(), 3);
  EXPECT_EQ(rank0.examples_per_epoch(), 6);
}

TEST(DistRankShardStream, RefusesABatchThatDoesNotSplit) {
  RankShardStream shard(std::make_shared<FixedStream>(5), 0, 2);
  EXPECT_THROW(shard.next(), std::runtime_error);
  EXPECT_THROW(RankShardStream(std::make_shared<FixedStream>(4), 2, 2), std::invalid_argument);
}

TEST(DistGradientAverager, AveragesGradientsInBucketsOverTwoRanks) {
  bool parent_ok = false;
  int child = run_two_ranks(
      [](Communicator &comm) {
        // Rank r's gradients are (r + 1) x a fixed pattern: the mean is 1.5 x.
        std::vector<torch::Tensor> params;
        for (int64_t n : {5, 300, 7}) {
          torch::Tensor p = torch::zeros({n}, torch::kFloat32).requires_grad_(true);
          p.mutable_grad() = torch::arange(n, torch::kFloat32) * static_cast<float>(comm.rank() + 1);
          params.push_back(p);
        }
        torch::Tensor unused = torch::zeros({3}).requires_grad_(true);
        params.push_back(unused);
        GradientAverager averager(std::shared_ptr<Communicator>(&comm, [](Communicator *) {}), params,
                                  /*bucket_bytes=*/64);
        averager.average();
        bool ok = averager.bucket_count() == 2 && !unused.grad().defined();
        for (size_t i = 0; i + 1 < params.size(); ++i)
          ok = ok && torch::allclose(params[i].grad(), torch::arange(params[i].numel(), torch::kFloat32) * 1.5f);
        return ok;
      },
      parent_ok);
  EXPECT_TRUE(parent_ok);
  EXPECT_EQ(child, 0);
}

TEST(DistCommunicator, BroadcastsModulesAndSumsScalars) {
  bool parent_ok = false;
  int child = run_two_ranks(
      [](Communicator &comm) {
        torch::manual_seed(comm.rank() + 1); // different weights on each rank
        torch::nn::Linear layer(3, 2);
        broadcast_module(comm, *layer, 0);
        torch::manual_seed(1);
        torch::nn::Linear rank0(3, 2);
        double sum = comm.all_reduce_sum(static_cast<double>(comm.rank() + 1));
        return torch::equal(layer->weight, rank0->weight) && sum == 3.0;
      },
      parent_ok);
  EXPECT_TRUE(parent_ok);
  EXPECT_EQ(child, 0);
}
