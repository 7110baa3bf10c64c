//===- pipeline.hpp - Run a pipeline schedule over c10d ----------*- C++ -*-===//
//
// The generic pipeline executor: each rank holds the modules of its stages
// and runs its action list of a PipelineSchedule (schedule.hpp) for one
// optimizer step:
//
//   F(s, m)  input = microbatch m of the batch (first stage) or the
//            activation received from stage s-1; output = stage(input); the
//            last stage computes the scaled loss, the others send the output
//            to stage s+1
//   B(s, m)  backward from the loss (last stage) or from the output gradient
//            received from stage s+1; the input gradient goes to stage s-1
//   I(s, m)  the input gradient only (sent at once, the graph kept)
//   W(s, m)  the weight gradients, from the graph I kept
//
// Messages are tagged with (microbatch, boundary, direction), sends are
// asynchronous and receives block just before the action that needs them
// (validate() proves the lists finish that way); adjacent stages on one rank
// pass tensors directly. The loss of each microbatch is scaled by `scale`
// (1 / (microbatches x accumulation) in the trainer), so gradients
// accumulate in .grad exactly as one process would accumulate them.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/dist/communicator.hpp"
#include "fgrt/dist/schedule.hpp"

#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace fgrt::dist {

/// How a stage maps its input to its output. `context` holds the
/// microbatch's rows of the extra tensors given to step() / evaluate()
/// (position ids, say), which every rank has and no message carries.
using StageForward =
    std::function<torch::Tensor(const torch::Tensor &input, const std::vector<torch::Tensor> &context)>;

/// One stage this rank holds: its index, its forward, and its parameters
/// (for the weight-gradient pass).
struct PipelineStage {
  int index = 0;
  StageForward forward;
  std::vector<torch::Tensor> parameters;
};

/// The loss of the last stage's output for one microbatch's targets.
using PipelineLoss = std::function<torch::Tensor(const torch::Tensor &output, const torch::Tensor &targets)>;

/// How long one action took on this rank (steady clock, seconds from the
/// start of the step), for measured bubble fractions: the action computed
/// for end - start - waiting, the rest it was blocked on a receive.
struct ActionTiming {
  Action action;
  double start = 0;
  double end = 0;
  double waiting = 0;
};

class PipelineExecutor {
public:
  /// `stages` are the stages `schedule` places on this rank; `boundary_shape`
  /// is the shape of one microbatch's activation between stages (the same at
  /// every boundary, e.g. [mb, T, d]) and `boundary_dtype` its dtype.
  PipelineExecutor(std::shared_ptr<Communicator> communicator, PipelineSchedule schedule,
                   std::vector<PipelineStage> stages, std::vector<int64_t> boundary_shape,
                   torch::Dtype boundary_dtype, PipelineLoss loss);

  /// Runs this rank's actions for one batch, split into the schedule's
  /// microbatches along dim 0 (as are the `context` tensors). Returns the
  /// sum of the scaled microbatch losses, the same on every rank (sent from
  /// the last stage's rank).
  double step(const torch::Tensor &inputs, const torch::Tensor &targets, double scale,
              const std::vector<torch::Tensor> &context = {});

  /// Forward passes only (eval): the mean microbatch loss, on every rank.
  double evaluate(const torch::Tensor &inputs, const torch::Tensor &targets,
                  const std::vector<torch::Tensor> &context = {});

  /// Changes the activation shape between stages (for batches of another
  /// sequence length); every rank must set the same.
  void set_boundary_shape(std::vector<int64_t> shape) { boundary_shape_ = std::move(shape); }

  /// The actions of the last step() with their times.
  const std::vector<ActionTiming> &timings() const { return timings_; }

  /// The rank holding `stage`.
  int rank_of(int stage) const { return schedule_.rank_of_stage[static_cast<size_t>(stage)]; }
  int last_stage() const { return schedule_.num_stages - 1; }

private:
  /// What F kept for the backward of one (stage, microbatch).
  struct Saved {
    torch::Tensor input;  ///< requires grad unless the first stage
    torch::Tensor output; ///< the stage's output, or the scaled loss
  };
  using Key = std::pair<int, int>; // (stage, microbatch)

  torch::Tensor receive(int from_stage, int to_stage, int microbatch, bool gradient);
  void deliver(const torch::Tensor &tensor, int from_stage, int to_stage, int microbatch, bool gradient);
  int tag(int boundary, int microbatch, bool gradient) const;
  /// The microbatches of one step: inputs, targets and context, chunked.
  struct Microbatches {
    std::vector<torch::Tensor> inputs, targets;
    std::vector<std::vector<torch::Tensor>> context; ///< [microbatch][tensor]
  };
  Microbatches split_batch(const torch::Tensor &inputs, const torch::Tensor &targets,
                           const std::vector<torch::Tensor> &context) const;
  void forward(const Action &a, const Microbatches &batch, double scale, bool keep_graph);
  torch::Tensor output_gradient(const Action &a);
  void backward(const Action &a, bool input_only);
  void weight_backward(const Action &a);
  const PipelineStage &stage(int index) const;
  double share_loss(double local_loss);
  void finish_sends();

  std::shared_ptr<Communicator> communicator_;
  PipelineSchedule schedule_;
  std::vector<PipelineStage> stages_;
  std::vector<int64_t> boundary_shape_;
  torch::Dtype boundary_dtype_;
  PipelineLoss loss_;

  std::map<Key, Saved> saved_;
  /// Output gradients I used and W still needs.
  std::map<Key, torch::Tensor> kept_gradients_;
  /// Tensors passed between stages on this rank, by (tag).
  std::map<int, torch::Tensor> local_;
  /// Sends in flight and the tensors they read from.
  std::vector<Communicator::Pending> sends_;
  std::vector<torch::Tensor> send_buffers_;
  double loss_sum_ = 0;
  std::vector<ActionTiming> timings_;
  /// Seconds the current action has spent blocked in receives.
  double waiting_ = 0;
};

} // namespace fgrt::dist
