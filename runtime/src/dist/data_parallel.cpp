//===- data_parallel.cpp - Gradient averaging, weight broadcast, shards ---===//
#include "fgrt/dist/data_parallel.hpp"

#include <map>
#include <stdexcept>

namespace fgrt::dist {

GradientAverager::GradientAverager(std::shared_ptr<Communicator> communicator, std::vector<torch::Tensor> parameters,
                                   int64_t bucket_bytes)
    : communicator_(std::move(communicator)), parameters_(std::move(parameters)), bucket_bytes_(bucket_bytes) {
  if (!communicator_)
    throw std::invalid_argument("GradientAverager: no communicator");
}

void GradientAverager::average() {
  // Buckets in parameter order, one dtype each (a flat buffer has one dtype).
  std::vector<std::vector<torch::Tensor>> buckets;
  std::map<torch::Dtype, size_t> open; // dtype -> index of its bucket being filled
  std::vector<int64_t> bytes;
  for (const torch::Tensor &p : parameters_) {
    torch::Tensor grad = p.grad();
    if (!grad.defined())
      continue;
    auto it = open.find(grad.scalar_type());
    if (it == open.end() || bytes[it->second] >= bucket_bytes_) {
      buckets.emplace_back();
      bytes.push_back(0);
      it = open.insert_or_assign(grad.scalar_type(), buckets.size() - 1).first;
    }
    buckets[it->second].push_back(grad);
    bytes[it->second] += grad.numel() * static_cast<int64_t>(grad.element_size());
  }
  last_bucket_count_ = static_cast<int64_t>(buckets.size());

  std::vector<torch::Tensor> flat;
  for (const auto &bucket : buckets) {
    std::vector<torch::Tensor> pieces;
    for (const torch::Tensor &g : bucket)
      pieces.push_back(g.reshape({-1}));
    flat.push_back(torch::cat(pieces));
  }
  communicator_->all_reduce_sum_async(flat).wait();

  const double inverse = 1.0 / static_cast<double>(communicator_->world_size());
  torch::NoGradGuard no_grad;
  for (size_t b = 0; b < buckets.size(); ++b) {
    flat[b].mul_(inverse);
    int64_t offset = 0;
    for (torch::Tensor &g : buckets[b]) {
      g.copy_(flat[b].narrow(0, offset, g.numel()).view_as(g));
      offset += g.numel();
    }
  }
}

void broadcast_module(Communicator &communicator, torch::nn::Module &module, int root) {
  std::vector<torch::Tensor> tensors;
  for (const auto &p : module.named_parameters())
    tensors.push_back(p.value());
  for (const auto &b : module.named_buffers())
    tensors.push_back(b.value());
  torch::NoGradGuard no_grad;
  communicator.broadcast(tensors, root);
}

RankShardStream::RankShardStream(std::shared_ptr<train::BatchStream> global, int rank, int world_size)
    : global_(std::move(global)), rank_(rank), world_size_(world_size) {
  if (!global_ || world_size_ < 1 || rank_ < 0 || rank_ >= world_size_)
    throw std::invalid_argument("RankShardStream: bad rank " + std::to_string(rank_) + " of " +
                                std::to_string(world_size_));
}

data::Batch RankShardStream::next() {
  data::Batch batch = global_->next();
  int64_t rows = batch.input_ids.size(0);
  if (rows % world_size_ != 0)
    throw std::runtime_error("a global batch of " + std::to_string(rows) + " rows does not split over " +
                             std::to_string(world_size_) + " ranks");
  int64_t per_rank = rows / world_size_;
  auto mine = [&](const torch::Tensor &t) {
    return t.defined() ? t.narrow(0, rank_ * per_rank, per_rank).contiguous() : t;
  };
  return data::Batch{mine(batch.input_ids), mine(batch.labels), mine(batch.position_ids), mine(batch.attention_mask)};
}

} // namespace fgrt::dist
