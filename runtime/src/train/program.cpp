//===- program.cpp - The main() of a generated training program -----------===//
//
// Command line first, then signals, then the run itself. Exceptions stop at
// run_program(): a user sees one line that says what is wrong.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/program.hpp"
#include "error_text.hpp"

#include "fgrt/train/callbacks.hpp"
#include "fgrt/train/dataset.hpp"

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>

namespace fgrt::train {

namespace {

/// The seed of the model's initialisation when --seed is not given (the
/// TrainingArguments default).
constexpr int64_t kDefaultSeed = 42;

/// `learning_rate` -> `--learning-rate`.
std::string option_name(const std::string &name) {
  std::string out = "--";
  for (char c : name)
    out += c == '_' ? '-' : c;
  return out;
}

/// An integer option's check: at least `minimum`, with a message a user
/// can act on (CLI11's own range check prints the whole double range).
CLI::Validator at_least(int64_t minimum) {
  std::string what = minimum == 0 ? "a non-negative integer" : "an integer >= " + std::to_string(minimum);
  return CLI::Validator(
      [minimum, what](std::string &text) -> std::string {
        try {
          size_t used = 0;
          long long value = std::stoll(text, &used);
          if (used == text.size() && value >= minimum)
            return "";
        } catch (const std::exception &) {
        }
        return "'" + text + "' is not " + what;
      },
      minimum == 0 ? "INT>=0" : "INT>=" + std::to_string(minimum));
}

} // namespace

// ---------------------------------------------------------------------------
// The command line

CommandLine::CommandLine(const std::string &title, const std::string &description, const std::string &config_text)
    : app_(std::make_unique<CLI::App>(title + (description.empty() ? "" : ": " + description), "train")),
      experiment_{title, description, config_text} {
  CLI::App &app = *app_;
  app.get_formatter()->column_width(34);
  app.option_defaults()->group("Run");
  app.add_option("--output-dir", output_dir_, "Directory for checkpoints, logs and the tokenizer");
  app.add_option("--max-steps", max_steps_, "Optimizer steps to train for")->check(at_least(1));
  app.add_option("--batch-size", batch_size_, "Sequences per micro-step (train and eval)")
      ->check(at_least(1));
  app.add_option("--seq-len", seq_len_, "Tokens per sequence")->check(at_least(2));
  app.add_option("--gradient-accumulation-steps", gradient_accumulation_steps_, "Micro-steps per optimizer step")
      ->check(at_least(1));
  app.add_option("--logging-steps", logging_steps_, "Log every N steps (0: never)")->check(at_least(0));
  app.add_option("--eval-steps", eval_steps_, "Evaluate every N steps (0: never)")->check(at_least(0));
  app.add_option("--save-steps", save_steps_, "Save a checkpoint every N steps (0: only at the end)")
      ->check(at_least(0));
  app.add_option("--resume", resume_, "Resume from 'latest' or a checkpoint directory");
  app.add_option("--seed", seed_, "Seed of initialisation, dropout and data order");
  app.add_option("--threads", threads_, "Intra-op threads (0: LibTorch's default)")->check(at_least(0));
  app.add_option("--dtype", dtype_, "float32 or bfloat16")->check(CLI::IsMember({"float32", "bfloat16"}));
  app.add_option("--device", device_, "cpu, cuda or cuda:N");
  app.add_option("--corpus", corpus_, "'synthetic' or a .txt / .jsonl file");
  app.add_option("--tokenizer", tokenizer_, "A tokenizer.json (or its directory) instead of training one");
  app.option_defaults()->group("Benchmark (random tokens; prints tokens_per_s=N last)");
  app.add_flag("--benchmark", benchmark_, "Time training steps instead of training");
  app.add_option("--steps", steps_, "Timed steps")->capture_default_str()->check(at_least(1));
  app.add_option("--warmup-steps", warmup_steps_, "Untimed steps first")->capture_default_str()->check(at_least(0));
  app.option_defaults()->group("Config variables");
}

CommandLine::~CommandLine() = default;

void CommandLine::add_variable(const std::string &name, int64_t &value, const std::string &help) {
  app_->add_option(option_name(name), value, help)->capture_default_str();
}
void CommandLine::add_variable(const std::string &name, double &value, const std::string &help) {
  app_->add_option(option_name(name), value, help)->capture_default_str();
}
void CommandLine::add_variable(const std::string &name, std::string &value, const std::string &help) {
  app_->add_option(option_name(name), value, help)->capture_default_str();
}
void CommandLine::add_variable(const std::string &name, bool &value, const std::string &help) {
  // `--flag true|false` rather than a bare flag: the default may be either.
  app_->add_option(option_name(name), value, help)->capture_default_str();
}

std::optional<int> CommandLine::parse(int argc, char **argv) {
  try {
    app_->parse(argc, argv);
  } catch (const CLI::CallForHelp &) {
    std::cout << app_->help();
    return 0;
  } catch (const CLI::ParseError &e) {
    std::cerr << "train: error: " << e.what() << "\n(run with --help for the options)\n";
    return 1;
  }
  return std::nullopt;
}

void CommandLine::apply(TrainerOptions &options) const {
  TrainingArguments &args = options.args();
  DatasetOptions &data = options.data();
  if (output_dir_)
    args.output_dir(*output_dir_);
  if (max_steps_)
    args.max_steps(*max_steps_);
  if (batch_size_)
    args.per_device_train_batch_size(*batch_size_).per_device_eval_batch_size(*batch_size_);
  if (gradient_accumulation_steps_)
    args.gradient_accumulation_steps(*gradient_accumulation_steps_);
  if (logging_steps_)
    args.logging_steps(*logging_steps_);
  if (eval_steps_)
    args.eval_steps(*eval_steps_);
  if (save_steps_)
    args.save_steps(*save_steps_);
  if (resume_)
    args.resume_from_checkpoint(*resume_);
  if (seed_) {
    args.seed(*seed_);
    data.seed(*seed_);
  }
  if (threads_)
    args.threads(*threads_);
  if (dtype_)
    args.default_dtype(*dtype_);
  if (device_)
    args.device(*device_);
  if (seq_len_)
    data.max_length(*seq_len_);
  if (corpus_)
    data.corpus(*corpus_);
  if (tokenizer_)
    data.tokenizer(*tokenizer_);
}

// ---------------------------------------------------------------------------
// Signals: the first SIGINT/SIGTERM asks the trainer to stop and save; the
// handler only sets a flag, which the loop reads after each step.

namespace {

std::atomic<Trainer *> g_running_trainer{nullptr};
std::atomic<int> g_stop_signal{0};

extern "C" void on_stop_signal(int signal) {
  g_stop_signal = signal;
  if (Trainer *trainer = g_running_trainer.load())
    trainer->request_stop();
  // A second signal ends the program at once.
  std::signal(signal, SIG_DFL);
}

/// Installs the handlers for the lifetime of one run.
class StopSignals {
public:
  explicit StopSignals(Trainer &trainer) {
    g_running_trainer = &trainer;
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
  }
  ~StopSignals() {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    g_running_trainer = nullptr;
  }
};

/// The vocabulary of a causal LM: the rows of its token embedding.
int64_t model_vocab_size(torch::nn::Module &model) {
  for (const auto &p : model.named_parameters())
    if (p.key().size() >= 16 && p.key().compare(p.key().size() - 16, 16, "embedding.weight") == 0)
      return p.value().size(0);
  throw std::runtime_error("--benchmark: the model has no token embedding (no parameter named *embedding.weight)");
}

int train(TrainerOptions options, const ExperimentInfo &experiment) {
  // Under fgrun every rank joins the job; rank 0 alone logs.
  options.communicator(dist::communicator_from_environment(options.args().device()));
  bool main_process = !options.communicator() || options.communicator()->rank() == 0;
  std::vector<std::shared_ptr<TrainerCallback>> callbacks;
  if (main_process)
    callbacks = default_callbacks(options.args(), experiment);
  for (auto &c : options.callbacks())
    callbacks.push_back(c);
  options.callbacks(callbacks);
  Trainer trainer(std::move(options));
  StopSignals signals(trainer);
  trainer.train();
  if (int signal = g_stop_signal.load()) {
    std::cerr << "train: stopped by signal " << signal << " after step " << trainer.state().global_step
              << " (checkpoint saved)\n";
    return 128 + signal;
  }
  return 0;
}

} // namespace

double benchmark_tokens_per_second(TrainerOptions options, int64_t batch_size, int64_t seq_len, int64_t warmup,
                                   int64_t steps) {
  TrainingArguments &args = options.args();
  args.max_steps(warmup + steps).save_strategy("no").logging_strategy("no").eval_strategy("no");
  args.resume_from_checkpoint("").speed_metrics_start_step(warmup);
  // A pipeline config's model is built later (by stages, under fgrun): its
  // data options know the vocabulary.
  int64_t vocab = options.model().is_empty() ? options.data().vocab_size() : model_vocab_size(*options.model().ptr());
  options.train_stream(random_token_stream(vocab, batch_size, seq_len, static_cast<uint64_t>(args.seed())));
  options.eval_stream(nullptr);
  options.data().max_length(seq_len); // for the FLOPs estimate
  // Under fgrun (a pipeline config's ranks), every rank joins the job.
  options.communicator(dist::communicator_from_environment(args.device()));
  Trainer trainer(std::move(options));
  Metrics metrics = trainer.train();
  double samples_per_second = 0;
  for (const auto &[name, value] : metrics)
    if (name == "train_samples_per_second")
      samples_per_second = value;
  return samples_per_second * static_cast<double>(seq_len);
}

int run_program(CommandLine &cli, int argc, char **argv, const OptionsBuilder &build) {
  if (std::optional<int> status = cli.parse(argc, argv))
    return *status;
  try {
    // The model is initialised as the config is built: seed it first.
    torch::manual_seed(static_cast<uint64_t>(cli.seed().value_or(kDefaultSeed)));
    TrainerOptions options = build();
    cli.apply(options);
    if (!cli.benchmark())
      return train(std::move(options), cli.experiment());
    int64_t batch = cli.batch_size().value_or(options.args().per_device_train_batch_size());
    int64_t length = cli.seq_len().value_or(options.data().max_length());
    double tokens_per_second =
        benchmark_tokens_per_second(std::move(options), batch, length, cli.benchmark_warmup_steps(),
                                    cli.benchmark_steps());
    std::printf("tokens_per_s=%.1f\n", tokens_per_second);
    return 0;
  } catch (const c10::Error &e) {
    std::cerr << "train: error: " << first_line(e.what_without_backtrace()) << "\n";
  } catch (const std::exception &e) {
    std::cerr << "train: error: " << first_line(e.what()) << "\n";
  }
  return 1;
}

} // namespace fgrt::train
