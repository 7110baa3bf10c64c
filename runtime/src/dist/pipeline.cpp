//===- pipeline.cpp - The pipeline executor -------------------------------===//
#include "fgrt/dist/pipeline.hpp"

#include <chrono>
#include <stdexcept>

namespace fgrt::dist {

PipelineExecutor::PipelineExecutor(std::shared_ptr<Communicator> communicator, PipelineSchedule schedule,
                                   std::vector<PipelineStage> stages, std::vector<int64_t> boundary_shape,
                                   torch::Dtype boundary_dtype, PipelineLoss loss)
    : communicator_(std::move(communicator)), schedule_(std::move(schedule)), stages_(std::move(stages)),
      boundary_shape_(std::move(boundary_shape)), boundary_dtype_(boundary_dtype), loss_(std::move(loss)) {
  if (!communicator_)
    throw std::invalid_argument("PipelineExecutor: no communicator");
  if (communicator_->world_size() != schedule_.spec.ranks)
    throw std::invalid_argument("PipelineExecutor: the schedule is for " + std::to_string(schedule_.spec.ranks) +
                                " ranks, the job has " + std::to_string(communicator_->world_size()));
  for (int s = 0; s < schedule_.num_stages; ++s) {
    bool mine = rank_of(s) == communicator_->rank();
    bool held = false;
    for (const PipelineStage &stage : stages_)
      held = held || stage.index == s;
    if (mine != held)
      throw std::invalid_argument("PipelineExecutor: stage " + std::to_string(s) + (mine ? " is placed on" : " is not placed on") +
                                  " rank " + std::to_string(communicator_->rank()));
  }
}

const PipelineStage &PipelineExecutor::stage(int index) const {
  for (const PipelineStage &s : stages_)
    if (s.index == index)
      return s;
  throw std::logic_error("PipelineExecutor: no stage " + std::to_string(index) + " on this rank");
}

// ---------------------------------------------------------------------------
// Messages

int PipelineExecutor::tag(int boundary, int microbatch, bool gradient) const {
  // Unique per (microbatch, boundary between stage b and b+1, direction), so
  // messages between the same two ranks can arrive in any order.
  return (microbatch * schedule_.num_stages + boundary) * 2 + (gradient ? 1 : 0);
}

void PipelineExecutor::deliver(const torch::Tensor &tensor, int from_stage, int to_stage, int microbatch,
                               bool gradient) {
  int t = tag(std::min(from_stage, to_stage), microbatch, gradient);
  if (rank_of(to_stage) == communicator_->rank()) {
    local_[t] = tensor; // the V placement's tip: both stages here
    return;
  }
  send_buffers_.push_back(tensor.detach().to(boundary_dtype_).contiguous());
  sends_.push_back(communicator_->send_async(send_buffers_.back(), rank_of(to_stage), t));
}

torch::Tensor PipelineExecutor::receive(int from_stage, int to_stage, int microbatch, bool gradient) {
  int t = tag(std::min(from_stage, to_stage), microbatch, gradient);
  if (rank_of(from_stage) == communicator_->rank()) {
    auto it = local_.find(t);
    if (it == local_.end())
      throw std::logic_error("PipelineExecutor: stage " + std::to_string(to_stage) + " ran before stage " +
                             std::to_string(from_stage) + " delivered microbatch " + std::to_string(microbatch));
    torch::Tensor tensor = it->second;
    local_.erase(it);
    return tensor;
  }
  torch::Tensor tensor = torch::empty(boundary_shape_, torch::TensorOptions().dtype(boundary_dtype_));
  auto started = std::chrono::steady_clock::now();
  communicator_->recv(tensor, rank_of(from_stage), t);
  waiting_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return tensor;
}

void PipelineExecutor::finish_sends() {
  for (Communicator::Pending &p : sends_)
    p.wait();
  sends_.clear();
  send_buffers_.clear();
}

// ---------------------------------------------------------------------------
// Actions

void PipelineExecutor::forward(const Action &a, const Microbatches &batch, double scale, bool keep_graph) {
  const int s = a.stage, m = a.microbatch;
  const auto mb = static_cast<size_t>(m);
  torch::Tensor input = s == 0 ? batch.inputs[mb] : receive(s - 1, s, m, false).detach();
  // A received activation is a leaf whose gradient is the message upstream.
  if (s > 0 && keep_graph)
    input.requires_grad_(true);
  torch::Tensor output = stage(s).forward(input, batch.context[mb]);
  if (s == last_stage()) {
    torch::Tensor loss = loss_(output, batch.targets[mb]) * scale;
    loss_sum_ += loss.item<double>();
    output = loss;
  } else {
    deliver(output, s, s + 1, m, false);
  }
  if (keep_graph)
    saved_[{s, m}] = Saved{input, output};
}

torch::Tensor PipelineExecutor::output_gradient(const Action &a) {
  // The last stage starts from its loss; the others from stage s+1's message.
  if (a.stage == last_stage())
    return torch::Tensor();
  return receive(a.stage + 1, a.stage, a.microbatch, true);
}

void PipelineExecutor::backward(const Action &a, bool input_only) {
  const Key key{a.stage, a.microbatch};
  auto it = saved_.find(key);
  if (it == saved_.end())
    throw std::logic_error("PipelineExecutor: backward of " + to_string(a) + " before its forward");
  Saved &saved = it->second;
  torch::Tensor grad = output_gradient(a);
  std::vector<torch::Tensor> grads = grad.defined() ? std::vector<torch::Tensor>{grad} : std::vector<torch::Tensor>{};
  if (!input_only) {
    torch::autograd::backward({saved.output}, grads);
    if (a.stage > 0)
      deliver(saved.input.grad(), a.stage, a.stage - 1, a.microbatch, true);
    saved_.erase(it);
    return;
  }
  // I: only the input gradient, sent upstream at once; the graph stays for W.
  if (a.stage > 0) {
    torch::Tensor input_grad = torch::autograd::grad({saved.output}, {saved.input}, grads, /*retain_graph=*/true)[0];
    deliver(input_grad, a.stage, a.stage - 1, a.microbatch, true);
  }
  kept_gradients_[key] = grad;
}

void PipelineExecutor::weight_backward(const Action &a) {
  const Key key{a.stage, a.microbatch};
  auto saved = saved_.find(key);
  auto grad = kept_gradients_.find(key);
  if (saved == saved_.end() || grad == kept_gradients_.end())
    throw std::logic_error("PipelineExecutor: " + to_string(a) + " before its I");
  std::vector<torch::Tensor> grads =
      grad->second.defined() ? std::vector<torch::Tensor>{grad->second} : std::vector<torch::Tensor>{};
  // Accumulates into the parameters' .grad only; the graph is freed.
  torch::autograd::backward({saved->second.output}, grads, /*retain_graph=*/false, /*create_graph=*/false,
                            stage(a.stage).parameters);
  saved_.erase(saved);
  kept_gradients_.erase(grad);
}

double PipelineExecutor::share_loss(double local_loss) {
  std::vector<torch::Tensor> loss{torch::full({1}, local_loss, torch::kFloat64)};
  communicator_->broadcast(loss, rank_of(last_stage()));
  return loss[0].item<double>();
}

// ---------------------------------------------------------------------------
// Steps

namespace {

std::vector<torch::Tensor> split(const torch::Tensor &t, int microbatches, const char *what) {
  if (t.size(0) % microbatches != 0)
    throw std::invalid_argument(std::string("pipeline: a batch of ") + std::to_string(t.size(0)) + " " + what +
                                " does not split into " + std::to_string(microbatches) + " microbatches");
  return t.chunk(microbatches, 0);
}

} // namespace

PipelineExecutor::Microbatches PipelineExecutor::split_batch(const torch::Tensor &inputs, const torch::Tensor &targets,
                                                             const std::vector<torch::Tensor> &context) const {
  const int microbatches = schedule_.spec.microbatches;
  Microbatches batch;
  batch.inputs = split(inputs, microbatches, "inputs");
  batch.targets = split(targets, microbatches, "targets");
  batch.context.resize(static_cast<size_t>(microbatches));
  for (const torch::Tensor &t : context) {
    std::vector<torch::Tensor> chunks = t.defined() ? split(t, microbatches, "context rows")
                                                    : std::vector<torch::Tensor>(static_cast<size_t>(microbatches));
    for (size_t m = 0; m < chunks.size(); ++m)
      batch.context[m].push_back(chunks[m]);
  }
  return batch;
}

double PipelineExecutor::step(const torch::Tensor &inputs, const torch::Tensor &targets, double scale,
                              const std::vector<torch::Tensor> &context) {
  Microbatches batch = split_batch(inputs, targets, context);
  loss_sum_ = 0;
  timings_.clear();
  using Clock = std::chrono::steady_clock;
  Clock::time_point start = Clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  for (const Action &a : schedule_.actions[static_cast<size_t>(communicator_->rank())]) {
    double begin = seconds();
    waiting_ = 0;
    switch (a.kind) {
    case ActionKind::Forward: forward(a, batch, scale, true); break;
    case ActionKind::Backward: backward(a, false); break;
    case ActionKind::BackwardInput: backward(a, true); break;
    case ActionKind::BackwardWeight: weight_backward(a); break;
    }
    timings_.push_back(ActionTiming{a, begin, seconds(), waiting_});
  }
  finish_sends();
  if (!saved_.empty() || !kept_gradients_.empty() || !local_.empty())
    throw std::logic_error("PipelineExecutor: the schedule left work unfinished");
  return share_loss(loss_sum_);
}

double PipelineExecutor::evaluate(const torch::Tensor &inputs, const torch::Tensor &targets,
                                  const std::vector<torch::Tensor> &context) {
  Microbatches batch = split_batch(inputs, targets, context);
  loss_sum_ = 0;
  torch::NoGradGuard no_grad;
  // The forwards of the training list, in its order: without the backwards
  // only downstream dependencies remain, so the order still cannot deadlock.
  for (const Action &a : schedule_.actions[static_cast<size_t>(communicator_->rank())])
    if (a.kind == ActionKind::Forward)
      forward(a, batch, 1.0, false);
  finish_sends();
  local_.clear();
  return share_loss(loss_sum_) / schedule_.spec.microbatches;
}

} // namespace fgrt::dist
