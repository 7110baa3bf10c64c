//===- data_parallel.hpp - What makes replicas train as one ------*- C++ -*-===//
//
// Data parallelism the way the reference's DDP trainer does it: every rank
// holds the whole model, takes its own rows of each global batch, and after
// the backward pass the gradients are averaged over the ranks, so every
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
#include <vector>

namespace fgrt::dist {

/// Averages gradients over the ranks in buckets: the gradients of about
/// `bucket_bytes` of parameters (one dtype per bucket) are flattened into
/// one buffer, every bucket's all-reduce runs concurrently, and the means are
/// copied back. Fewer, larger messages than one per parameter; 25 MiB is the
/// reference's (PyTorch DDP's) default.
class GradientAverager {
public:
  GradientAverager(std::shared_ptr<Communicator> communicator, std::vector<torch::Tensor> parameters,
                   int64_t bucket_bytes = int64_t(25) << 20);

  /// Replaces each defined gradient by its mean over the ranks. Parameters
  /// without a gradient are skipped (the same on every rank: the model's
  /// structure decides which parameters get none).
  void average();

  /// Buckets of the last average() (for tests and logs).
  int64_t bucket_count() const { return last_bucket_count_; }

private:
  std::shared_ptr<Communicator> communicator_;
  std::vector<torch::Tensor> parameters_;
  int64_t bucket_bytes_;
  int64_t last_bucket_count_ = 0;
};

/// Copies rank `root`'s parameters and buffers into every other rank's
/// module, so all replicas start from the same weights.
void broadcast_module(Communicator &communicator, torch::nn::Module &module, int root = 0);

/// This rank's rows of each batch of `global`, a stream of global batches
/// (per-rank batch size x world size rows): rank r gets rows [r*b, (r+1)*b).
/// Every rank builds the same global stream (same data, same shuffling), so
/// together they see each global batch exactly once: the reference's
/// distributed sampler, without moving data between ranks.
class RankShardStream final : public train::BatchStream {
public:
  RankShardStream(std::shared_ptr<train::BatchStream> global, int rank, int world_size);

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
};

} // namespace fgrt::dist
