//===- training_arguments.hpp - What a training run does, as options --*- C++ -*-===//
//
// The C++ counterpart of the reference's TrainingArguments dataclass: paths,
// batch sizes, the length of the run, the log / eval / save schedules,
// clipping, accumulation, dtype and resume. A config sets these fields by
// name (`!singleton:fgrt.train:TrainingArguments`), the generated `train`
// program lets its command line override the common ones, and the trainer
// reads nothing else.
//
// Schedules follow the reference's PeriodicFunction: an event with period P
// fires at the first step where at least P steps have passed since it last
// fired; a period of 0 (or strategy "no") disables it. The last step always
// logs, and saves when saving is enabled.
//
// Defaults are the reference's, except the batch sizes (8 instead of 16),
// which suit a 2-core CPU.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <string>

namespace fgrt::train {

/// Options of a training run (`Trainer` reads them; the command line of a
/// generated program overrides some).
struct TrainingArguments {
  /// Directory of the run: checkpoints/, runs/ (logs) and the final model.
  TORCH_ARG(std::string, output_dir) = "output";
  /// Directory of the log files; empty: `<output_dir>/runs/<run_name>_<date>`.
  TORCH_ARG(std::string, logging_dir) = "";
  /// Prefix of the default logging directory's name.
  TORCH_ARG(std::string, run_name) = "run";
  /// Sequences per optimizer micro-step.
  TORCH_ARG(int64_t, per_device_train_batch_size) = 8;
  /// Sequences per evaluation batch.
  TORCH_ARG(int64_t, per_device_eval_batch_size) = 8;
  /// Passes over the training data when max_steps is not set.
  TORCH_ARG(double, num_train_epochs) = 1.0;
  /// Optimizer steps of the run; -1: num_train_epochs decides.
  TORCH_ARG(int64_t, max_steps) = -1;
  /// Seed of the model's initialisation, dropout and data order.
  TORCH_ARG(int64_t, seed) = 42;
  /// "steps" or "no".
  TORCH_ARG(std::string, logging_strategy) = "steps";
  /// Log the training metrics every this many steps.
  TORCH_ARG(int64_t, logging_steps) = 50;
  /// Also log after the first step.
  TORCH_ARG(bool, logging_first_step) = false;
  /// "steps" or "no".
  TORCH_ARG(std::string, eval_strategy) = "no";
  /// Evaluate every this many steps.
  TORCH_ARG(int64_t, eval_steps) = 100;
  /// At most this many eval batches per evaluation; -1: the whole eval set.
  TORCH_ARG(int64_t, max_eval_steps) = -1;
  /// "steps" or "no".
  TORCH_ARG(std::string, save_strategy) = "steps";
  /// Save a checkpoint every this many steps.
  TORCH_ARG(int64_t, save_steps) = 1000;
  /// Keep at most this many checkpoints (the best one is never deleted);
  /// 0 keeps all.
  TORCH_ARG(int64_t, save_total_limit) = 2;
  /// Clip the gradient norm to this; 0 or less: compute it, do not clip.
  TORCH_ARG(double, max_grad_norm) = 0.0;
  /// Micro-steps (forward + backward) per optimizer step.
  TORCH_ARG(int64_t, gradient_accumulation_steps) = 1;
  /// The dtype the model is built in: "float32" or "bfloat16" (pure bf16,
  /// no autocast, as the reference).
  TORCH_ARG(std::string, default_dtype) = "float32";
  /// "cpu", "cuda" or "cuda:<n>".
  TORCH_ARG(std::string, device) = "cpu";
  /// Intra-op threads; 0: LibTorch's default.
  TORCH_ARG(int64_t, threads) = 0;
  /// "" (start fresh), "latest" (the newest checkpoint of output_dir, or
  /// fresh if there is none) or a checkpoint directory.
  TORCH_ARG(std::string, resume_from_checkpoint) = "";
  /// The metric that picks the best checkpoint ("loss" means eval_loss).
  TORCH_ARG(std::string, metric_for_best_model) = "loss";
  /// Whether a larger metric is better; losses and perplexities are not.
  TORCH_ARG(bool, greater_is_better) = false;
  /// Reload the best checkpoint's weights when the run ends.
  TORCH_ARG(bool, load_best_model_at_end) = false;
  /// Stop after this many evaluations without improvement; 0: never.
  TORCH_ARG(int64_t, early_stopping_patience) = 0;
  /// Speed metrics count from this step on (step 0's setup is not timed).
  TORCH_ARG(int64_t, speed_metrics_start_step) = 1;
  /// Peak FLOP/s of the device for the MFU figure; 0: no MFU.
  TORCH_ARG(double, peak_flops) = 0.0;
  /// Recompute the layers' activations in backward (if the model can).
  TORCH_ARG(bool, gradient_checkpointing) = false;
};

} // namespace fgrt::train
