//===- trainer.cpp - The single-process training loop ---------------------===//
//
// Sections in the order a run goes through them: setup (device, dtype,
// optimizer, scheduler, resume), one optimizer step, the periodic events,
// evaluation, checkpoints, and the loop that ties them together.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/trainer.hpp"

#include "fgrt/dist/data_parallel.hpp"
#include "fgrt/optim/lr_scheduler.hpp"
#include "fgrt/tokenizer/tokenizer.hpp"
#include "fgrt/train/logging/throughput.hpp"
#include "pipeline_state.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>

#include <sys/resource.h>
#include <unistd.h>

namespace fgrt::train {

namespace {

/// The reference's PeriodicFunction: fires once at least `period` steps
/// have passed since it last fired; period <= 0 never fires.
bool period_elapsed(int64_t step, int64_t last, int64_t period) { return period > 0 && step - last >= period; }

torch::Dtype parse_dtype(const std::string &name) {
  if (name == "float32" || name == "float")
    return torch::kFloat32;
  if (name == "bfloat16")
    return torch::kBFloat16;
  throw std::invalid_argument("default_dtype: '" + name + "' is not float32 or bfloat16");
}

void check_strategy(const std::string &field, const std::string &value) {
  if (value != "steps" && value != "no")
    throw std::invalid_argument(field + ": '" + value + "' is not \"steps\" or \"no\"");
}

/// N, L and d of a causal LM (see logging/throughput.hpp) whose parameters
/// follow the model library's names (`...embedding.weight`, `layers.<i>.`);
/// hidden_size stays 0 when the module holds no embedding.
TransformerFlopsShape flops_shape(const torch::nn::Module &model, int64_t sequence_length) {
  TransformerFlopsShape shape;
  shape.sequence_length = sequence_length;
  std::set<std::string> layers;
  const std::string marker = "layers.";
  for (const auto &p : model.named_parameters()) {
    const std::string &name = p.key();
    if (name.find("embedding") != std::string::npos) {
      shape.hidden_size = p.value().size(-1);
      continue;
    }
    shape.non_embedding_parameters += p.value().numel();
    if (size_t at = name.find(marker); at != std::string::npos)
      layers.insert(name.substr(0, name.find('.', at + marker.size())));
  }
  shape.num_layers = static_cast<int64_t>(layers.size());
  return shape;
}

/// 6 N + 12 L d T for such a model; 0 when it does not follow the names.
double estimate_flops_per_token(const torch::nn::Module &model, int64_t sequence_length) {
  TransformerFlopsShape shape = flops_shape(model, sequence_length);
  return shape.hidden_size == 0 ? 0.0 : transformer_training_flops_per_token(shape);
}

/// The resident memory of this process now, in MiB (/proc/self/statm).
double resident_mib() {
  long pages = 0, resident = 0;
  if (FILE *f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2)
      resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1 << 20);
}

/// The most resident memory this process has held, in MiB.
double peak_resident_mib() {
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0; // KiB on Linux
}

/// A scheduler that leaves the learning rate alone, for runs without one.
class ConstantScheduler final : public optim::LRScheduler {
public:
  explicit ConstantScheduler(torch::optim::Optimizer &optimizer) : optim::LRScheduler(optimizer) { initial_step(); }
  double lr_at(double base_lr, int64_t) const override { return base_lr; }
  std::string kind() const override { return "constant"; }
};

} // namespace

Trainer::Trainer(TrainerOptions options)
    : options_(std::move(options)), train_data_(options_.train_stream()), eval_data_(options_.eval_stream()),
      callbacks_(options_.callbacks()) {
  build_model();
  if (!train_data_)
    prepare_data_streams();
  setup();
  announce_model();
}

void Trainer::announce_model() {
  ModelAccess access;
  access.device = device_;
  if (options_.communicator()) {
    access.rank = options_.communicator()->rank();
    access.world_size = options_.communicator()->world_size();
  }
  if (!pipelined()) {
    access.forward = [this](const torch::Tensor &input_ids, const torch::Tensor &attention_mask,
                            const torch::Tensor &position_ids) {
      return options_.model().forward<torch::Tensor>(input_ids, attention_mask, position_ids);
    };
    access.module = model_.get();
  }
  if (tokenizer_) {
    // Prompts start as training documents do: the packer put BOS first.
    access.encode = [tok = tokenizer_](const std::string &text) {
      std::vector<int64_t> ids;
      if (std::optional<int64_t> bos = tok->bos_token_id())
        ids.push_back(*bos);
      std::vector<int64_t> body = tok->encode(text, /*add_special_tokens=*/false);
      ids.insert(ids.end(), body.begin(), body.end());
      return ids;
    };
    access.decode = [tok = tokenizer_](const std::vector<int64_t> &ids) {
      return tok->decode(ids, /*skip_special_tokens=*/true);
    };
    access.eos_token_id = tokenizer_->eos_token_id();
  }
  access.log_text = [this](const std::string &tag, const std::vector<std::string> &entries) {
    TrainerControl control;
    dispatch(control, [&](TrainerCallback &c, TrainerControl &) { c.on_text(state_, tag, entries); });
  };
  TrainerControl control;
  dispatch(control, [&](TrainerCallback &c, TrainerControl &) { c.on_model_ready(access); });
}

void Trainer::build_model() {
  const std::shared_ptr<dist::Communicator> &comm = options_.communicator();
  if (!options_.stage_factories().empty() && comm && comm->world_size() > 1) {
    build_pipeline_stages();
    return;
  }
  // A pipeline config started as one process trains its whole model: the
  // control run of the pipeline.
  if (options_.model().is_empty() && options_.model_factory()) {
    // As if built by the program right after it seeded the generator.
    torch::manual_seed(at::detail::getDefaultCPUGenerator().current_seed());
    options_.model(options_.model_factory()());
  }
  if (options_.model().is_empty())
    throw std::invalid_argument("Trainer: no model");
  model_ = options_.model().ptr();
}

Trainer::~Trainer() = default;

int Trainer::world_size() const { return options_.communicator() ? options_.communicator()->world_size() : 1; }

bool Trainer::is_main_process() const { return !options_.communicator() || options_.communicator()->rank() == 0; }

void Trainer::prepare_data_streams() {
  const std::shared_ptr<dist::Communicator> &comm = options_.communicator();
  if (!comm) {
    // A pipeline config's program started alone reads the batches its
    // ranks would, so it is their control run.
    PreparedData data = prepare_data(options_.data(), options_.args(), pipeline_config());
    train_data_ = std::move(data.train);
    eval_data_ = std::move(data.eval);
    tokenizer_ = std::move(data.tokenizer);
    return;
  }
  // Data parallel: every rank builds the stream of global batches and
  // keeps its rows. Pipeline: every rank reads the whole batches.
  const int64_t shards = pipelined() ? 1 : comm->world_size();
  TrainingArguments global = options_.args();
  global.per_device_train_batch_size(global.per_device_train_batch_size() * shards);
  global.per_device_eval_batch_size(global.per_device_eval_batch_size() * shards);
  // main_process_first: rank 0 trains and saves the tokenizer; the others
  // then load it instead of racing to write the same files.
  PreparedData data;
  if (comm->rank() == 0)
    data = prepare_data(options_.data(), global, pipeline_config());
  comm->barrier();
  if (comm->rank() != 0)
    data = prepare_data(options_.data(), global, pipeline_config());
  tokenizer_ = std::move(data.tokenizer);
  if (pipelined()) {
    train_data_ = std::move(data.train);
    eval_data_ = std::move(data.eval);
    return;
  }
  train_data_ = std::make_shared<dist::RankShardStream>(data.train, comm->rank(), comm->world_size());
  if (data.eval)
    eval_data_ = std::make_shared<dist::RankShardStream>(data.eval, comm->rank(), comm->world_size(),
                                                         dist::RankShardStream::EmptyShare::Allow);
}

// ---------------------------------------------------------------------------
// Setup

namespace {

/// The optimizer the options ask for: from optimizer_factory over `params`,
/// from named_optimizer_factory over what `named` returns (asked only
/// then), or, with neither, AdamW at lr 1e-3 and weight decay 0.01.
std::unique_ptr<torch::optim::Optimizer>
build_optimizer(const TrainerOptions &options, const std::vector<torch::Tensor> &params,
                const std::function<torch::OrderedDict<std::string, torch::Tensor>()> &named) {
  if (options.optimizer_factory() && options.named_optimizer_factory())
    throw std::invalid_argument("the trainer has both optimizer_factory and named_optimizer_factory: set one");
  if (options.named_optimizer_factory())
    return options.named_optimizer_factory()(named());
  if (options.optimizer_factory())
    return options.optimizer_factory()(params);
  return std::make_unique<torch::optim::AdamW>(params, torch::optim::AdamWOptions(1e-3).weight_decay(0.01));
}

} // namespace

void Trainer::setup() {
  const TrainingArguments &args = options_.args();
  check_strategy("logging_strategy", args.logging_strategy());
  check_strategy("eval_strategy", args.eval_strategy());
  check_strategy("save_strategy", args.save_strategy());
  if (args.per_device_train_batch_size() < 1)
    throw std::invalid_argument("per_device_train_batch_size must be at least 1");
  if (args.gradient_accumulation_steps() < 1)
    throw std::invalid_argument("gradient_accumulation_steps must be at least 1");
  if (args.threads() > 0)
    torch::set_num_threads(static_cast<int>(args.threads()));
  device_ = torch::Device(args.device());

  torch::nn::Module &model = module();
  model.to(device_, parse_dtype(args.default_dtype()));
  steps_per_epoch_ = std::max<int64_t>(1, train_data_->batches_per_epoch() / args.gradient_accumulation_steps());
  state_.max_steps = args.max_steps() > 0
                         ? args.max_steps()
                         : static_cast<int64_t>(std::ceil(args.num_train_epochs() * steps_per_epoch_));
  std::vector<torch::Tensor> params = model.parameters();
  if (pipeline_config())
    check_pipeline_batch();
  if (pipelined()) {
    start_pipeline();
    estimate_pipeline_size();
  } else {
    for (const auto &p : params)
      state_.total_parameters += p.numel();
    state_.flops_per_token = estimate_flops_per_token(model, options_.data().max_length());
  }
  if (options_.communicator() && !pipelined()) {
    // Replicas start from rank 0's weights, whatever their own seeds made.
    dist::broadcast_module(*options_.communicator(), model);
    averager_ = std::make_unique<dist::GradientAverager>(options_.communicator(), params);
  }
  optimizer_ = build_optimizer(options_, params, [&] {
    return pipelined() ? pipeline_->named_parameters() : model.named_parameters();
  });
  scheduler_ = options_.lr_scheduler_factory() ? options_.lr_scheduler_factory()(*optimizer_)
                                               : std::make_unique<ConstantScheduler>(*optimizer_);
  checkpoints_ = std::make_unique<CheckpointManager>(args.output_dir(), args.save_total_limit());
  // Dropout draws from here on; a resume replaces this state with the
  // checkpoint's.
  torch::manual_seed(static_cast<uint64_t>(args.seed()));

  const std::string &from = args.resume_from_checkpoint();
  if (from == "latest") {
    if (auto latest = checkpoints_->latest())
      resume(*latest);
  } else if (!from.empty()) {
    resume(from);
  }
}

// ---------------------------------------------------------------------------
// Checkpoints

namespace {

/// The optimizer's and scheduler's archives, bound to this trainer's objects.
std::vector<ArchiveState> archive_states(torch::optim::Optimizer &optimizer, optim::LRScheduler &scheduler) {
  return {
      ArchiveState{"optimizer", [&](torch::serialize::OutputArchive &a) { optimizer.save(a); },
                   [&](torch::serialize::InputArchive &a) { optimizer.load(a); }},
      ArchiveState{"scheduler", [&](torch::serialize::OutputArchive &a) { scheduler.save(a); },
                   [&](torch::serialize::InputArchive &a) { scheduler.load(a); }},
      rng_state(),
  };
}

} // namespace

std::string Trainer::trainer_state_json() const {
  nlohmann::ordered_json j;
  j["global_step"] = state_.global_step;
  j["epoch"] = state_.epoch;
  j["train_samples"] = state_.train_samples;
  j["train_tokens"] = state_.train_tokens;
  j["best_metric"] = state_.best_metric ? nlohmann::ordered_json(*state_.best_metric) : nlohmann::ordered_json();
  j["best_checkpoint"] = state_.best_checkpoint;
  j["evals_without_improvement"] = state_.evals_without_improvement;
  j["last_log_step"] = last_log_step_;
  j["last_eval_step"] = last_eval_step_;
  return j.dump(2) + "\n";
}

void Trainer::restore_trainer_state(const std::string &text) {
  nlohmann::json j = nlohmann::json::parse(text);
  state_.global_step = j.at("global_step").get<int64_t>();
  state_.epoch = j.at("epoch").get<double>();
  state_.train_samples = j.at("train_samples").get<int64_t>();
  state_.train_tokens = j.at("train_tokens").get<int64_t>();
  if (!j.at("best_metric").is_null())
    state_.best_metric = j.at("best_metric").get<double>();
  state_.best_checkpoint = j.at("best_checkpoint").get<std::string>();
  state_.evals_without_improvement = j.at("evals_without_improvement").get<int64_t>();
  last_log_step_ = j.at("last_log_step").get<int64_t>();
  last_eval_step_ = j.at("last_eval_step").get<int64_t>();
  last_save_step_ = state_.global_step;
}

void Trainer::resume(const std::string &checkpoint) {
  // Nothing is loaded from a checkpoint with a damaged file.
  CheckpointManager::verify(checkpoint);
  if (pipelined())
    load_pipeline_weights(checkpoint);
  else
    load_sharded_safetensors(checkpoint, module());
  // A pipeline rank's optimizer covers its own stages: its own files.
  const int rank = pipelined() ? options_.communicator()->rank() : -1;
  for (const ArchiveState &s : archive_states(*optimizer_, *scheduler_))
    CheckpointManager::load_archive(checkpoint, s, rank);
  // Each JSON state names its own file when it cannot be read back.
  auto restore_json = [&](const std::string &name, const std::function<void(const std::string &)> &restore) {
    try {
      restore(CheckpointManager::read_json_state(checkpoint, name));
    } catch (const nlohmann::json::exception &e) {
      throw std::runtime_error(CheckpointManager::json_state_path(checkpoint, name) + ": damaged (" + e.what() + ")");
    }
  };
  restore_json("trainer", [&](const std::string &text) { restore_trainer_state(text); });
  restore_json("dataset", [&](const std::string &text) { train_data_->restore(text); });
  checkpoints_->protect(state_.best_checkpoint);
}

void Trainer::estimate_pipeline_size() {
  // Each rank counts its stages (their layers are disjoint); the sums are
  // the whole model's.
  dist::Communicator &comm = *options_.communicator();
  TransformerFlopsShape shape = flops_shape(module(), options_.data().max_length());
  int64_t local = 0;
  for (const auto &p : module().parameters())
    local += p.numel();
  std::vector<torch::Tensor> counts{torch::tensor({static_cast<double>(shape.non_embedding_parameters),
                                                   static_cast<double>(shape.num_layers), static_cast<double>(local)},
                                                  torch::kFloat64)};
  comm.all_reduce_sum(counts);
  shape.non_embedding_parameters = static_cast<int64_t>(counts[0][0].item<double>());
  shape.num_layers = static_cast<int64_t>(counts[0][1].item<double>());
  shape.hidden_size = pipeline_->hidden_size;
  state_.total_parameters = static_cast<int64_t>(counts[0][2].item<double>());
  state_.flops_per_token = transformer_training_flops_per_token(shape);
}

std::string Trainer::save_pipeline_checkpoint() {
  // Every rank writes its stages and its own optimizer, scheduler and RNG;
  // the trainer and data states are the same on all ranks, rank 0's count.
  std::string dir = checkpoints_->save_pipeline(
      state_.global_step, *options_.communicator(), pipeline_->schedule.num_stages, pipeline_stage_states(),
      archive_states(*optimizer_, *scheduler_), {{"trainer", trainer_state_json()}, {"dataset", train_data_->state()}});
  last_save_step_ = state_.global_step;
  TrainerControl control;
  dispatch(control, [&](TrainerCallback &c, TrainerControl &ctl) { c.on_save(state_, ctl, dir); });
  return dir;
}

std::string Trainer::save_checkpoint() {
  if (pipelined())
    return save_pipeline_checkpoint();
  // Replicas are identical: rank 0 writes for all of them, and the others
  // wait until it has, so none reads a checkpoint (the best model at the
  // end, a resume) before it is complete.
  if (!is_main_process()) {
    last_save_step_ = state_.global_step;
    options_.communicator()->barrier();
    return checkpoints_->path_of(state_.global_step);
  }
  std::string dir =
      checkpoints_->save(state_.global_step, module(), archive_states(*optimizer_, *scheduler_),
                         {{"trainer", trainer_state_json()}, {"dataset", train_data_->state()}});
  if (options_.communicator())
    options_.communicator()->barrier();
  last_save_step_ = state_.global_step;
  TrainerControl control;
  dispatch(control, [&](TrainerCallback &c, TrainerControl &ctl) { c.on_save(state_, ctl, dir); });
  return dir;
}

// ---------------------------------------------------------------------------
// One optimizer step

torch::Tensor causal_lm_loss(const torch::Tensor &logits, const torch::Tensor &labels) {
  // logits[:, t] predicts labels[:, t + 1]; the loss is computed in fp32.
  torch::Tensor shifted = logits.slice(1, 0, -1).to(torch::kFloat32);
  torch::Tensor targets = labels.slice(1, 1);
  return torch::nn::functional::cross_entropy(
      shifted.reshape({-1, shifted.size(-1)}), targets.reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100));
}

torch::Tensor Trainer::compute_loss(const data::Batch &batch) {
  torch::Tensor input_ids = batch.input_ids.to(device_);
  torch::Tensor labels = batch.labels.to(device_);
  torch::Tensor positions = batch.position_ids.defined() ? batch.position_ids.to(device_) : torch::Tensor();
  torch::Tensor logits = options_.model().forward<torch::Tensor>(input_ids, torch::Tensor(), positions);
  if (!pipeline_config())
    return causal_lm_loss(logits, labels);
  // A pipeline config's program started as one process optimises what its
  // ranks do: the mean of the microbatches' mean losses, which differs from
  // the batch's mean when microbatches hold different numbers of labels.
  const int64_t microbatches = options_.pipeline().microbatches();
  std::vector<torch::Tensor> logit_chunks = logits.chunk(microbatches), label_chunks = labels.chunk(microbatches);
  torch::Tensor sum = causal_lm_loss(logit_chunks[0], label_chunks[0]);
  for (size_t m = 1; m < logit_chunks.size(); ++m)
    sum = sum + causal_lm_loss(logit_chunks[m], label_chunks[m]);
  return sum / static_cast<double>(microbatches);
}

double Trainer::clip_and_measure_gradients() {
  if (pipelined())
    return pipeline_gradient_norm();
  double max_norm = options_.args().max_grad_norm();
  std::vector<torch::Tensor> params = module().parameters();
  if (max_norm > 0)
    return torch::nn::utils::clip_grad_norm_(params, max_norm);
  // No clipping: the norm is still logged.
  double sum = 0;
  for (const auto &p : params)
    if (p.grad().defined())
      sum += p.grad().to(torch::kFloat64).pow(2).sum().item<double>();
  return std::sqrt(sum);
}

Trainer::StepResult Trainer::train_step() {
  const int64_t accumulation = options_.args().gradient_accumulation_steps();
  double step_loss = 0;
  int64_t samples = 0, tokens = 0;
  for (int64_t micro = 0; micro < accumulation; ++micro) {
    data::Batch batch = train_data_->next();
    if (pipelined()) {
      step_loss += pipeline_micro_step(batch, 1.0 / static_cast<double>(accumulation));
    } else {
      torch::Tensor loss = compute_loss(batch) / static_cast<double>(accumulation);
      // The last backward starts each gradient bucket's all-reduce as soon as
      // the bucket is complete; the earlier micro-steps only accumulate.
      if (averager_ && micro + 1 == accumulation)
        averager_->expect_final_backward();
      loss.backward();
      step_loss += loss.item<double>();
    }
    samples += batch.input_ids.size(0);
    tokens += batch.labels.slice(1, 1).ne(-100).sum().item<int64_t>();
  }
  if (pipelined()) {
    // Every rank saw the whole batch and the last stage's loss; only the
    // stop requests need agreeing on.
    stop_agreed_ = options_.communicator()->all_reduce_sum(stop_requested_ ? 1.0 : 0.0) > 0;
  } else if (const auto &comm = options_.communicator()) {
    averager_->average();
    // One reduction per step: the loss (its mean over the ranks is what one
    // process with the global batch logs), the counts, and whether any rank
    // was asked to stop, so all stop after the same step.
    torch::Tensor totals = torch::tensor({step_loss, static_cast<double>(samples), static_cast<double>(tokens),
                                          stop_requested_ ? 1.0 : 0.0},
                                         torch::kFloat64);
    std::vector<torch::Tensor> one{totals};
    comm->all_reduce_sum(one);
    step_loss = totals[0].item<double>() / comm->world_size();
    samples = static_cast<int64_t>(totals[1].item<double>());
    tokens = static_cast<int64_t>(totals[2].item<double>());
    stop_agreed_ = totals[3].item<double>() > 0;
  }
  state_.train_samples += samples;
  state_.train_tokens += tokens;
  double grad_norm = clip_and_measure_gradients();
  optimizer_->step();
  optimizer_->zero_grad();
  scheduler_->step();
  return {step_loss, grad_norm};
}

double Trainer::current_lr() const {
  const auto &groups = optimizer_->param_groups();
  return groups.empty() ? 0.0 : groups.front().options().get_lr();
}

// ---------------------------------------------------------------------------
// Periodic events

template <typename Event> void Trainer::dispatch(TrainerControl &control, Event &&event) {
  for (const auto &callback : callbacks_)
    event(*callback, control);
}

void Trainer::log_metrics() {
  if (pending_.empty())
    return;
  double loss = 0, square_norms = 0, max_norm = 0;
  for (const StepResult &r : pending_) {
    loss += r.loss;
    square_norms += r.grad_norm * r.grad_norm;
    max_norm = std::max(max_norm, r.grad_norm);
  }
  double n = static_cast<double>(pending_.size());
  Metrics metrics = {{"loss", loss / n},
                     {"grad_norm", std::sqrt(square_norms / n)},
                     {"max_grad_norm", max_norm},
                     {"learning_rate", current_lr()}};
  pending_.clear();
  last_log_step_ = state_.global_step;
  TrainerControl control;
  dispatch(control, [&](TrainerCallback &c, TrainerControl &ctl) { c.on_log(state_, ctl, metrics); });
}

Metrics Trainer::evaluate() {
  if (!eval_data_)
    return {};
  torch::nn::Module &model = module();
  model.eval();
  torch::NoGradGuard no_grad;
  eval_data_->rewind();
  int64_t batches = eval_data_->batches_per_epoch();
  if (options_.args().max_eval_steps() > 0)
    batches = std::min(batches, options_.args().max_eval_steps());
  double sum = 0;
  int64_t counted = 0;
  const auto &comm = options_.communicator();
  const bool data_parallel = comm && !pipelined();
  // Data parallel: per batch, each rank's token-weighted loss and its
  // token count, so that a short last batch split unevenly (or leaving a
  // rank without rows) averages like the whole batch in one process.
  torch::Tensor rank_sums;
  if (data_parallel)
    rank_sums = torch::zeros({std::max<int64_t>(batches, 1), 2}, torch::kFloat64);
  for (int64_t i = 0; i < batches; ++i) {
    data::Batch batch = eval_data_->next();
    if (data_parallel) {
      int64_t tokens = batch.input_ids.size(0) == 0 ? 0 : batch.labels.slice(1, 1).ne(-100).sum().item<int64_t>();
      if (tokens > 0) {
        rank_sums[i][0] = compute_loss(batch).item<double>() * static_cast<double>(tokens);
        rank_sums[i][1] = static_cast<double>(tokens);
      }
    } else {
      sum += pipelined() ? pipeline_eval_batch(batch) : compute_loss(batch).item<double>();
      ++counted;
    }
  }
  if (data_parallel) {
    std::vector<torch::Tensor> reduced{rank_sums};
    comm->all_reduce_sum(reduced);
    for (int64_t i = 0; i < batches; ++i) {
      double tokens = reduced[0][i][1].item<double>();
      if (tokens > 0) {
        sum += reduced[0][i][0].item<double>() / tokens;
        ++counted;
      }
    }
  }
  batches = counted;
  model.train();
  double eval_loss = batches > 0 ? sum / static_cast<double>(batches) : std::nan("");
  Metrics metrics = {{"eval_loss", eval_loss}, {"eval_perplexity", std::exp(eval_loss)}};
  last_eval_step_ = state_.global_step;
  TrainerControl control;
  dispatch(control, [&](TrainerCallback &c, TrainerControl &ctl) { c.on_evaluate(state_, ctl, metrics); });
  return metrics;
}

namespace {

/// The metric named by metric_for_best_model ("loss" means eval_loss).
std::optional<double> metric_value(const Metrics &metrics, std::string name) {
  if (name.rfind("eval_", 0) != 0)
    name = "eval_" + name;
  for (const auto &[key, value] : metrics)
    if (key == name)
      return value;
  return std::nullopt;
}

} // namespace

void Trainer::maybe_evaluate_and_save(TrainerControl &control, bool last_step) {
  const TrainingArguments &args = options_.args();
  int64_t step = state_.global_step;
  bool evaluate_now = control.should_evaluate ||
                      (args.eval_strategy() == "steps" && eval_data_ &&
                       (period_elapsed(step, last_eval_step_, args.eval_steps()) || last_step));
  bool improved = false;
  if (evaluate_now) {
    Metrics metrics = evaluate();
    if (auto value = metric_value(metrics, args.metric_for_best_model())) {
      bool better = !state_.best_metric ||
                    (args.greater_is_better() ? *value > *state_.best_metric : *value < *state_.best_metric);
      if (better) {
        state_.best_metric = *value;
        state_.evals_without_improvement = 0;
        improved = true;
      } else if (args.early_stopping_patience() > 0 &&
                 ++state_.evals_without_improvement >= args.early_stopping_patience()) {
        control.should_training_stop = true;
      }
    }
  }
  bool save_now = control.should_save ||
                  (args.save_strategy() == "steps" &&
                   (period_elapsed(step, last_save_step_, args.save_steps()) || (last_step && step > last_save_step_)));
  if (save_now) {
    // The best checkpoint is the one saved at the step that improved; it
    // must be recorded before the save so the saved state names it.
    std::string dir = checkpoints_->path_of(step);
    if (improved) {
      state_.best_checkpoint = dir;
      checkpoints_->protect(dir);
    }
    save_checkpoint();
  }
}

// ---------------------------------------------------------------------------
// The loop

void Trainer::append_memory_metrics(Metrics &metrics, double memory_at_start) const {
  const double peak = peak_resident_mib();
  if (!pipelined()) {
    metrics.push_back({"memory_at_start_mib", memory_at_start});
    metrics.push_back({"memory_peak_mib", peak});
    return;
  }
  // Each rank holds other stages: rank 0 reports every rank's figures.
  dist::Communicator &comm = *options_.communicator();
  const int world = comm.world_size();
  std::vector<torch::Tensor> figures{torch::zeros({2 * world}, torch::kFloat64)};
  figures[0][2 * comm.rank()] = memory_at_start;
  figures[0][2 * comm.rank() + 1] = peak;
  comm.all_reduce_sum(figures);
  for (int r = 0; r < world; ++r) {
    metrics.push_back({"memory_at_start_mib_rank_" + std::to_string(r), figures[0][2 * r].item<double>()});
    metrics.push_back({"memory_peak_mib_rank_" + std::to_string(r), figures[0][2 * r + 1].item<double>()});
  }
}

Metrics Trainer::train() {
  torch::nn::Module &model = module();
  model.train();
  TrainerControl control;
  dispatch(control, [&](TrainerCallback &c, TrainerControl &ctl) { c.on_train_begin(state_, ctl); });

  using Clock = std::chrono::steady_clock;
  const TrainingArguments &args = options_.args();
  // Gradients and optimizer state do not exist yet: what training adds to
  // this is what `fgcc plan` estimates beyond the weights.
  const double memory_at_start = resident_mib();
  Clock::time_point timed_from = Clock::now();
  int64_t timed_step = state_.global_step, timed_samples = state_.train_samples;
  while (state_.global_step < state_.max_steps && !control.should_training_stop &&
         !control.should_abort_without_save) {
    pending_.push_back(train_step());
    ++state_.global_step;
    state_.epoch = static_cast<double>(state_.global_step) / static_cast<double>(steps_per_epoch_);
    if (state_.global_step == args.speed_metrics_start_step()) {
      // Setup and the first steps' allocations are not part of the speed.
      timed_from = Clock::now();
      timed_step = state_.global_step;
      timed_samples = state_.train_samples;
    }
    control = TrainerControl{};
    dispatch(control, [&](TrainerCallback &c, TrainerControl &ctl) { c.on_step_end(state_, ctl); });
    // With several ranks only the stop they agreed on counts: a signal that
    // arrives after this step's reduction stops everyone after the next.
    if (options_.communicator() ? stop_agreed_ : stop_requested_.load())
      control.should_training_stop = true;
    bool last_step = state_.global_step >= state_.max_steps || control.should_training_stop;
    bool log_now = control.should_log ||
                   (args.logging_strategy() == "steps" &&
                    (period_elapsed(state_.global_step, last_log_step_, args.logging_steps()) ||
                     (args.logging_first_step() && state_.global_step == 1) || last_step));
    if (log_now)
      log_metrics();
    if (!control.should_abort_without_save)
      maybe_evaluate_and_save(control, last_step);
  }

  double runtime = std::chrono::duration<double>(Clock::now() - timed_from).count();
  double steps = static_cast<double>(state_.global_step - timed_step);
  double samples = static_cast<double>(state_.train_samples - timed_samples);
  Metrics final_metrics = {
      {"train_runtime", runtime},
      {"train_samples", static_cast<double>(state_.train_samples)},
      {"step", static_cast<double>(state_.global_step)},
      {"train_samples_per_second", runtime > 0 ? samples / runtime : 0.0},
      {"train_steps_per_second", runtime > 0 ? steps / runtime : 0.0},
      {"epoch", state_.epoch},
      // The ranks of a pipeline share each batch (the reference: not x world).
      {"effective_batch_size", static_cast<double>(args.per_device_train_batch_size() *
                                                   args.gradient_accumulation_steps() *
                                                   (pipelined() ? 1 : world_size()))},
  };
  append_memory_metrics(final_metrics, memory_at_start);
  if (args.load_best_model_at_end() && !state_.best_checkpoint.empty()) {
    if (pipelined())
      load_pipeline_weights(state_.best_checkpoint);
    else
      load_sharded_safetensors(state_.best_checkpoint, model);
  }
  dispatch(control, [&](TrainerCallback &c, TrainerControl &ctl) { c.on_train_end(state_, ctl, final_metrics); });
  return final_metrics;
}

} // namespace fgrt::train
