//===- pipeline_trainer.cpp - The Trainer's pipeline-parallel parts -------===//
//
// What a rank of a pipeline run does differently from one process (see
// trainer.hpp): it builds only the stages the schedule places on it, runs
// each micro-step as its action list (fgrt/dist/pipeline.hpp), takes the
// gradient norm over every rank's parameters, and saves and loads its own
// part of each checkpoint.
//
//===----------------------------------------------------------------------===//
#include "fgrt/dist/schedule.hpp"
#include "pipeline_state.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace fgrt::train {

namespace {

/// The schedule of the config's pipeline on `world_size` ranks; throws with
/// what to change when the run does not fit it.
dist::PipelineSchedule make_run_schedule(const PipelineOptions &options, int world_size, size_t stage_count) {
  if (world_size != options.ranks())
    throw std::invalid_argument("the config's pipeline has " + std::to_string(options.ranks()) +
                                " ranks but the job has " + std::to_string(world_size) +
                                " (start it with fgrun --nproc-per-node " + std::to_string(options.ranks()) + ")");
  dist::ScheduleSpec spec;
  spec.kind = dist::parse_schedule_kind(options.schedule());
  spec.ranks = world_size;
  spec.microbatches = static_cast<int>(options.microbatches());
  spec.stages_per_rank = static_cast<int>(options.stages_per_rank());
  dist::PipelineSchedule schedule = dist::make_schedule(spec);
  if (static_cast<size_t>(schedule.num_stages) != stage_count)
    throw std::invalid_argument("the program was compiled for " + std::to_string(stage_count) +
                                " pipeline stages, but schedule '" + options.schedule() + "' with " +
                                std::to_string(options.stages_per_rank()) + " stages per rank on " +
                                std::to_string(world_size) + " ranks has " + std::to_string(schedule.num_stages) +
                                " (change stages_per_rank in the config and recompile)");
  std::vector<std::string> problems = dist::validate(schedule);
  if (!problems.empty())
    throw std::logic_error("pipeline schedule '" + options.schedule() + "' is unsound: " + problems.front());
  return schedule;
}

/// The width of a stage's token embedding (`*embedding.weight` [V, d]), or
/// 0 when the module holds none.
int64_t embedding_width(const torch::nn::Module &module) {
  const std::string suffix = "embedding.weight";
  for (const auto &p : module.named_parameters()) {
    const std::string &name = p.key();
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      return p.value().size(-1);
  }
  return 0;
}

} // namespace

void Trainer::build_pipeline_stages() {
  dist::Communicator &comm = *options_.communicator();
  pipeline_ = std::make_unique<PipelineState>();
  pipeline_->schedule = make_run_schedule(options_.pipeline(), comm.world_size(), options_.stage_factories().size());
  // The container only groups this rank's stages for moving, modes and the
  // optimizer; checkpoints use each stage's own (the whole model's) names.
  auto container = std::make_shared<torch::nn::Module>("PipelineRank");
  // Each stage seeds its pieces by name from the program's seed, which a
  // builder reads from the generator: restore it before each, since the
  // pieces of the previous stage re-seeded the generator.
  const uint64_t program_seed = at::detail::getDefaultCPUGenerator().current_seed();
  for (int s = 0; s < pipeline_->schedule.num_stages; ++s) {
    if (pipeline_->schedule.rank_of_stage[static_cast<size_t>(s)] != comm.rank())
      continue;
    torch::manual_seed(program_seed);
    torch::nn::AnyModule stage = options_.stage_factories()[static_cast<size_t>(s)]();
    container->register_module("stage_" + std::to_string(s), stage.ptr());
    pipeline_->stages.emplace_back(s, std::move(stage));
  }
  model_ = container;
}

void Trainer::check_pipeline_batch() const {
  // On the ranks and started as one process alike, so that the control run
  // fails where the pipeline would.
  const int64_t microbatches = options_.pipeline().microbatches();
  for (const auto &[name, size] : {std::pair<const char *, int64_t>{"per_device_train_batch_size",
                                                                    options_.args().per_device_train_batch_size()},
                                   {"per_device_eval_batch_size", options_.args().per_device_eval_batch_size()}})
    if (size % microbatches != 0)
      throw std::invalid_argument(std::string(name) + " " + std::to_string(size) + " is not a multiple of the pipeline's " +
                                  std::to_string(microbatches) + " microbatches");
}

void Trainer::start_pipeline() {
  dist::Communicator &comm = *options_.communicator();
  // Only the first stage knows the width of the activations; its rank
  // tells the others (one broadcast at setup, no per-message header).
  int64_t width = 0;
  for (const auto &[index, stage] : pipeline_->stages)
    if (index == 0)
      width = embedding_width(*stage.ptr());
  std::vector<torch::Tensor> shared{torch::tensor({width}, torch::kInt64)};
  comm.broadcast(shared, pipeline_->schedule.rank_of_stage[0]);
  pipeline_->hidden_size = shared[0].item<int64_t>();
  if (pipeline_->hidden_size <= 0)
    throw std::runtime_error("pipeline: the first stage holds no token embedding (*embedding.weight)");

  std::vector<dist::PipelineStage> stages;
  for (auto &[index, stage] : pipeline_->stages) {
    torch::nn::AnyModule module = stage;
    dist::StageForward forward = [module](const torch::Tensor &input,
                                          const std::vector<torch::Tensor> &context) mutable {
      return module.forward<torch::Tensor>(input, torch::Tensor(), context.at(0));
    };
    stages.push_back(dist::PipelineStage{index, std::move(forward), stage.ptr()->parameters()});
  }
  auto dtype = module().parameters().empty() ? torch::kFloat32 : module().parameters().front().scalar_type();
  pipeline_->executor = std::make_unique<dist::PipelineExecutor>(
      options_.communicator(), pipeline_->schedule, std::move(stages), std::vector<int64_t>{},
      dtype, [](const torch::Tensor &logits, const torch::Tensor &labels) { return causal_lm_loss(logits, labels); });
}

namespace {

/// Inputs, targets and position ids of a batch on `device`.
struct DeviceBatch {
  torch::Tensor input_ids, labels, position_ids;
};

DeviceBatch to_device(const data::Batch &batch, const torch::Device &device) {
  return {batch.input_ids.to(device), batch.labels.to(device),
          batch.position_ids.defined() ? batch.position_ids.to(device) : torch::Tensor()};
}

} // namespace

double Trainer::pipeline_micro_step(const data::Batch &batch, double scale) {
  DeviceBatch b = to_device(batch, device_);
  dist::PipelineExecutor &executor = *pipeline_->executor;
  const int64_t microbatches = options_.pipeline().microbatches();
  executor.set_boundary_shape({b.input_ids.size(0) / microbatches, b.input_ids.size(1), pipeline_->hidden_size});
  // Each microbatch's loss is its mean; 1 / microbatches makes the sum the
  // batch's mean, `scale` the share of this micro-step in the optimizer step.
  return executor.step(b.input_ids, b.labels, scale / static_cast<double>(microbatches), {b.position_ids});
}

double Trainer::pipeline_eval_batch(const data::Batch &batch) {
  const int64_t microbatches = options_.pipeline().microbatches();
  DeviceBatch b = to_device(batch, device_);
  dist::PipelineExecutor &executor = *pipeline_->executor;
  executor.set_boundary_shape({b.input_ids.size(0) / microbatches, b.input_ids.size(1), pipeline_->hidden_size});
  return executor.evaluate(b.input_ids, b.labels, {b.position_ids});
}

double Trainer::pipeline_gradient_norm() {
  // The norm of the whole model's gradient: every rank's sum of squared
  // per-parameter norms, summed; then each rank clips its own by the common
  // factor, as clip_grad_norm_ would clip the whole model. The per-parameter
  // norms are LibTorch's, in the gradient's dtype, as clip_grad_norm_ takes
  // them: a float64 sum of squares is more exact but differs from the
  // single-process run by up to 1e-4 on a large head.
  std::vector<torch::Tensor> params = module().parameters();
  double local = 0;
  for (const auto &p : params)
    if (p.grad().defined()) {
      double norm = p.grad().norm().item<double>();
      local += norm * norm;
    }
  double norm = std::sqrt(options_.communicator()->all_reduce_sum(local));
  double max_norm = options_.args().max_grad_norm();
  if (max_norm > 0) {
    double coefficient = max_norm / (norm + 1e-6);
    if (coefficient < 1) {
      torch::NoGradGuard no_grad;
      for (auto &p : params)
        if (p.grad().defined())
          p.grad().mul_(coefficient);
    }
  }
  return norm;
}

std::vector<CheckpointManager::StageState> Trainer::pipeline_stage_states() const {
  std::vector<CheckpointManager::StageState> states;
  for (const auto &[index, stage] : pipeline_->stages)
    states.emplace_back(index, module_state(*stage.ptr()));
  return states;
}

torch::OrderedDict<std::string, torch::Tensor> Trainer::PipelineState::named_parameters() const {
  torch::OrderedDict<std::string, torch::Tensor> named;
  for (const auto &[index, stage] : stages)
    for (const auto &p : stage.ptr()->named_parameters()) {
      // Stages of one rank hold disjoint pieces of the model; a name twice
      // would hand one tensor to two optimizer routes.
      if (named.contains(p.key()))
        throw std::logic_error("pipeline: parameter '" + p.key() + "' is held by two stages of this rank");
      named.insert(p.key(), p.value());
    }
  return named;
}

void Trainer::load_pipeline_weights(const std::string &checkpoint) {
  // Each rank takes its stages' tensors out of the whole model's
  // checkpoint; the others are other ranks' business.
  std::vector<std::pair<std::string, torch::Tensor>> mine;
  for (auto &[index, tensors] : pipeline_stage_states())
    for (auto &entry : tensors)
      mine.push_back(std::move(entry));
  load_sharded_safetensors(checkpoint, mine, /*partial=*/true);
}

} // namespace fgrt::train
