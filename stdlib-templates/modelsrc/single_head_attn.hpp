//===- single_head_attn.hpp - One-head attention with a merged QK matrix -*- C++ -*-===//
//
// The smallest attention of the reference, for toy models:
//
//   scores = x W_qk x^T / sqrt(d_model)      W_qk = query_key_linear.weight
//   probs  = clamp(softmax(causal(scores)), min = 1e-10)
//   out    = dropout(probs) value_linear(x)
//
// Queries and keys share one [d, d] matrix, so the score of a pair is a
// bilinear form of the two tokens; the linear's bias is not used. There is
// no output projection. The clamp keeps every probability, masked ones
// included, at 1e-10 or more, as the reference does.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

namespace fgcc::nn {

/// Options for `SingleHeadAttn`.
struct SingleHeadAttnOptions {
  /* implicit */ SingleHeadAttnOptions(int64_t d_model);

  /// Model width (the width of the single head).
  TORCH_ARG(int64_t, d_model);
  /// Whether the two linear layers have biases (the QK bias is unused).
  TORCH_ARG(bool, bias) = true;
  /// Dropout on the attention probabilities, in training only.
  TORCH_ARG(double, dropout) = 0.0;
};

/// Causal single-head self-attention.
class SingleHeadAttnImpl : public torch::nn::Cloneable<SingleHeadAttnImpl> {
public:
  explicit SingleHeadAttnImpl(const SingleHeadAttnOptions &options_);

  void reset() override;
  void pretty_print(std::ostream &stream) const override;

  /// `x` [B, T, d_model] -> [B, T, d_model]. `attn_mask` and
  /// `position_ids` are accepted for interface compatibility and ignored.
  torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &attn_mask = {},
                        const torch::Tensor &position_ids = {});

  SingleHeadAttnOptions options;
  torch::nn::Linear query_key_linear{nullptr};
  torch::nn::Linear value_linear{nullptr};

protected:
  FORWARD_HAS_DEFAULT_ARGS({1, torch::nn::AnyValue(torch::Tensor())}, {2, torch::nn::AnyValue(torch::Tensor())})
};

TORCH_MODULE(SingleHeadAttn);

namespace detail {

/// A bias-optional [d_model, d_model] linear, the shape of both matrices of
/// the single-head attentions.
torch::nn::Linear square_linear(int64_t d_model, bool bias);

/// The scores of the single-head attentions: x W x^T / sqrt(d_model), with
/// `query_key_weight` W [d, d] and `x` [B, T, d]; `attn_name` starts the
/// error for a misshapen x.
torch::Tensor bilinear_scores(const torch::Tensor &x, const torch::Tensor &query_key_weight, const char *attn_name);

/// `scores` [..., T, T] with -inf where the key comes after the query.
torch::Tensor mask_future(const torch::Tensor &scores);

} // namespace detail

} // namespace fgcc::nn
