// pipeline_check.cpp - runs a pipeline schedule on a small model over the
// ranks fgrun started and checks it against one process doing the same.
//
//   fgrun --nproc-per-node P fgrt-pipeline-check --schedule NAME
//         [--microbatches M] [--stages-per-rank V] [--accumulation GA]
//         [--steps N] [--width D] [--batch B]
//
// The model is a chain of --layers Linear layers with tanh between them,
// split evenly into P*V stages, trained with MSE and plain SGD. Every stage is initialised from its
// own seed, so each rank builds exactly its stages and every rank can also
// build the whole chain as the single-process control. Each optimizer step
// runs GA executor steps with loss scale 1/(M*GA); the control runs the same
// microbatches one after another. After every step each rank compares its
// stages' gradients with the control's (relative 1e-5) and the losses; rank
// 0 prints one line per step, the measured and simulated bubble fractions,
// and `PIPELINE OK ...` when everything matched (exit status 1 otherwise).
#include "fgrt/dist/communicator.hpp"
#include "fgrt/dist/pipeline.hpp"
#include "fgrt/dist/schedule.hpp"

#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

using namespace fgrt::dist;

namespace {

/// Stage `s` of `stages`, `layers` Linear layers with tanh between them (and
/// after, except on the last stage): seeded by its index so any process
/// builds it alike.
torch::nn::Sequential make_stage(int s, int stages, int64_t width, int layers) {
  torch::manual_seed(1000 + s);
  torch::nn::Sequential stage;
  for (int l = 0; l < layers; ++l) {
    stage->push_back(torch::nn::Linear(width, width));
    if (s + 1 < stages || l + 1 < layers)
      stage->push_back(torch::nn::Tanh());
  }
  return stage;
}

double max_relative_difference(const torch::Tensor &a, const torch::Tensor &b) {
  return ((a - b).abs() / b.abs().clamp_min(1.0)).max().item<double>();
}

/// The measured bubble fraction of one step: 1 - busy / (ranks x makespan),
/// busy the time actions computed (not blocked on receives), the makespan
/// the longest rank's last action end.
double measured_bubble(Communicator &comm, const std::vector<ActionTiming> &timings) {
  double busy = 0, end = 0;
  for (const ActionTiming &t : timings) {
    busy += t.end - t.start - t.waiting;
    end = std::max(end, t.end);
  }
  torch::Tensor makespan = torch::full({1}, end, torch::kFloat64);
  comm.all_reduce_max(makespan);
  double total_busy = comm.all_reduce_sum(busy);
  return 1.0 - total_busy / (comm.world_size() * makespan.item<double>());
}

} // namespace

int main(int argc, char **argv) {
  std::string schedule_name = "1f1b";
  int microbatches = 4, stages_per_rank = 0, accumulation = 1, steps = 2, layers = 0;
  int64_t width = 16, batch = 8;
  CLI::App app{"Checks a pipeline schedule against a single-process run"};
  app.add_option("--schedule", schedule_name, "gpipe, 1f1b, interleaved-1f1b, looped-bfs, zb-h1, zbv");
  app.add_option("--microbatches", microbatches);
  app.add_option("--stages-per-rank", stages_per_rank, "0: the schedule's default");
  app.add_option("--accumulation", accumulation);
  app.add_option("--steps", steps);
  app.add_option("--width", width);
  app.add_option("--batch", batch);
  app.add_option("--layers", layers, "Linear layers in all (a multiple of the stages; 0: one per stage)");
  CLI11_PARSE(app, argc, argv);

  try {
    torch::set_num_threads(1);
    auto comm = std::make_shared<Communicator>(launch_env_from_environment());
    ScheduleSpec spec{parse_schedule_kind(schedule_name), comm->world_size(), microbatches, stages_per_rank};
    PipelineSchedule schedule = make_schedule(spec);
    if (auto problems = validate(schedule); !problems.empty())
      throw std::runtime_error("invalid schedule: " + problems.front());
    const int stages = schedule.num_stages;
    if (layers == 0)
      layers = stages;
    if (layers % stages != 0)
      throw std::invalid_argument("--layers " + std::to_string(layers) + " does not split into " +
                                  std::to_string(stages) + " stages");
    const int per_stage = layers / stages;

    // This rank's stages, and the whole chain as the control.
    std::vector<torch::nn::Sequential> control;
    for (int s = 0; s < stages; ++s)
      control.push_back(make_stage(s, stages, width, per_stage));
    std::map<int, torch::nn::Sequential> mine;
    std::vector<PipelineStage> local;
    for (int s = 0; s < stages; ++s)
      if (schedule.rank_of_stage[static_cast<size_t>(s)] == comm->rank()) {
        mine[s] = make_stage(s, stages, width, per_stage);
        torch::nn::Sequential module = mine[s];
        local.push_back(PipelineStage{s, [module](const torch::Tensor &x, const std::vector<torch::Tensor> &) mutable {
                                        return module->forward(x);
                                      },
                                      module->parameters()});
      }
    PipelineExecutor executor(comm, schedule, local, {batch / microbatches, width}, torch::kFloat32,
                              [](const torch::Tensor &out, const torch::Tensor &y) {
                                return torch::mse_loss(out, y);
                              });

    const double scale = 1.0 / (microbatches * accumulation);
    double worst = 0, bubble = 0, pipeline_seconds = 0;
    bool ok = true;
    for (int step = 0; step < steps; ++step) {
      double loss = 0, control_loss = 0;
      for (int micro = 0; micro < accumulation; ++micro) {
        // The same batch on every rank and in the control.
        torch::manual_seed(7 + 100 * step + micro);
        torch::Tensor x = torch::randn({batch, width}), y = torch::randn({batch, width});
        comm->barrier();
        auto started = std::chrono::steady_clock::now();
        loss += executor.step(x, y, scale);
        pipeline_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        for (int m = 0; m < microbatches; ++m) {
          torch::Tensor h = x.chunk(microbatches, 0)[static_cast<size_t>(m)];
          for (auto &stage : control)
            h = stage->forward(h);
          torch::Tensor l = torch::mse_loss(h, y.chunk(microbatches, 0)[static_cast<size_t>(m)]) * scale;
          l.backward();
          control_loss += l.item<double>();
        }
      }
      bubble = measured_bubble(*comm, executor.timings());
      double diff = 0;
      for (auto &[s, module] : mine) {
        auto ours = module->parameters(), theirs = control[static_cast<size_t>(s)]->parameters();
        for (size_t i = 0; i < ours.size(); ++i)
          diff = std::max(diff, max_relative_difference(ours[i].grad(), theirs[i].grad()));
      }
      torch::Tensor d = torch::full({1}, diff, torch::kFloat64);
      comm->all_reduce_max(d);
      diff = d.item<double>();
      double loss_diff = std::abs(loss - control_loss) / std::max(1.0, std::abs(control_loss));
      worst = std::max({worst, diff, loss_diff});
      ok = ok && diff <= 1e-5 && loss_diff <= 1e-5;
      if (comm->rank() == 0)
        std::printf("step %d: loss %.8f control %.8f, largest gradient difference %.2e\n", step + 1, loss,
                    control_loss, diff);
      // Plain SGD on both sides, so the next step starts from updated weights.
      torch::NoGradGuard no_grad;
      for (auto &[s, module] : mine)
        for (auto &p : module->parameters()) {
          p.sub_(0.1 * p.grad());
          p.mutable_grad().zero_();
        }
      for (auto &stage : control)
        for (auto &p : stage->parameters()) {
          p.sub_(0.1 * p.grad());
          p.mutable_grad().zero_();
        }
    }
    // Eval: the forward-only lists give the control's mean microbatch loss.
    torch::manual_seed(99);
    torch::Tensor x = torch::randn({batch, width}), y = torch::randn({batch, width});
    double eval = executor.evaluate(x, y), control_eval = 0;
    {
      torch::NoGradGuard no_grad;
      for (int m = 0; m < microbatches; ++m) {
        torch::Tensor h = x.chunk(microbatches, 0)[static_cast<size_t>(m)];
        for (auto &stage : control)
          h = stage->forward(h);
        control_eval += torch::mse_loss(h, y.chunk(microbatches, 0)[static_cast<size_t>(m)]).item<double>();
      }
      control_eval /= microbatches;
    }
    ok = ok && std::abs(eval - control_eval) <= 1e-5 * std::max(1.0, std::abs(control_eval));
    if (comm->rank() == 0) {
      Simulation simulated = simulate(schedule, CostModel{});
      std::printf("eval loss %.8f control %.8f\n", eval, control_eval);
      std::printf("measured_bubble_fraction=%.4f simulated_bubble_fraction=%.4f\n", bubble,
                  simulated.bubble_fraction);
      std::printf("pipeline_samples_per_s=%.1f\n", steps * accumulation * batch / pipeline_seconds);
      std::printf("%s schedule=%s ranks=%d stages=%d microbatches=%d accumulation=%d largest_difference=%.2e\n",
                  ok ? "PIPELINE OK" : "PIPELINE MISMATCH", schedule_name.c_str(), comm->world_size(), stages,
                  microbatches, accumulation, worst);
    }
    return ok ? 0 : 1;
  } catch (const std::exception &e) {
    std::cerr << "fgrt-pipeline-check: error: " << e.what() << "\n";
    return 1;
  }
}
