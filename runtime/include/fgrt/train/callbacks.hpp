//===- callbacks.hpp - What a run shows: console, JSON log, TensorBoard -*- C++ -*-===//
//
// The built-in callbacks every generated program installs (the reference's
// ProgressCallback + InfoCallback, JsonLogger and TBLogger):
//
//   ConsoleLogger      the run's header, a progress bar on a terminal, the
//                      reference's log lines (train and eval), checkpoint
//                      notices and the final metrics
//   JsonLogger         <logging_dir>/trainer_logs.json, valid JSON after
//                      every record
//   TensorBoardLogger  <logging_dir>/events.out.tfevents.*: train-loss,
//                      learning-rate, grad-norm, grad-norm[max], eval-loss,
//                      eval-perplexity, tokens-per-second, and text entries
//                      training_info and train_results
//
// The console and TensorBoard loggers show the text entries other callbacks
// publish (on_text, e.g. TextgenCallback's `eval-text`): the console one
// line per entry, TensorBoard one text entry per publication.
//
// Each log record also carries `tokens_per_second` (label tokens over the
// wall time since the previous log) and, when the model's shape is known,
// `mfu` against TrainingArguments::peak_flops.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/train/trainer.hpp"

#include <memory>
#include <string>
#include <vector>

namespace fgrt::train {

/// `<output_dir>/runs/<run_name>_<YYYY-MM-DDTHH-MM-SS>`, or logging_dir
/// when set; a numeric suffix keeps two runs started in the same second
/// apart.
std::string make_logging_dir(const TrainingArguments &args);

/// What a run's logs say about the experiment it belongs to: the config's
/// name and description and its preprocessed text (the generated program
/// embeds config/pp.yaml).
struct ExperimentInfo {
  std::string name;
  std::string description;
  std::string config_text;
};

/// The TensorBoard text entry `experiment`, as Markdown: name, description,
/// the start date, the fgrt and LibTorch versions, and the config as a code
/// block (each line indented four spaces).
std::string experiment_markdown(const ExperimentInfo &experiment, const std::string &date);

/// The console, JSON and TensorBoard loggers of a run, writing into one
/// fresh logging directory.
std::vector<std::shared_ptr<TrainerCallback>> default_callbacks(const TrainingArguments &args,
                                                                const ExperimentInfo &experiment = {});

} // namespace fgrt::train
