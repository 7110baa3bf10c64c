//===- callbacks.cpp - What a run shows: console, JSON log, TensorBoard ---===//
//
// The three built-in loggers of callbacks.hpp. They share the logging
// directory and a RateMeter, which turns the trainer's token counter into
// tokens per second between two log steps.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/callbacks.hpp"

#include "fgrt/version.h"

#include "fgrt/train/logging/clock.hpp"
#include "fgrt/train/logging/console_log.hpp"
#include "fgrt/train/logging/log_record.hpp"
#include "fgrt/train/logging/progress_bar.hpp"
#include "fgrt/train/logging/tensorboard_writer.hpp"
#include "fgrt/train/logging/trainer_log_file.hpp"

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <torch/version.h>

namespace fs = std::filesystem;

namespace fgrt::train {

namespace {

/// The local time now, formatted by strftime.
std::string local_time_stamp(const char *format) {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[64];
  std::strftime(stamp, sizeof stamp, format, &local);
  return stamp;
}

/// The value of `name` in `metrics`, or NaN.
double metric(const Metrics &metrics, const std::string &name) {
  for (const auto &[key, value] : metrics)
    if (key == name)
      return value;
  return std::nan("");
}

/// Tokens per second between consecutive calls, from the trainer's counter.
class RateMeter {
public:
  double tokens_per_second(const TrainerState &state) {
    double now = system_unix_time();
    double rate = 0;
    if (last_time_ > 0 && now > last_time_)
      rate = static_cast<double>(state.train_tokens - last_tokens_) / (now - last_time_);
    last_time_ = now;
    last_tokens_ = state.train_tokens;
    return rate;
  }
  void start(const TrainerState &state) {
    last_time_ = system_unix_time();
    last_tokens_ = state.train_tokens;
  }

private:
  double last_time_ = 0;
  int64_t last_tokens_ = 0;
};

/// A train log's metrics extended with throughput (and MFU when the peak is
/// known): what every logger records.
Metrics with_throughput(const Metrics &metrics, const TrainerState &state, RateMeter &meter, double peak_flops) {
  Metrics out = metrics;
  double rate = meter.tokens_per_second(state);
  out.emplace_back("tokens_per_second", rate);
  if (peak_flops > 0 && state.flops_per_token > 0)
    out.emplace_back("mfu", rate * state.flops_per_token / peak_flops);
  return out;
}

LogRecord to_record(const Metrics &metrics) {
  LogRecord record;
  for (const auto &[name, value] : metrics)
    record.set(name, value);
  return record;
}

LogLinePosition position_of(const TrainerState &state) {
  return LogLinePosition{system_unix_time(), state.global_step, state.epoch};
}

// ---------------------------------------------------------------------------
// Console

class ConsoleLogger final : public TrainerCallback {
public:
  explicit ConsoleLogger(TrainingArguments args, std::string logging_dir)
      : args_(std::move(args)), logging_dir_(std::move(logging_dir)) {}

  void on_train_begin(const TrainerState &state, TrainerControl &) override {
    std::ostringstream out;
    out << "**** Training started ****\n"
        << "  output_dir:          " << args_.output_dir() << "\n"
        << "  logging_dir:         " << logging_dir_ << "\n"
        << "  total_parameters:    " << std::fixed << std::setprecision(3) << state.total_parameters / 1e6
        << "M\n"
        << "  batch_size:          " << args_.per_device_train_batch_size() << " x "
        << args_.gradient_accumulation_steps() << " accumulation\n"
        << "  max_steps:           " << state.max_steps << "\n";
    if (state.global_step > 0)
      out << "  resumed at step:     " << state.global_step << "\n";
    std::cout << out.str() << std::flush;
    bar_ = std::make_unique<ProgressBar>(state.max_steps, state.global_step);
    meter_.start(state);
  }

  void on_step_end(const TrainerState &state, TrainerControl &) override { bar_->update(state.global_step, last_loss_); }

  void on_log(const TrainerState &state, TrainerControl &, const Metrics &metrics) override {
    last_loss_ = metric(metrics, "loss");
    Metrics full = with_throughput(metrics, state, meter_, args_.peak_flops());
    std::string line = format_train_log_line(position_of(state), metric(metrics, "loss"), metric(metrics, "grad_norm"),
                                             metric(metrics, "learning_rate"));
    std::ostringstream rate;
    rate << "  tokens/s: " << std::fixed << std::setprecision(0) << metric(full, "tokens_per_second");
    bar_->write_line(line + rate.str());
  }

  void on_evaluate(const TrainerState &state, TrainerControl &, const Metrics &metrics) override {
    bar_->write_line(format_eval_log_line(position_of(state), metric(metrics, "eval_loss")));
  }

  void on_save(const TrainerState &, TrainerControl &, const std::string &dir) override {
    if (bar_)
      bar_->write_line("Saving checkpoint at " + dir);
  }

  void on_text(const TrainerState &, const std::string &tag, const std::vector<std::string> &entries) override {
    // One line per entry, its newlines shown as `\n`, so each stays one line.
    for (const std::string &entry : entries) {
      std::string line = tag + ": ";
      for (char c : entry)
        line += c == '\n' ? std::string("\\n") : std::string(1, c);
      if (bar_)
        bar_->write_line(line);
      else
        std::cout << line << "\n" << std::flush;
    }
  }

  void on_train_end(const TrainerState &, TrainerControl &, const Metrics &final_metrics) override {
    if (bar_)
      bar_->close();
    std::ostringstream out;
    out << "**** Training completed ****\n";
    for (const auto &[name, value] : final_metrics)
      out << "  " << std::left << std::setw(26) << name << (name.size() < 26 ? "" : " ") << value << "\n";
    std::cout << out.str() << std::flush;
  }

private:
  TrainingArguments args_;
  std::string logging_dir_;
  std::unique_ptr<ProgressBar> bar_;
  std::optional<double> last_loss_;
  RateMeter meter_;
};

// ---------------------------------------------------------------------------
// trainer_logs.json

class JsonLogger final : public TrainerCallback {
public:
  JsonLogger(const std::string &logging_dir, double peak_flops) : file_(logging_dir), peak_flops_(peak_flops) {}

  void on_train_begin(const TrainerState &state, TrainerControl &) override { meter_.start(state); }
  void on_log(const TrainerState &state, TrainerControl &, const Metrics &metrics) override {
    file_.write(state.global_step, state.epoch, to_record(with_throughput(metrics, state, meter_, peak_flops_)));
  }
  void on_evaluate(const TrainerState &state, TrainerControl &, const Metrics &metrics) override {
    file_.write(state.global_step, state.epoch, to_record(metrics));
  }
  void on_train_end(const TrainerState &state, TrainerControl &, const Metrics &final_metrics) override {
    file_.write(state.global_step, state.epoch, to_record(final_metrics));
    file_.close();
  }

private:
  TrainerLogFile file_;
  double peak_flops_;
  RateMeter meter_;
};

// ---------------------------------------------------------------------------
// TensorBoard

class TensorBoardLogger final : public TrainerCallback {
public:
  TensorBoardLogger(const std::string &logging_dir, ExperimentInfo experiment)
      : writer_(logging_dir), experiment_(std::move(experiment)) {}

  void on_train_begin(const TrainerState &state, TrainerControl &) override {
    writer_.add_text("experiment", experiment_markdown(experiment_, local_time_stamp("%Y-%m-%d %H:%M:%S")),
                     state.global_step);
    std::ostringstream info;
    info << "total_parameters: " << state.total_parameters << "  \nmax_steps: " << state.max_steps
         << "  \nstart_step: " << state.global_step;
    writer_.add_text("training_info", info.str(), state.global_step);
    meter_.start(state);
  }
  void on_log(const TrainerState &state, TrainerControl &, const Metrics &metrics) override {
    Metrics full = with_throughput(metrics, state, meter_, 0.0);
    int64_t step = state.global_step;
    writer_.add_scalar("train-loss", metric(full, "loss"), step);
    writer_.add_scalar("learning-rate", metric(full, "learning_rate"), step);
    writer_.add_scalar("grad-norm", metric(full, "grad_norm"), step);
    writer_.add_scalar("grad-norm[max]", metric(full, "max_grad_norm"), step);
    writer_.add_scalar("tokens-per-second", metric(full, "tokens_per_second"), step);
    writer_.flush();
  }
  void on_evaluate(const TrainerState &state, TrainerControl &, const Metrics &metrics) override {
    writer_.add_scalar("eval-loss", metric(metrics, "eval_loss"), state.global_step);
    writer_.add_scalar("eval-perplexity", metric(metrics, "eval_perplexity"), state.global_step);
    writer_.flush();
  }
  void on_text(const TrainerState &state, const std::string &tag, const std::vector<std::string> &entries) override {
    // The reference's separator between the entries of one text (Markdown).
    std::string text;
    for (const std::string &entry : entries)
      text += entry + "\n\n---\n\n";
    writer_.add_text(tag, text, state.global_step);
    writer_.flush();
  }
  void on_train_end(const TrainerState &state, TrainerControl &, const Metrics &final_metrics) override {
    std::ostringstream results;
    for (const auto &[name, value] : final_metrics)
      results << name << ": " << value << "  \n";
    writer_.add_text("train_results", results.str(), state.global_step);
    writer_.close();
  }

private:
  TensorBoardWriter writer_;
  ExperimentInfo experiment_;
  RateMeter meter_;
};

} // namespace

std::string experiment_markdown(const ExperimentInfo &experiment, const std::string &date) {
  std::ostringstream out;
  out << "**" << (experiment.name.empty() ? "(unnamed experiment)" : experiment.name) << "**  \n";
  if (!experiment.description.empty())
    out << experiment.description << "  \n";
  out << "\ndate: " << date << "  \nfgrt " << FGRT_VERSION_MAJOR << "." << FGRT_VERSION_MINOR << ", LibTorch "
      << TORCH_VERSION << "\n";
  if (!experiment.config_text.empty()) {
    out << "\n";
    std::istringstream lines(experiment.config_text);
    for (std::string line; std::getline(lines, line);)
      out << "    " << line << "\n";
  }
  return out.str();
}

std::string make_logging_dir(const TrainingArguments &args) {
  if (!args.logging_dir().empty())
    return args.logging_dir();
  fs::path base = fs::path(args.output_dir()) / "runs" / (args.run_name() + "_" + local_time_stamp("%Y-%m-%dT%H-%M-%S"));
  fs::path dir = base;
  for (int i = 2; fs::exists(dir); ++i)
    dir = base.string() + "_" + std::to_string(i);
  fs::create_directories(dir);
  return dir.string();
}

std::vector<std::shared_ptr<TrainerCallback>> default_callbacks(const TrainingArguments &args,
                                                                const ExperimentInfo &experiment) {
  std::string dir = make_logging_dir(args);
  return {std::make_shared<ConsoleLogger>(args, dir), std::make_shared<JsonLogger>(dir, args.peak_flops()),
          std::make_shared<TensorBoardLogger>(dir, experiment)};
}

} // namespace fgrt::train
