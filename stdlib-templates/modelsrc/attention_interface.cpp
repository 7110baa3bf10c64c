//===- attention_interface.cpp - Eager scaled dot-product attention -------===//
#include "attention_interface.hpp"

namespace fgcc::nn {

torch::Tensor repeat_kv(const torch::Tensor &x, int64_t n_rep) {
  if (n_rep == 1)
    return x;
  const int64_t batch = x.size(0), kv_heads = x.size(1), seq_len = x.size(2), d_head = x.size(3);
  // expand() + reshape() instead of repeat_interleave(): one copy, and the
  // same head order (each kv head's copies are adjacent).
  return x.unsqueeze(2)
      .expand({batch, kv_heads, n_rep, seq_len, d_head})
      .reshape({batch, kv_heads * n_rep, seq_len, d_head});
}

torch::Tensor eager_attention(const torch::Tensor &q, const torch::Tensor &k, const torch::Tensor &v,
                              const torch::Tensor &mask, double scale, double dropout, bool training) {
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4, "eager_attention: expected [B, H, T, D] tensors");
  TORCH_CHECK(q.size(1) == k.size(1) && k.size(1) == v.size(1),
              "eager_attention: q, k and v must have the same number of heads (repeat_kv first)");
  torch::Tensor scores = torch::matmul(q, k.transpose(2, 3)) * scale;
  if (mask.defined())
    scores = scores + mask.slice(-1, 0, k.size(2)).to(scores.scalar_type());
  // Softmax of half-precision scores overflows and loses the small
  // probabilities; run it in float32 (or wider) and cast back.
  torch::Tensor probs =
      torch::softmax(scores, -1, torch::promote_types(q.scalar_type(), torch::kFloat)).to(q.scalar_type());
  probs = torch::dropout(probs, dropout, training);
  return torch::matmul(probs, v).transpose(1, 2);
}

} // namespace fgcc::nn
