//===- program.hpp - The main() of a generated training program --*- C++ -*-===//
//
// A generated `train/main.cpp` declares the config's variables, binds each
// to a command-line option, and hands a function that builds the trainer's
// options to run_program(), which does the rest:
//
//   parse the command line (--help; a bad value is an error, exit 1)
//   build the options (the config's construction, with the variables' values)
//   apply the common overrides (--max-steps, --batch-size, --seq-len, ...)
//   train, or with --benchmark time training steps on random tokens
//   SIGINT / SIGTERM: finish the step, save a checkpoint, exit 130 / 143
//
// Every failure is one `error: ...` line on stderr and exit status 1, never
// a stack trace.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/train/callbacks.hpp"
#include "fgrt/train/trainer.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace fgrt::train {

/// The command line of a generated training program.
class CommandLine {
public:
  /// `title` and `description` head the --help text; with `config_text`
  /// (the preprocessed config) they describe the run in its logs.
  CommandLine(const std::string &title, const std::string &description, const std::string &config_text = "");
  ~CommandLine();

  /// Binds config variable `name` (`--name`, underscores as dashes) to
  /// `value`, whose current value is the default shown by --help.
  void add_variable(const std::string &name, int64_t &value, const std::string &help);
  void add_variable(const std::string &name, double &value, const std::string &help);
  void add_variable(const std::string &name, bool &value, const std::string &help);
  void add_variable(const std::string &name, std::string &value, const std::string &help);

  /// Parses argv; returns the exit status when the program should end now
  /// (0 after --help, 1 after an error it printed), nothing otherwise.
  std::optional<int> parse(int argc, char **argv);

  /// Applies the overrides given on the command line to `options`.
  void apply(TrainerOptions &options) const;

  /// --benchmark was given.
  bool benchmark() const { return benchmark_; }
  /// Timed steps and warm-up steps of --benchmark.
  int64_t benchmark_steps() const { return steps_; }
  int64_t benchmark_warmup_steps() const { return warmup_steps_; }
  /// The values --batch-size / --seq-len gave, if any.
  std::optional<int64_t> batch_size() const { return batch_size_; }
  std::optional<int64_t> seq_len() const { return seq_len_; }
  /// The value --seed gave, if any (it also seeds the model's initialisation).
  std::optional<int64_t> seed() const { return seed_; }
  /// The experiment the program trains, for the run's logs.
  const ExperimentInfo &experiment() const { return experiment_; }

private:
  std::unique_ptr<CLI::App> app_;
  ExperimentInfo experiment_;
  std::optional<std::string> output_dir_, resume_, dtype_, device_, corpus_, tokenizer_;
  std::optional<int64_t> max_steps_, batch_size_, seq_len_, logging_steps_, eval_steps_, save_steps_, threads_,
      gradient_accumulation_steps_, seed_;
  bool benchmark_ = false;
  int64_t steps_ = 20, warmup_steps_ = 3;
};

/// Builds the trainer's options from the config (called after parsing, so
/// the variables hold their final values).
using OptionsBuilder = std::function<TrainerOptions()>;

/// Parses, builds and trains (or benchmarks); returns the exit status.
int run_program(CommandLine &cli, int argc, char **argv, const OptionsBuilder &build);

/// Times `steps` training steps after `warmup` on uniformly random tokens and
/// returns the tokens per second (input tokens of every micro-batch).
double benchmark_tokens_per_second(TrainerOptions options, int64_t batch_size, int64_t seq_len, int64_t warmup,
                                   int64_t steps);

} // namespace fgrt::train
