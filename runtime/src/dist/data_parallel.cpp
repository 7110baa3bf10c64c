//===- data_parallel.cpp - Gradient averaging, weight broadcast, shards ---===//
#include "fgrt/dist/data_parallel.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_set>

namespace fgrt::dist {

GradientAverager::GradientAverager(std::shared_ptr<Communicator> communicator, std::vector<torch::Tensor> parameters,
                                   int64_t bucket_bytes)
    : communicator_(std::move(communicator)) {
  if (!communicator_)
    throw std::invalid_argument("GradientAverager: no communicator");
  // Reverse order, each tensor once: a module lists a tied weight under each
  // of its names, but autograd gives the tensor one gradient.
  std::unordered_set<const c10::TensorImpl *> seen;
  for (auto p = parameters.rbegin(); p != parameters.rend(); ++p) {
    if (!p->requires_grad() || !seen.insert(p->unsafeGetTensorImpl()).second)
      continue;
    if (!p->is_leaf())
      throw std::invalid_argument("GradientAverager: a parameter is not a leaf tensor");
    slots_.push_back(Slot{*p});
  }

  // Fill buckets in that order, one open bucket per dtype and device; a
  // bucket closes once it holds bucket_bytes or more.
  std::vector<size_t> open;
  std::vector<int64_t> bytes;
  for (size_t s = 0; s < slots_.size(); ++s) {
    const torch::Tensor &p = slots_[s].parameter;
    auto same_kind = [&](size_t b) {
      const torch::Tensor &first = slots_[buckets_[b].slots.front()].parameter;
      return first.scalar_type() == p.scalar_type() && first.device() == p.device();
    };
    auto it = std::find_if(open.begin(), open.end(), same_kind);
    if (it == open.end() || bytes[*it] >= bucket_bytes) {
      buckets_.emplace_back();
      bytes.push_back(0);
      if (it == open.end())
        it = open.insert(open.end(), buckets_.size() - 1);
      else
        *it = buckets_.size() - 1;
    }
    buckets_[*it].slots.push_back(s);
    bytes[*it] += p.numel() * static_cast<int64_t>(p.element_size());
    slots_[s].bucket = *it;
  }

  // One flat buffer per bucket for the whole run (as much memory as the
  // gradients); each parameter's slot is a view of its part.
  for (Bucket &bucket : buckets_) {
    int64_t numel = 0;
    for (size_t s : bucket.slots)
      numel += slots_[s].parameter.numel();
    bucket.flat = torch::zeros({numel}, slots_[bucket.slots.front()].parameter.options().requires_grad(false));
    int64_t offset = 0;
    for (size_t s : bucket.slots) {
      Slot &slot = slots_[s];
      slot.view = bucket.flat.narrow(0, offset, slot.parameter.numel()).view(slot.parameter.sizes());
      offset += slot.parameter.numel();
    }
    bucket.missing = bucket.slots.size();
  }
  // One hook per parameter for the averager's life: registering per step
  // would grow LibTorch's hook list (remove_hook only blanks an entry).
  for (size_t s = 0; s < slots_.size(); ++s)
    slots_[s].hook = slots_[s].parameter.register_hook([this, s](const torch::Tensor &grad) { on_gradient(s, grad); });
}

GradientAverager::~GradientAverager() {
  // The hooks hold `this`; the parameters usually outlive the averager.
  for (Slot &slot : slots_)
    slot.parameter.remove_hook(slot.hook);
}

void GradientAverager::expect_final_backward() {
  std::lock_guard<std::mutex> lock(mutex_);
  armed_ = true;
}

void GradientAverager::on_gradient(size_t index, const torch::Tensor &incoming) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!armed_)
    return; // an earlier micro-step: autograd accumulates, nothing is sent
  Slot &slot = slots_[index];
  if (slot.filled)
    throw std::logic_error("GradientAverager: a parameter received a second gradient after "
                           "expect_final_backward(); arm only the last backward pass of a step");
  // This hook runs before autograd adds `incoming` into .grad (or makes it
  // .grad when there is none): the same addition, done here, gives the
  // final gradient bit for bit.
  torch::NoGradGuard no_grad;
  torch::Tensor accumulated = slot.parameter.grad();
  if (accumulated.defined())
    torch::add_out(slot.view, accumulated, incoming);
  else
    slot.view.copy_(incoming);
  slot.filled = true;
  if (--buckets_[slot.bucket].missing == 0)
    start_ready_buckets();
}

void GradientAverager::start_ready_buckets() {
  // In order only: every rank must issue the same collectives in the same
  // order, whatever order its hooks fired in.
  while (next_to_start_ < buckets_.size() && buckets_[next_to_start_].missing == 0)
    start(buckets_[next_to_start_++]);
}

void GradientAverager::start(Bucket &bucket) {
  // c10d holds the buffer until the sum is done; `one` may go.
  std::vector<torch::Tensor> one{bucket.flat};
  bucket.pending = communicator_->all_reduce_sum_async(one);
}

void GradientAverager::average() {
  std::lock_guard<std::mutex> lock(mutex_);
  torch::NoGradGuard no_grad;
  // Buckets start in order, so those before next_to_start_ went during
  // backward. The rest (all buckets when not armed) go from .grad; a
  // parameter without one contributes zeros, since the message has a fixed
  // layout.
  started_in_backward_ = static_cast<int64_t>(next_to_start_);
  for (; next_to_start_ < buckets_.size(); ++next_to_start_) {
    Bucket &bucket = buckets_[next_to_start_];
    for (size_t s : bucket.slots) {
      Slot &slot = slots_[s];
      if (slot.filled)
        continue;
      torch::Tensor grad = slot.parameter.grad();
      if (grad.defined())
        slot.view.copy_(grad);
      else
        slot.view.zero_();
    }
    start(bucket);
  }

  // The means back into .grad, and every bucket reset for the next step.
  const double inverse = 1.0 / static_cast<double>(communicator_->world_size());
  for (Bucket &bucket : buckets_) {
    bucket.pending.wait();
    bucket.flat.mul_(inverse);
    for (size_t s : bucket.slots) {
      Slot &slot = slots_[s];
      torch::Tensor grad = slot.parameter.grad();
      if (grad.defined())
        grad.copy_(slot.view);
      slot.filled = false;
    }
    bucket.missing = bucket.slots.size();
  }
  armed_ = false;
  next_to_start_ = 0;
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

RankShardStream::RankShardStream(std::shared_ptr<train::BatchStream> global, int rank, int world_size,
                                 EmptyShare empty)
    : global_(std::move(global)), rank_(rank), world_size_(world_size), empty_(empty) {
  if (!global_ || world_size_ < 1 || rank_ < 0 || rank_ >= world_size_)
    throw std::invalid_argument("RankShardStream: bad rank " + std::to_string(rank_) + " of " +
                                std::to_string(world_size_));
}

data::Batch RankShardStream::next() {
  data::Batch batch = global_->next();
  int64_t rows = batch.input_ids.size(0);
  // An even split gives every rank rows/world_size rows; a short batch gives
  // the remainder to the first ranks, one row each.
  int64_t base = rows / world_size_, extra = rows % world_size_;
  int64_t count = base + (rank_ < extra ? 1 : 0);
  int64_t first = rank_ * base + std::min<int64_t>(rank_, extra);
  if (count == 0 && empty_ == EmptyShare::Refuse)
    throw std::runtime_error("a global batch of " + std::to_string(rows) + " rows leaves rank " +
                             std::to_string(rank_) + " of " + std::to_string(world_size_) +
                             " without rows: the last batch of an epoch is short, and a rank without rows would have no "
                             "gradients to average");
  auto mine = [&](const torch::Tensor &t) { return t.defined() ? t.narrow(0, first, count).contiguous() : t; };
  return data::Batch{mine(batch.input_ids), mine(batch.labels), mine(batch.position_ids), mine(batch.attention_mask)};
}

} // namespace fgrt::dist
