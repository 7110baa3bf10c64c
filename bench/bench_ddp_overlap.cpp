// bench_ddp_overlap.cpp - one data-parallel training step (forward, backward,
// gradient average) with the all-reduce overlapped with backward and without,
// on the ranks fgrun started (bench/bench_ddp_overlap.sh runs it).
//
//   fgrun --nproc-per-node 2 bench_ddp_overlap [--width D] [--layers L]
//         [--batch B] [--bucket-mb MB] [--accumulation GA] [--steps N]
//         [--warmup N] [--threads T]
//
// The model is a chain of L Linear(D, D) layers with tanh, loss the mean
// square of its output; there is no optimizer step, so every step computes
// the same gradients and the two modes' averages are compared bit for bit
// after every step. The modes alternate off, on, on, off, ... (slow drift of
// a shared machine hits both alike). Both ranks start each step together
// (a barrier); rank 0 times it:
//
//   step      forward + backward + GradientAverager::average()
//   backward  forward + backward (with the overlap: including copying the
//             gradients into the buckets and starting their all-reduces)
//   wait      average(): the all-reduce time left after backward
//
// and prints, per mode, the medians over the measured steps:
//
//   mode=off step_ms=<m> backward_ms=<m> wait_ms=<m> started_in_backward=<n>/<buckets>
//   equal=yes|no
#include "fgrt/dist/communicator.hpp"
#include "fgrt/dist/data_parallel.hpp"

#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

using namespace fgrt::dist;

namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

double ms_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

/// Times of one mode's measured steps.
struct ModeTimes {
  std::vector<double> step, backward, wait;
  int64_t started_in_backward = 0;
};

} // namespace

int main(int argc, char **argv) {
  int64_t width = 1024, batch = 32;
  int layers = 16, accumulation = 1, steps = 8, warmup = 2, threads = 1;
  double bucket_mb = 25;
  CLI::App app{"Times a data-parallel step with and without overlapping the gradient all-reduce with backward"};
  app.add_option("--width", width);
  app.add_option("--layers", layers);
  app.add_option("--batch", batch, "rows per rank");
  app.add_option("--bucket-mb", bucket_mb, "GradientAverager bucket size in MiB");
  app.add_option("--accumulation", accumulation, "micro-steps per step (the last one overlapped)");
  app.add_option("--steps", steps, "measured steps per mode");
  app.add_option("--warmup", warmup, "unmeasured steps per mode first");
  app.add_option("--threads", threads, "intra-op threads per rank");
  CLI11_PARSE(app, argc, argv);

  try {
    torch::set_num_threads(threads);
    auto comm = std::make_shared<Communicator>(launch_env_from_environment());
    torch::manual_seed(1); // the same weights on every rank
    torch::nn::Sequential model;
    for (int l = 0; l < layers; ++l) {
      model->push_back(torch::nn::Linear(width, width));
      model->push_back(torch::nn::Tanh());
    }
    std::vector<torch::Tensor> params = model->parameters();
    GradientAverager averager(comm, params, static_cast<int64_t>(bucket_mb * (1 << 20)));
    torch::manual_seed(100 + comm->rank()); // each rank its own rows
    torch::Tensor rows = torch::randn({batch, width});

    ModeTimes times[2]; // [overlap]
    std::vector<torch::Tensor> reference;
    bool equal = true;
    for (int i = 0; i < 2 * (warmup + steps); ++i) {
      const bool overlap = ((i + 1) / 2) % 2 == 1;
      // As the trainer's optimizer leaves them: zeroed, not undefined.
      for (torch::Tensor &p : params)
        if (p.grad().defined())
          p.mutable_grad().zero_();
      comm->barrier();
      auto start = std::chrono::steady_clock::now();
      for (int micro = 0; micro < accumulation; ++micro) {
        torch::Tensor loss = model->forward(rows).pow(2).mean() / static_cast<double>(accumulation);
        if (overlap && micro + 1 == accumulation)
          averager.expect_final_backward();
        loss.backward();
      }
      auto backward_done = std::chrono::steady_clock::now();
      averager.average();
      auto done = std::chrono::steady_clock::now();

      if (i >= 2 * warmup) {
        ModeTimes &t = times[overlap];
        t.step.push_back(ms_between(start, done));
        t.backward.push_back(ms_between(start, backward_done));
        t.wait.push_back(ms_between(backward_done, done));
        t.started_in_backward = averager.buckets_started_in_backward();
      }
      // Outside the timed part: the same gradients, so the same means.
      if (reference.empty())
        for (const torch::Tensor &p : params)
          reference.push_back(p.grad().clone());
      else
        for (size_t k = 0; k < params.size(); ++k)
          equal = equal && torch::equal(params[k].grad(), reference[k]);
    }

    if (comm->rank() == 0) {
      int64_t bytes = 0;
      for (const torch::Tensor &p : params)
        bytes += p.numel() * static_cast<int64_t>(p.element_size());
      std::printf("ranks=%d parameters_mib=%.1f buckets=%lld\n", comm->world_size(), bytes / double(1 << 20),
                  static_cast<long long>(averager.bucket_count()));
      for (bool overlap : {false, true}) {
        const ModeTimes &t = times[overlap];
        std::printf("mode=%s step_ms=%.2f backward_ms=%.2f wait_ms=%.2f started_in_backward=%lld/%lld\n",
                    overlap ? "on" : "off", median(t.step), median(t.backward), median(t.wait),
                    static_cast<long long>(t.started_in_backward), static_cast<long long>(averager.bucket_count()));
      }
      std::printf("equal=%s\n", equal ? "yes" : "no");
    }
    return equal ? 0 : 1;
  } catch (const std::exception &e) {
    std::cerr << "bench_ddp_overlap: " << e.what() << "\n";
    return 1;
  }
}
