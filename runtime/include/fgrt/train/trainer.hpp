//===- trainer.hpp - The single-process training loop ------------*- C++ -*-===//
//
// The reference's simple Trainer, step for step:
//
//   for each optimizer step:
//     for each of GA micro-steps: loss = causal_loss(model(batch)) / GA; backward
//     grad_norm = ||grads||_2 (clipped to max_grad_norm when that is > 0)
//     optimizer.step(); zero_grad(); lr_scheduler.step()
//     step loss = sum of the scaled micro-losses (their mean)
//     log / evaluate / save when their period has passed; callbacks may stop
//
// Logged metrics (every logging_steps): `loss` = mean of the step losses
// since the last log, `grad_norm` = their RMS, `max_grad_norm` = their max,
// `learning_rate` = the first group's lr after the step. Evaluation:
// `eval_loss` = mean of per-batch mean losses over at most max_eval_steps
// batches (not token-weighted, as the reference), in eval mode, no grad.
//
// The model is type-erased (AnyModule) and called as a causal LM:
// forward(input_ids, attention_mask, position_ids) -> logits [B, T, V], the
// loss the shifted cross-entropy with ignore index -100.
//
// Everything a resume needs goes into each checkpoint: weights, optimizer,
// scheduler, RNG, the data position and the trainer state, so N steps then
// a resume to 2N gives the losses of 2N steps in one run.
//
// Pipeline parallel (TrainerOptions::stage_factories, emitted by fgcc for a
// config with a `pipeline`, and several ranks): each rank builds only the
// stages the schedule places on it and runs its action list per micro-step
// (pipeline_trainer.cpp): every rank reads the same batches, the loss of
// each microbatch is scaled by 1 / (microbatches x accumulation), the grad
// norm is all-reduced before clipping, the loss comes from the last stage.
// Each rank writes its stages' shards and its own state files into one
// checkpoint (CheckpointManager::save_pipeline) and resumes from them.
//
// Data parallel (TrainerOptions::communicator, set when `fgrun` starts
// several ranks): rank 0 prepares the data first (main_process_first), every
// rank takes its rows of each global batch of per_device_train_batch_size x
// world_size rows, replicas start from rank 0's weights, gradients are
// averaged over the ranks after the last micro-step (bucketed all-reduce),
// and the logged loss is the mean over the ranks; so the run equals one
// process with the global batch. Only rank 0 logs and writes checkpoints;
// all ranks resume from them. The ranks agree every step on whether to stop,
// so a signal stops them all at the same step.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/data/collator.hpp"
#include "fgrt/dist/communicator.hpp"
#include "fgrt/train/checkpoint.hpp"
#include "fgrt/train/dataset.hpp"
#include "fgrt/train/pipeline_options.hpp"
#include "fgrt/train/training_arguments.hpp"

#include <torch/torch.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fgrt::optim {
class LRScheduler;
}
namespace fgrt::dist {
class GradientAverager;
}
namespace fgrt::tokenizer {
class Tokenizer;
}

namespace fgrt::train {

/// A resumable, endless stream of batches (epochs roll over).
class BatchStream {
public:
  virtual ~BatchStream() = default;
  /// The next batch; never runs dry.
  virtual data::Batch next() = 0;
  /// Batches in one pass over the data.
  virtual int64_t batches_per_epoch() const = 0;
  /// Sequences in one pass over the data.
  virtual int64_t examples_per_epoch() const = 0;
  /// The position in the stream as JSON text (goes into checkpoints).
  virtual std::string state() const = 0;
  /// Continues from a position state() returned.
  virtual void restore(const std::string &state) = 0;
  /// Back to the start of the data (evaluation streams restart each time).
  virtual void rewind() = 0;
};

/// What callbacks may ask of the loop (the reference's TrainerControl).
struct TrainerControl {
  bool should_training_stop = false;
  bool should_save = false;
  bool should_evaluate = false;
  bool should_log = false;
  /// Stop now without the final save.
  bool should_abort_without_save = false;
};

/// The progress of a run, passed to callbacks and saved in checkpoints.
struct TrainerState {
  int64_t global_step = 0;
  int64_t max_steps = 0;
  double epoch = 0.0;         ///< global_step / steps per epoch
  int64_t train_samples = 0;  ///< sequences consumed so far
  int64_t train_tokens = 0;   ///< label tokens (not ignored) consumed so far
  std::optional<double> best_metric;
  std::string best_checkpoint;
  int64_t evals_without_improvement = 0;
  int64_t total_parameters = 0;
  /// Training FLOPs per token of the model (6 N + 12 L d T), 0 if unknown.
  double flops_per_token = 0.0;
};

/// Metric name -> value, in the order they were added.
using Metrics = std::vector<std::pair<std::string, double>>;

/// What a callback may use of the model and the tokenizer (the reference
/// hands both to every event; here they come once, to on_model_ready). A
/// view: it owns nothing and is valid while the trainer lives.
struct ModelAccess {
  /// The causal LM's call: (input_ids, attention_mask, position_ids) -> logits [B, T, V].
  using Forward = std::function<torch::Tensor(const torch::Tensor &, const torch::Tensor &, const torch::Tensor &)>;
  /// The whole model's forward; empty in a pipeline run, where no rank holds
  /// the whole model.
  Forward forward;
  /// The model as a module (eval/train mode); null when `forward` is empty.
  torch::nn::Module *module = nullptr;
  /// Where the model's tensors live.
  torch::Device device = torch::kCPU;
  /// Token ids of a text as a training document starts (BOS first when the
  /// tokenizer has one); empty when the program made its own batches and so
  /// there is no tokenizer.
  std::function<std::vector<int64_t>(const std::string &)> encode;
  /// The text of token ids, special tokens left out; empty with `encode`.
  std::function<std::string(const std::vector<int64_t> &)> decode;
  /// The tokenizer's end-of-sequence token, if it has one.
  std::optional<int64_t> eos_token_id;
  /// This process's rank among `world_size` (0 of 1 for one process).
  int rank = 0;
  int world_size = 1;
  /// Hands a text entry to every callback's on_text at the current step
  /// (the console and TensorBoard loggers show it).
  std::function<void(const std::string &tag, const std::vector<std::string> &entries)> log_text;
};

/// The callback protocol (HF's events). Default handlers do nothing.
class TrainerCallback {
public:
  virtual ~TrainerCallback() = default;
  /// Once, when the trainer has built its model (on its device, resumed if
  /// asked) and tokenizer; the only way a callback reaches them.
  virtual void on_model_ready(const ModelAccess &) {}
  virtual void on_train_begin(const TrainerState &, TrainerControl &) {}
  virtual void on_step_end(const TrainerState &, TrainerControl &) {}
  virtual void on_log(const TrainerState &, TrainerControl &, const Metrics &) {}
  virtual void on_evaluate(const TrainerState &, TrainerControl &, const Metrics &) {}
  virtual void on_save(const TrainerState &, TrainerControl &, const std::string & /*checkpoint*/) {}
  virtual void on_train_end(const TrainerState &, TrainerControl &, const Metrics & /*final metrics*/) {}
  /// A text entry some callback published through ModelAccess::log_text:
  /// `entries` are its separate items (one per prompt, say).
  virtual void on_text(const TrainerState &, const std::string & /*tag*/, const std::vector<std::string> & /*entries*/) {}
};

/// Builds the optimizer over the model's parameters.
using OptimizerFactory = std::function<std::unique_ptr<torch::optim::Optimizer>(std::vector<torch::Tensor>)>;
/// Builds the LR scheduler of an optimizer.
using LRSchedulerFactory = std::function<std::unique_ptr<optim::LRScheduler>(torch::optim::Optimizer &)>;

/// Everything a Trainer is built from; configs set these by name.
struct TrainerOptions {
  /// The run's settings.
  TORCH_ARG(TrainingArguments, args);
  /// The model, a causal LM: forward(input_ids, attention_mask, position_ids) -> logits.
  TORCH_ARG(torch::nn::AnyModule, model);
  /// Builds the optimizer; unset: AdamW with lr 1e-3 and weight decay 0.01.
  /// (Spelled out rather than OptimizerFactory: configs see this type.)
  TORCH_ARG(std::function<std::unique_ptr<torch::optim::Optimizer>(std::vector<torch::Tensor>)>,
            optimizer_factory) = nullptr;
  /// Builds the optimizer from the parameters by name (Module::named_parameters();
  /// in a pipeline run, this rank's stages under the whole model's names):
  /// what optimizers that route by name, like Multiopt, need. Set this or
  /// optimizer_factory, not both.
  TORCH_ARG(std::function<std::unique_ptr<torch::optim::Optimizer>(const torch::OrderedDict<std::string, torch::Tensor> &)>,
            named_optimizer_factory) = nullptr;
  /// Builds the LR scheduler; unset: a constant learning rate.
  TORCH_ARG(std::function<std::unique_ptr<optim::LRScheduler>(torch::optim::Optimizer &)>,
            lr_scheduler_factory) = nullptr;
  /// The corpus, tokenizer and batching of the training and eval data.
  TORCH_ARG(DatasetOptions, data);
  /// Training batches made by the program itself; unset: built from `data`.
  TORCH_ARG(std::shared_ptr<BatchStream>, train_stream) = nullptr;
  /// Eval batches made by the program itself (with train_stream).
  TORCH_ARG(std::shared_ptr<BatchStream>, eval_stream) = nullptr;
  /// Extra callbacks, after the built-in loggers.
  TORCH_ARG(std::vector<std::shared_ptr<TrainerCallback>>, callbacks) = {};
  /// The ranks of a data-parallel or pipeline run; null: one process.
  TORCH_ARG(std::shared_ptr<dist::Communicator>, communicator) = nullptr;
  /// Builds the whole model when `model` is not given (a pipeline config's
  /// program builds it only when it runs as one process).
  TORCH_ARG(std::function<torch::nn::AnyModule()>, model_factory) = nullptr;
  /// The pipeline's split and schedule (pipeline_options.hpp); used when
  /// stage_factories is set.
  TORCH_ARG(PipelineOptions, pipeline);
  /// Stage k of the compile-time split, for a pipeline run: each builds the
  /// modules of one stage under the whole model's parameter names (fgcc
  /// emits them as model/stages/stage_<k>.cpp). Empty: not a pipeline.
  TORCH_ARG(std::vector<std::function<torch::nn::AnyModule()>>, stage_factories) = {};
};

/// The causal LM loss: logits [B, T, V] at t predict labels [B, T] at t + 1
/// (cross-entropy in fp32, mean over the labels that are not -100).
torch::Tensor causal_lm_loss(const torch::Tensor &logits, const torch::Tensor &labels);

/// The trainer: one process, data parallel or pipeline parallel.
class Trainer {
public:
  /// Prepares the data (unless the options carry streams), moves the model
  /// to its device and dtype, builds the optimizer and scheduler, and
  /// resumes when asked to.
  explicit Trainer(TrainerOptions options);
  ~Trainer();

  /// Runs to max_steps (or until a callback or signal stops it) and returns
  /// the final metrics (train_runtime, train_samples, step, ...).
  Metrics train();
  /// One evaluation pass: {"eval_loss", ...}.
  Metrics evaluate();
  /// Saves a checkpoint of the current step now; returns its directory.
  std::string save_checkpoint();

  /// Asks the loop to stop after the current step (and save): what SIGINT
  /// and SIGTERM do. Safe from a signal handler.
  void request_stop() { stop_requested_ = true; }

  const TrainerState &state() const { return state_; }
  TrainerOptions &options() { return options_; }
  torch::optim::Optimizer &optimizer() { return *optimizer_; }
  /// The model's forward + shifted cross-entropy on one batch.
  torch::Tensor compute_loss(const data::Batch &batch);
  /// The model as a module (for parameters, train/eval mode, saving); in a
  /// pipeline run, a container of this rank's stages.
  torch::nn::Module &module() { return *model_; }
  /// Whether this run is pipeline parallel.
  bool pipelined() const { return pipeline_ != nullptr; }

private:
  struct PipelineState;
  struct StepResult {
    double loss;
    double grad_norm;
  };
  void build_model();
  void setup();
  /// Tells the callbacks what they may use of the model and tokenizer.
  void announce_model();
  void resume(const std::string &checkpoint);
  // Pipeline parallel (pipeline_trainer.cpp).
  void build_pipeline_stages();
  void start_pipeline();
  double pipeline_micro_step(const data::Batch &batch, double scale);
  double pipeline_eval_batch(const data::Batch &batch);
  /// Whether this is a pipeline config's program (on its ranks, or started
  /// as one process): its data streams then hold whole batches only.
  bool pipeline_config() const { return !options_.stage_factories().empty(); }
  /// Throws unless the train and eval batches split into the microbatches.
  void check_pipeline_batch() const;
  double pipeline_gradient_norm();
  std::string save_pipeline_checkpoint();
  void load_pipeline_weights(const std::string &checkpoint);
  std::vector<CheckpointManager::StageState> pipeline_stage_states() const;
  void estimate_pipeline_size();
  StepResult train_step();
  double clip_and_measure_gradients();
  void log_metrics();
  /// Resident memory at the start of train() and at its peak (each rank's,
  /// in a pipeline), in MiB, for the final metrics.
  void append_memory_metrics(Metrics &metrics, double memory_at_start) const;
  void maybe_evaluate_and_save(TrainerControl &control, bool last_step);
  std::string trainer_state_json() const;
  void restore_trainer_state(const std::string &json);
  double current_lr() const;
  template <typename Event> void dispatch(TrainerControl &control, Event &&event);
  void prepare_data_streams();
  int world_size() const;
  bool is_main_process() const;

  TrainerOptions options_;
  std::shared_ptr<torch::nn::Module> model_;
  std::unique_ptr<PipelineState> pipeline_;
  std::shared_ptr<BatchStream> train_data_, eval_data_;
  /// The tokenizer of the prepared data; null when the program made its own
  /// streams.
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::unique_ptr<optim::LRScheduler> scheduler_;
  std::unique_ptr<CheckpointManager> checkpoints_;
  std::unique_ptr<dist::GradientAverager> averager_;
  std::vector<std::shared_ptr<TrainerCallback>> callbacks_;
  torch::Device device_{torch::kCPU};
  TrainerState state_;
  int64_t steps_per_epoch_ = 1;
  /// Step results since the last log.
  std::vector<StepResult> pending_;
  int64_t last_log_step_ = 0, last_eval_step_ = 0, last_save_step_ = 0;
  std::atomic<bool> stop_requested_{false};
  /// Data parallel: some rank was asked to stop (agreed at the last step).
  bool stop_agreed_ = false;
};

} // namespace fgrt::train
