//===- chunked_causal_loss.cpp - Next-token cross-entropy by vocabulary chunks -===//
#include "chunked_causal_loss.hpp"

#include "causal_loss.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace fgcc::nn {

namespace {

/// Calls `visit(begin, end)` for the column ranges [begin, end) of a
/// vocabulary of `vocab` columns cut into chunks of `chunk_size`.
template <typename Visit> void for_each_chunk(int64_t vocab, int64_t chunk_size, Visit visit) {
  for (int64_t begin = 0; begin < vocab; begin += chunk_size)
    visit(begin, std::min(vocab, begin + chunk_size));
}

/// Rejects a chunk size that would never advance through the vocabulary.
void check_chunk_size(int64_t chunk_size, const char *who) {
  if (chunk_size < 1)
    throw std::runtime_error(std::string(who) + ": chunk_size must be positive, got " + std::to_string(chunk_size));
}

/// The log-sum-exp of every row of `logits` [N, V], in two passes over the
/// chunks: the row maxima first, then the sums of exp(x - max).
torch::Tensor chunked_logsumexp(const torch::Tensor &logits, int64_t chunk_size) {
  const int64_t rows = logits.size(0), vocab = logits.size(1);
  torch::Tensor row_max = torch::full({rows}, -std::numeric_limits<double>::infinity(), logits.options());
  for_each_chunk(vocab, chunk_size, [&](int64_t begin, int64_t end) {
    row_max = torch::maximum(row_max, std::get<0>(logits.slice(1, begin, end).max(1)));
  });
  torch::Tensor sum = torch::zeros({rows}, logits.options());
  for_each_chunk(vocab, chunk_size, [&](int64_t begin, int64_t end) {
    sum += torch::exp(logits.slice(1, begin, end) - row_max.unsqueeze(1)).sum(1);
  });
  return row_max + torch::log(sum);
}

/// The cross-entropy with the chunked forward and backward. Its forward
/// runs without autograd (inside a Function), so no per-chunk softmax is
/// kept for backward.
class ChunkedCrossEntropy : public torch::autograd::Function<ChunkedCrossEntropy> {
public:
  static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &logits,
                               const torch::Tensor &targets, int64_t chunk_size, int64_t ignore_index) {
    torch::Tensor lse = chunked_logsumexp(logits, chunk_size);
    torch::Tensor kept = targets != ignore_index;
    // Ignored rows gather column 0 and are then zeroed by `kept`.
    torch::Tensor safe_targets = targets.masked_fill(~kept, 0);
    torch::Tensor target_logits = logits.gather(1, safe_targets.unsqueeze(1)).squeeze(1);
    torch::Tensor count = kept.sum().to(logits.scalar_type());
    ctx->save_for_backward({logits, safe_targets, kept, lse, count});
    ctx->saved_data["chunk_size"] = chunk_size;
    // 0 / 0 = NaN when every label is ignored, as F::cross_entropy gives.
    return ((lse - target_logits) * kept).sum() / count;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &logits = saved[0], &safe_targets = saved[1], &kept = saved[2], &lse = saved[3];
    const torch::Tensor &count = saved[4];
    const int64_t chunk_size = ctx->saved_data["chunk_size"].toInt();
    // Each kept row's softmax minus its one-hot target, scaled by the
    // incoming gradient over the number of kept rows; ignored rows get 0
    // (also when none is kept, where the scale would be 0 / 0).
    torch::Tensor scale = torch::where(kept, grad_outputs[0] / count, torch::zeros_like(lse));
    torch::Tensor grad = torch::empty_like(logits);
    for_each_chunk(logits.size(1), chunk_size, [&](int64_t begin, int64_t end) {
      grad.slice(1, begin, end).copy_(torch::exp(logits.slice(1, begin, end) - lse.unsqueeze(1)) * scale.unsqueeze(1));
    });
    grad.scatter_add_(1, safe_targets.unsqueeze(1), -scale.unsqueeze(1));
    return {grad, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

} // namespace

torch::Tensor chunked_cross_entropy(const torch::Tensor &predictions, const torch::Tensor &targets, int64_t chunk_size,
                                    int64_t ignore_index) {
  check_chunk_size(chunk_size, "chunked_cross_entropy");
  TORCH_CHECK(predictions.dim() == 2 && targets.dim() == 1 && predictions.size(0) == targets.size(0),
              "chunked_cross_entropy: expected predictions [N, V] and targets [N], got ", predictions.sizes(), " and ",
              targets.sizes());
  return ChunkedCrossEntropy::apply(predictions, targets.to(torch::kLong), chunk_size, ignore_index);
}

ChunkedCausalLossImpl::ChunkedCausalLossImpl(const ChunkedCausalLossOptions &options_) : options(options_) { reset(); }

void ChunkedCausalLossImpl::reset() { check_chunk_size(options.chunk_size(), "ChunkedCausalLoss"); }

void ChunkedCausalLossImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::ChunkedCausalLoss(chunk_size=" << options.chunk_size()
         << ", ignore_index=" << options.ignore_index() << ")";
}

torch::Tensor ChunkedCausalLossImpl::forward(const torch::Tensor &logits, const torch::Tensor &labels) {
  auto [predictions, targets] = detail::next_token_pairs(logits, labels, "ChunkedCausalLoss");
  return chunked_cross_entropy(predictions, targets, options.chunk_size(), options.ignore_index());
}

} // namespace fgcc::nn
