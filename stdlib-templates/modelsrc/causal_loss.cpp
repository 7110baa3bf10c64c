//===- causal_loss.cpp - Next-token cross-entropy -------------------------===//
#include "causal_loss.hpp"

namespace fgcc::nn {

CausalLossImpl::CausalLossImpl(const CausalLossOptions &options_) : options(options_) {}

void CausalLossImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::CausalLoss(ignore_index=" << options.ignore_index() << ")";
}

torch::Tensor CausalLossImpl::forward(const torch::Tensor &logits, const torch::Tensor &labels) {
  TORCH_CHECK(logits.dim() == 3 && labels.dim() == 2 && logits.size(0) == labels.size(0) &&
                  logits.size(1) == labels.size(1),
              "CausalLoss: expected logits [B, T, V] and labels [B, T], got ", logits.sizes(), " and ", labels.sizes());
  const int64_t vocab = logits.size(2);
  // Position t predicts label t + 1: drop the last logit and the first label.
  torch::Tensor predictions = logits.slice(1, 0, -1).reshape({-1, vocab});
  predictions = predictions.to(torch::promote_types(predictions.scalar_type(), torch::kFloat));
  torch::Tensor targets = labels.slice(1, 1).reshape({-1}).to(torch::kLong);
  namespace F = torch::nn::functional;
  return F::cross_entropy(predictions, targets, F::CrossEntropyFuncOptions().ignore_index(options.ignore_index()));
}

} // namespace fgcc::nn
