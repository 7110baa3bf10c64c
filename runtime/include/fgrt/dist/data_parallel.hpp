//===- data_parallel.hpp - What makes replicas train as one ------*- C++ -*-===//
//
// Data parallelism the way the reference's DDP trainer does it: every rank
// holds the whole model, takes its own rows of each global batch, and the
// gradients are averaged over the ranks (bucket by bucket while the last
// backward pass still runs, see GradientAverager), so every
// replica takes the same optimizer step as one process would with the whole
// global batch (equal to it up to float rounding when every rank's rows hold
// the same number of label tokens, as packed blocks do).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/dist/communicator.hpp"
#include "fgrt/train/trainer.hpp"

#include <torch/torch.h>

#include <memory>
#include <mutex>
#include <vector>

namespace fgrt::dist {

/// Averages gradients over the ranks in buckets, like PyTorch DDP's Reducer.
///
/// Buckets are fixed at construction: the parameters that require a gradient,
/// each distinct tensor once (a tied weight listed twice is one parameter),
/// in reverse order, because backward produces the gradients of the last
/// layers first; a bucket holds about `bucket_bytes` of one dtype and device
/// (a flat buffer has one), and 25 MiB is the reference's (DDP's) default.
/// Fewer, larger messages than one per parameter.
///
/// Overlap with backward: a hook on every parameter sees each gradient that
/// backward produces. After expect_final_backward() the hooks copy each
/// final gradient (the .grad accumulated so far plus the incoming one, the
/// same addition autograd then does) into its bucket, and a bucket's
/// all-reduce starts as soon as the last of its gradients arrived, while
/// backward computes the rest. Buckets start strictly in order (a ready
/// bucket waits for the ones before it), because Gloo and NCCL pair the
/// ranks' collectives by their order. Without expect_final_backward() the
/// hooks return at once, so the earlier micro-steps of gradient
/// accumulation do not communicate, and average() alone does all the work
/// after backward.
///
/// The means equal those of averaging after backward bit for bit: each
/// bucket sums the same values in the same layout either way.
///
/// A step of gradient accumulation:
///
///   for (micro = 0; micro < steps; ++micro) {
///     torch::Tensor loss = ...;
///     if (micro + 1 == steps)
///       averager.expect_final_backward();
///     loss.backward();
///   }
///   averager.average();
///
/// The hooks hold `this`: the averager neither copies nor moves, and its
/// destructor removes them. Dense gradients only (as before).
class GradientAverager {
public:
  GradientAverager(std::shared_ptr<Communicator> communicator, std::vector<torch::Tensor> parameters,
                   int64_t bucket_bytes = int64_t(25) << 20);
  ~GradientAverager();
  GradientAverager(const GradientAverager &) = delete;
  GradientAverager &operator=(const GradientAverager &) = delete;

  /// Arms the hooks for the next backward pass, the last one before
  /// average(): from then on each bucket is reduced as soon as its
  /// gradients are final. A parameter whose gradient arrives twice in that
  /// pass (two backward calls, reentrant checkpointing) makes backward throw
  /// std::logic_error, since its bucket may already be on the wire.
  void expect_final_backward();

  /// Replaces each defined gradient by its mean over the ranks: starts the
  /// buckets not started during backward (with the current .grad, or zeros
  /// for a parameter without one), waits for all, and copies the means into
  /// .grad. Parameters without a gradient keep none (the same on every rank:
  /// the model's structure decides which parameters get none); a bucket
  /// holding one is only sent here, and so is every bucket after it.
  void average();

  /// Buckets (fixed at construction).
  int64_t bucket_count() const { return static_cast<int64_t>(buckets_.size()); }
  /// Buckets whose all-reduce the last backward pass started before
  /// average() (for tests, benchmarks and logs).
  int64_t buckets_started_in_backward() const { return started_in_backward_; }

private:
  /// A parameter's place in its bucket.
  struct Slot {
    torch::Tensor parameter;
    torch::Tensor view; ///< its part of the bucket's flat buffer, shaped like it
    size_t bucket = 0;
    unsigned hook = 0;   ///< handle for remove_hook
    bool filled = false; ///< the final gradient is in `view` (this step)
  };
  /// Parameters whose gradients travel in one message.
  struct Bucket {
    torch::Tensor flat;
    std::vector<size_t> slots;
    size_t missing = 0; ///< slots not filled yet (this step)
    Communicator::Pending pending;
  };

  void on_gradient(size_t slot, const torch::Tensor &incoming);
  void start_ready_buckets();
  void start(Bucket &bucket);

  std::shared_ptr<Communicator> communicator_;
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  /// The hooks fire on autograd's threads (one per device).
  std::mutex mutex_;
  bool armed_ = false;
  size_t next_to_start_ = 0; ///< buckets before it are on the wire
  int64_t started_in_backward_ = 0;
};

/// Copies rank `root`'s parameters and buffers into every other rank's
/// module, so all replicas start from the same weights.
void broadcast_module(Communicator &communicator, torch::nn::Module &module, int root = 0);

/// This rank's rows of each batch of `global`, a stream of global batches
/// (per-rank batch size x world size rows): rank r gets rows [r*b, (r+1)*b).
/// Every rank builds the same global stream (same data, same shuffling), so
/// together they see each global batch exactly once: the reference's
/// distributed sampler, without moving data between ranks.
///
/// The last batch of an epoch is usually short. Its B rows are split as
/// evenly as they go: the first B % world_size ranks get one row more. With
/// fewer rows than ranks some ranks get none; an evaluation stream allows
/// that (the rank skips the batch and its loss counts for nothing), a
/// training stream refuses it, since a rank without rows has no gradients
/// to average.
class RankShardStream final : public train::BatchStream {
public:
  enum class EmptyShare { Refuse, Allow };

  RankShardStream(std::shared_ptr<train::BatchStream> global, int rank, int world_size,
                  EmptyShare empty = EmptyShare::Refuse);

  data::Batch next() override;
  int64_t batches_per_epoch() const override { return global_->batches_per_epoch(); }
  int64_t examples_per_epoch() const override { return global_->examples_per_epoch() / world_size_; }
  std::string state() const override { return global_->state(); }
  void restore(const std::string &state) override { global_->restore(state); }
  void rewind() override { global_->rewind(); }

private:
  std::shared_ptr<train::BatchStream> global_;
  int rank_;
  int world_size_;
  EmptyShare empty_;
};

} // namespace fgrt::dist
