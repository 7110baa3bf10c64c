// data_parallel_test.cpp - fgrt::dist: the launch environment, rank shards
// of global batches, and gradient averaging over a real two-rank Gloo group
// (the test forks itself: the parent is rank 0, the child rank 1), after
// backward and overlapped with it.
#include "fgrt/dist/communicator.hpp"
#include "fgrt/dist/data_parallel.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>

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

/// Runs `body` as both ranks and expects both to return true.
void expect_both_ranks(const std::function<bool(Communicator &)> &body) {
  bool parent_ok = false;
  int child = run_two_ranks(body, parent_ok);
  EXPECT_TRUE(parent_ok);
  EXPECT_EQ(child, 0);
}

/// `ok`, after printing `what` failed on this rank when it did not hold (a
/// false from the child rank says nothing else).
bool check(bool ok, const std::string &what, const Communicator &comm) {
  if (!ok)
    std::cerr << "rank " << comm.rank() << ": " << what << " failed\n";
  return ok;
}

std::shared_ptr<Communicator> borrowed(Communicator &comm) {
  return std::shared_ptr<Communicator>(&comm, [](Communicator *) {});
}

/// Weight and bias of `layers` square layers, alike on every rank.
std::vector<torch::Tensor> chain_parameters(int layers, int64_t width, torch::Dtype dtype = torch::kFloat32) {
  torch::manual_seed(1);
  std::vector<torch::Tensor> params;
  for (int l = 0; l < layers; ++l) {
    params.push_back((torch::randn({width, width}) / std::sqrt(width)).to(dtype).requires_grad_(true));
    params.push_back((torch::randn({width}) * 0.1).to(dtype).requires_grad_(true));
  }
  return params;
}

/// tanh(h W^T + b) for each (W, b) pair of `params`.
torch::Tensor chain(const std::vector<torch::Tensor> &params, torch::Tensor h) {
  for (size_t i = 0; i + 1 < params.size(); i += 2)
    h = torch::tanh(torch::nn::functional::linear(h.to(params[i].scalar_type()), params[i], params[i + 1]));
  return h;
}

/// Rows that differ between ranks and micro-steps, and are the same at
/// every call with the same ones.
torch::Tensor rank_rows(const Communicator &comm, int micro, int64_t width) {
  torch::manual_seed(100 * (comm.rank() + 1) + micro);
  return torch::randn({4, width});
}

using MicroLoss = std::function<torch::Tensor(int micro)>;

/// The gradients of one optimizer step, cloned: `micro_steps` backward
/// passes from no gradients (as after zero_grad), then, with an averager,
/// average(), its hooks armed before the last backward when `overlap`.
std::vector<torch::Tensor> step_gradients(const std::vector<torch::Tensor> &params, const MicroLoss &loss,
                                          int micro_steps, GradientAverager *averager, bool overlap) {
  for (const torch::Tensor &p : params)
    p.mutable_grad() = torch::Tensor();
  for (int micro = 0; micro < micro_steps; ++micro) {
    torch::Tensor l = loss(micro);
    if (averager && overlap && micro + 1 == micro_steps)
      averager->expect_final_backward();
    l.backward();
  }
  if (averager)
    averager->average();
  std::vector<torch::Tensor> grads;
  for (const torch::Tensor &p : params)
    grads.push_back(p.grad().defined() ? p.grad().clone() : torch::Tensor());
  return grads;
}

/// Equal bit for bit, an undefined gradient only where the other has none.
bool same(const std::vector<torch::Tensor> &a, const std::vector<torch::Tensor> &b) {
  bool ok = a.size() == b.size();
  for (size_t i = 0; ok && i < a.size(); ++i)
    ok = a[i].defined() == b[i].defined() && (!a[i].defined() || torch::equal(a[i], b[i]));
  return ok;
}

/// One step averaged three ways: the mean computed directly (this rank's
/// gradients summed over the ranks, times 1/2: exact for two ranks), by
/// average() after backward, and overlapped with backward.
struct ThreeWays {
  std::vector<torch::Tensor> direct, after_backward, overlapped;
  int64_t buckets = 0, started_in_backward = 0;

  bool all_equal() const { return same(direct, after_backward) && same(after_backward, overlapped); }
};

ThreeWays average_three_ways(Communicator &comm, const std::vector<torch::Tensor> &params, const MicroLoss &loss,
                             int micro_steps, int64_t bucket_bytes) {
  ThreeWays result;
  result.direct = step_gradients(params, loss, micro_steps, nullptr, false);
  std::vector<torch::Tensor> defined;
  for (const torch::Tensor &g : result.direct)
    if (g.defined())
      defined.push_back(g);
  comm.all_reduce_sum(defined);
  for (torch::Tensor &g : defined)
    g.mul_(1.0 / comm.world_size());

  GradientAverager averager(borrowed(comm), params, bucket_bytes);
  result.after_backward = step_gradients(params, loss, micro_steps, &averager, false);
  result.overlapped = step_gradients(params, loss, micro_steps, &averager, true);
  result.buckets = averager.bucket_count();
  result.started_in_backward = averager.buckets_started_in_backward();
  return result;
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

TEST(DistRankShardStream, AShortBatchGivesTheFirstRanksOneRowMore) {
  // 5 rows over 3 ranks: rows 0-1, 2-3 and 4.
  auto global = std::make_shared<FixedStream>(5);
  RankShardStream rank0(global, 0, 3), rank1(global, 1, 3), rank2(global, 2, 3);
  EXPECT_TRUE(torch::equal(rank0.next().input_ids.select(1, 0), torch::tensor({0, 1}, torch::kLong)));
  EXPECT_TRUE(torch::equal(rank1.next().input_ids.select(1, 0), torch::tensor({2, 3}, torch::kLong)));
  EXPECT_TRUE(torch::equal(rank2.next().input_ids.select(1, 0), torch::tensor({4}, torch::kLong)));
  EXPECT_THROW(RankShardStream(std::make_shared<FixedStream>(4), 2, 2), std::invalid_argument);
}

TEST(DistRankShardStream, ARankWithoutRowsIsAnErrorUnlessAllowed) {
  // One row over two ranks: rank 1 gets none.
  auto global = std::make_shared<FixedStream>(1);
  RankShardStream training(global, 1, 2);
  try {
    training.next();
    FAIL() << "no error";
  } catch (const std::runtime_error &e) {
    EXPECT_NE(std::string(e.what()).find("a global batch of 1 rows leaves rank 1 of 2 without rows"), std::string::npos)
        << e.what();
  }
  RankShardStream evaluation(global, 1, 2, RankShardStream::EmptyShare::Allow);
  EXPECT_EQ(evaluation.next().input_ids.size(0), 0);
}

TEST(DistGradientAverager, AveragesGradientsInBucketsOverTwoRanks) {
  expect_both_ranks([](Communicator &comm) {
    // Rank r's gradients are (r + 1) x a fixed pattern: the mean is 1.5 x.
    std::vector<torch::Tensor> params;
    for (int64_t n : {5, 300, 7}) {
      torch::Tensor p = torch::zeros({n}, torch::kFloat32).requires_grad_(true);
      p.mutable_grad() = torch::arange(n, torch::kFloat32) * static_cast<float>(comm.rank() + 1);
      params.push_back(p);
    }
    torch::Tensor unused = torch::zeros({3}).requires_grad_(true);
    params.push_back(unused);
    GradientAverager averager(borrowed(comm), params, /*bucket_bytes=*/64);
    averager.average();
    bool ok = averager.bucket_count() == 2 && !unused.grad().defined();
    for (size_t i = 0; i + 1 < params.size(); ++i)
      ok = ok && torch::allclose(params[i].grad(), torch::arange(params[i].numel(), torch::kFloat32) * 1.5f);
    return ok;
  });
}

TEST(DistCommunicator, BroadcastsModulesAndSumsScalars) {
  expect_both_ranks([](Communicator &comm) {
    torch::manual_seed(comm.rank() + 1); // different weights on each rank
    torch::nn::Linear layer(3, 2);
    broadcast_module(comm, *layer, 0);
    torch::manual_seed(1);
    torch::nn::Linear rank0(3, 2);
    double sum = comm.all_reduce_sum(static_cast<double>(comm.rank() + 1));
    return torch::equal(layer->weight, rank0->weight) && sum == 3.0;
  });
}

// Overlap with backward. Four layers of 16 floats at 1 KiB buckets: one
// bucket per layer (a weight is 1 KiB), filled from the last layer back.

TEST(DistGradientAverager, OverlappedAverageIsTheMeanStartedDuringBackward) {
  expect_both_ranks([](Communicator &comm) {
    std::vector<torch::Tensor> params = chain_parameters(4, 16);
    MicroLoss loss = [&](int micro) { return chain(params, rank_rows(comm, micro, 16)).pow(2).mean(); };
    ThreeWays three = average_three_ways(comm, params, loss, /*micro_steps=*/1, /*bucket_bytes=*/1024);
    return check(three.all_equal(), "equal means", comm) && check(three.buckets == 4, "4 buckets", comm) &&
           check(three.started_in_backward == 4, "every bucket started in backward", comm);
  });
}

TEST(DistGradientAverager, WithGradientAccumulationOnlyTheLastBackwardSends) {
  expect_both_ranks([](Communicator &comm) {
    // `early` gets a gradient in the first micro-step only: its hook does not
    // fire in the armed pass, so its bucket (the last) waits for average(),
    // which sends what autograd accumulated.
    std::vector<torch::Tensor> params = chain_parameters(3, 16);
    torch::Tensor early = torch::ones({16}).requires_grad_(true);
    std::vector<torch::Tensor> listed = params;
    listed.insert(listed.begin() + 2, early);
    MicroLoss loss = [&](int micro) {
      torch::Tensor x = rank_rows(comm, micro, 16);
      torch::Tensor l = chain(params, x).pow(2).mean();
      return micro == 0 ? l + (early * x).mean() : l;
    };
    ThreeWays three = average_three_ways(comm, listed, loss, /*micro_steps=*/2, /*bucket_bytes=*/1024);
    return check(three.all_equal(), "equal means", comm) && check(three.buckets == 3, "3 buckets", comm) &&
           check(three.started_in_backward == 2, "2 buckets started in backward", comm);
  });
}

TEST(DistGradientAverager, AParameterWithoutGradientKeepsNone) {
  expect_both_ranks([](Communicator &comm) {
    std::vector<torch::Tensor> params = chain_parameters(3, 16);
    torch::Tensor unused = torch::ones({16}).requires_grad_(true);
    std::vector<torch::Tensor> listed = params;
    listed.insert(listed.begin() + 2, unused);
    MicroLoss loss = [&](int micro) { return chain(params, rank_rows(comm, micro, 16)).pow(2).mean(); };
    ThreeWays three = average_three_ways(comm, listed, loss, /*micro_steps=*/1, /*bucket_bytes=*/1024);
    return check(three.all_equal(), "equal means", comm) && check(!unused.grad().defined(), "no gradient", comm) &&
           check(three.started_in_backward == 2, "the buckets before the unused one started", comm);
  });
}

TEST(DistGradientAverager, ATiedWeightIsOneParameter) {
  expect_both_ranks([](Communicator &comm) {
    // The first weight also serves as a last layer and is listed twice, as a
    // module lists a tied embedding and head: autograd sums its two uses
    // before its hook fires, once.
    std::vector<torch::Tensor> params = chain_parameters(2, 16);
    torch::Tensor tied = params[0];
    MicroLoss loss = [&](int micro) {
      torch::Tensor h = chain(params, rank_rows(comm, micro, 16));
      return torch::nn::functional::linear(h, tied).pow(2).mean();
    };
    std::vector<torch::Tensor> listed = params;
    listed.push_back(tied);
    ThreeWays three = average_three_ways(comm, listed, loss, /*micro_steps=*/2, /*bucket_bytes=*/1024);
    return check(three.all_equal(), "equal means", comm) &&
           check(three.started_in_backward == three.buckets, "every bucket started in backward", comm);
  });
}

TEST(DistGradientAverager, Bfloat16AndFloat32TravelInSeparateBuckets) {
  expect_both_ranks([](Communicator &comm) {
    std::vector<torch::Tensor> params = chain_parameters(2, 16, torch::kBFloat16);
    for (const torch::Tensor &p : chain_parameters(1, 16))
      params.push_back(p);
    MicroLoss loss = [&](int micro) { return chain(params, rank_rows(comm, micro, 16)).pow(2).mean(); };
    ThreeWays three = average_three_ways(comm, params, loss, /*micro_steps=*/2, /*bucket_bytes=*/1 << 20);
    return check(three.all_equal(), "equal means", comm) && check(three.buckets == 2, "2 buckets", comm) &&
           check(three.started_in_backward == 2, "both started in backward", comm) &&
           check(three.overlapped[0].scalar_type() == torch::kBFloat16, "bfloat16 gradients", comm);
  });
}

TEST(DistGradientAverager, UnarmedHooksSendNothingAndLeaveWithTheAverager) {
  expect_both_ranks([](Communicator &comm) {
    std::vector<torch::Tensor> params = chain_parameters(2, 16);
    MicroLoss loss = [&](int micro) { return chain(params, rank_rows(comm, micro, 16)).pow(2).mean(); };
    bool ok = true;
    {
      GradientAverager averager(borrowed(comm), params, /*bucket_bytes=*/1024);
      step_gradients(params, loss, /*micro_steps=*/2, &averager, /*overlap=*/false);
      ok = check(averager.buckets_started_in_backward() == 0, "nothing started in backward", comm);
      averager.expect_final_backward(); // then dropped armed, without average()
    }
    // Its hooks went with it: this backward neither reaches it nor sends.
    std::vector<torch::Tensor> local = step_gradients(params, loss, 1, nullptr, false);
    return ok && check(local[0].defined(), "local gradients", comm);
  });
}

TEST(DistGradientAverager, ASecondGradientAfterArmingIsRefused) {
  expect_both_ranks([](Communicator &comm) {
    std::vector<torch::Tensor> params = chain_parameters(1, 16);
    MicroLoss loss = [&](int micro) { return chain(params, rank_rows(comm, micro, 16)).pow(2).mean(); };
    GradientAverager averager(borrowed(comm), params);
    averager.expect_final_backward();
    loss(0).backward(); // starts the only bucket
    std::string error;
    try {
      loss(1).backward();
    } catch (const std::exception &e) {
      error = e.what();
    }
    averager.average(); // every rank finishes the bucket it started
    return check(error.find("second gradient") != std::string::npos, "refused: " + error, comm);
  });
}
