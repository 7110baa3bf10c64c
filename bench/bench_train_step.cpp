//===- bench_train_step.cpp - One training step of a tiny llama -----------===//
//
// Times forward + loss, backward and an AdamW step of the 4.4M-parameter
// tiny llama as fgcc generates it from examples/tiny_experiments/tiny_models
// (configs/tiny_llama.yaml, over the model library stdlib-templates/modelsrc):
//
//   d_model 256, 4 PreLN layers, 4 heads (d_head 64), RoPE theta 1e4,
//   RMSNorm eps 1e-5, SwiGLU hidden 768, vocab 2000, untied head, no dropout,
//   batch 8 x sequence 256, AdamW lr 1e-3 weight decay 0.01.
//
// bench/train_step_reference.py is the same step in PyTorch eager with the
// reference model of test/reference/models.py, with the same options and
// output; bench/bench_train_step.sh runs both and prints the comparison.
// With the same --seed both sides start from the same weights and batch,
// so their first losses agree (to rounding).
//
//   bench_train_step [--dtype float32|bfloat16] [--steps N] [--warmup N]
//                    [--threads N] [--seed N] [--trace FILE] [--show-config]
//
// --trace writes a Chrome trace of the measured steps recorded by the
// (legacy) autograd profiler, for per-op comparisons (bench/trace_ops.py).
// The last line printed is `tokens_per_s=<n>`: tokens of the measured steps
// divided by their total wall time. --show-config prints at::show_config().
//
//===----------------------------------------------------------------------===//
#include "causal_lm.hpp"
#include "causal_loss.hpp"
#include "init_weights.hpp"
#include "model.hpp"
#include "pre_ln_layer.hpp"
#include "rms_norm.hpp"
#include "rotary_embeddings.hpp"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace nn = fgcc::nn;

namespace {

constexpr int64_t kDModel = 256, kLayers = 4, kHeads = 4, kFeedforward = 768, kVocab = 2000;
constexpr int64_t kBatch = 8, kSeqLen = 256;
constexpr double kRopeTheta = 10000.0, kNormEps = 1e-5, kLr = 1e-3, kWeightDecay = 0.01;

struct Args {
  std::string dtype = "float32";
  int steps = 10;
  int warmup = 3;
  int threads = 2;
  int64_t seed = 0;
  std::string trace;
  bool show_config = false;
};

[[noreturn]] void usage(const char *argv0, const std::string &error) {
  std::fprintf(stderr,
               "%s\nusage: %s [--dtype float32|bfloat16] [--steps N] [--warmup N] [--threads N] [--seed N] "
               "[--trace FILE] [--show-config]\n",
               error.c_str(), argv0);
  std::exit(2);
}

Args parse_args(int argc, char **argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--show-config") {
      args.show_config = true;
      continue;
    }
    if (i + 1 >= argc)
      usage(argv[0], "missing value after " + flag);
    const std::string value = argv[++i];
    if (flag == "--dtype")
      args.dtype = value;
    else if (flag == "--steps")
      args.steps = std::atoi(value.c_str());
    else if (flag == "--warmup")
      args.warmup = std::atoi(value.c_str());
    else if (flag == "--threads")
      args.threads = std::atoi(value.c_str());
    else if (flag == "--seed")
      args.seed = std::atoll(value.c_str());
    else if (flag == "--trace")
      args.trace = value;
    else
      usage(argv[0], "unknown option " + flag);
  }
  if (args.dtype != "float32" && args.dtype != "bfloat16")
    usage(argv[0], "--dtype must be float32 or bfloat16");
  if (args.steps < 1 || args.warmup < 0 || args.threads < 1)
    usage(argv[0], "--steps and --threads must be positive, --warmup not negative");
  return args;
}

struct Stats {
  double median = 0, min = 0, max = 0, sum = 0;
};

Stats stats(std::vector<double> v) {
  Stats s;
  std::sort(v.begin(), v.end());
  s.median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  s.min = v.front();
  s.max = v.back();
  for (double x : v)
    s.sum += x;
  return s;
}

} // namespace

int main(int argc, char **argv) {
  const Args args = parse_args(argc, argv);
  at::set_num_threads(args.threads);
  if (args.show_config)
    std::printf("%s\n", at::show_config().c_str());
  const torch::ScalarType dtype = args.dtype == "bfloat16" ? torch::kBFloat16 : torch::kFloat;

  // Weights: the constructors' default inits, then the llama map (over the
  // whole model, head included) from a fixed seed, exactly as the Python
  // side does, so both start from the same weights.
  // The model as fgcc generates it from configs/tiny_llama.yaml (see
  // bench/CMakeLists.txt); the Python side builds the same architecture
  // from the constants above, so check that they describe this model.
  nn::CausalLM model = tiny_llama::build_model();
  const auto &stack = model->layer_stack->options;
  if (model->input_encoder->options.d_model() != kDModel || model->input_encoder->options.vocab_size() != kVocab ||
      stack.num_hidden_layers() != kLayers) {
    std::fprintf(stderr, "bench_train_step: the generated tiny llama does not match the benchmark's constants\n");
    return 1;
  }
  torch::manual_seed(args.seed);
  nn::llama_weight_init(*model, kLayers, kDModel);
  model->to(dtype);
  model->train();
  int64_t n_params = 0;
  for (const auto &p : model->parameters())
    n_params += p.numel();

  // One fixed batch; CausalLoss shifts the labels itself.
  torch::Tensor input_ids = torch::randint(kVocab, {kBatch, kSeqLen}, torch::kLong);
  torch::Tensor labels = input_ids.clone();

  nn::CausalLoss loss_fn;
  std::vector<torch::Tensor> params = model->parameters();
  torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(kLr).weight_decay(kWeightDecay));

  std::vector<double> step_ms, forward_ms, backward_ms, optimizer_ms;
  double first_loss = 0, last_loss = 0;
  std::unique_ptr<torch::autograd::profiler::RecordProfile> profile;
  for (int step = 0; step < args.warmup + args.steps; ++step) {
    const bool measured = step >= args.warmup;
    if (measured && step == args.warmup && !args.trace.empty())
      profile = std::make_unique<torch::autograd::profiler::RecordProfile>(args.trace);
    auto t0 = std::chrono::steady_clock::now();
    torch::Tensor loss = loss_fn(model(input_ids), labels);
    auto t1 = std::chrono::steady_clock::now();
    loss.backward();
    auto t2 = std::chrono::steady_clock::now();
    optimizer.step();
    // Gradients set to None (PyTorch 2's default for zero_grad, done the
    // same way on the Python side): backward then stores fresh gradients
    // instead of adding into zeroed ones.
    for (auto &p : params)
      p.mutable_grad() = torch::Tensor();
    auto t3 = std::chrono::steady_clock::now();
    const double loss_value = loss.item<double>();
    if (step == 0)
      first_loss = loss_value;
    last_loss = loss_value;
    if (measured) {
      forward_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      backward_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
      optimizer_ms.push_back(std::chrono::duration<double, std::milli>(t3 - t2).count());
      step_ms.push_back(std::chrono::duration<double, std::milli>(t3 - t0).count());
    }
  }
  profile.reset(); // writes the trace

  const Stats step = stats(step_ms), fwd = stats(forward_ms), bwd = stats(backward_ms), opt = stats(optimizer_ms);
  std::printf("impl=cpp dtype=%s threads=%d batch=%lld seq=%lld params=%lld steps=%d warmup=%d\n", args.dtype.c_str(),
              at::get_num_threads(), (long long)kBatch, (long long)kSeqLen, (long long)n_params, args.steps,
              args.warmup);
  std::printf("step_ms median=%.2f min=%.2f max=%.2f\n", step.median, step.min, step.max);
  std::printf("phase_ms_median forward=%.2f backward=%.2f optimizer=%.2f\n", fwd.median, bwd.median, opt.median);
  std::printf("loss first=%.6f last=%.6f\n", first_loss, last_loss);
  std::printf("tokens_per_s=%.1f\n", double(kBatch * kSeqLen) * args.steps / (step.sum / 1000.0));
  return 0;
}
