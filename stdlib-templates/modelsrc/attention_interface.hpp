//===- attention_interface.hpp - Eager scaled dot-product attention -*- C++ -*-===//
//
// The attention kernel shared by the attention modules. LibTorch 1.13 has no
// public scaled_dot_product_attention (only a private op without `scale` or
// grouped-query support), so this is the reference's "eager" path written
// out in ATen operations:
//
//   scores = q k^T * scale + mask      softmax in float32, cast back
//   out    = dropout(probs) v          transposed to [B, T, H, D]
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

namespace fgcc::nn {

/// Repeats every key/value head `n_rep` times along dimension 1:
/// [B, Hkv, T, D] -> [B, Hkv * n_rep, T, D]. Query head h then reads
/// key/value head h / n_rep (grouped-query attention, HF's repeat_kv).
torch::Tensor repeat_kv(const torch::Tensor &x, int64_t n_rep);

/// Attention of `q` [B, H, Tq, D] over `k`, `v` [B, H, Tk, D] (already
/// repeated to H heads). `mask` is an additive float mask broadcastable to
/// [B, H, Tq, >=Tk], sliced to the key length, or undefined for none.
/// Softmax runs in at least float32; `dropout` applies to the
/// probabilities when `training`. Returns [B, Tq, H, D].
torch::Tensor eager_attention(const torch::Tensor &q, const torch::Tensor &k, const torch::Tensor &v,
                              const torch::Tensor &mask, double scale, double dropout, bool training);

} // namespace fgcc::nn
