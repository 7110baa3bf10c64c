//===- causal_mask.hpp - Attention masks for causal language models -*- C++ -*-===//
//
// Builds the 4-D additive mask the attention modules add to their scores.
// Query i may attend to key j when all of these hold:
//
//   causal          j <= i
//   padding         padding_mask[b, j] != 0            (when given)
//   same document   doc[b, i] == doc[b, j]             (when position_ids given)
//   sliding window  i - j < sliding_window             (when set)
//
// Documents come from packed sequences: a new one starts wherever the
// position ids do not continue by +1 (a reset to 0, for instance), which is
// how HF detects packing. Masked entries hold the lowest finite value of the
// dtype rather than -inf, as HF's eager masks do, so a row with nothing to
// attend to (a padded query) gives a uniform softmax instead of NaN.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

namespace fgcc::nn {

/// Options of `causal_mask`.
struct CausalMaskOptions {
  /// Attend only to the last `sliding_window` positions, the query's own
  /// included; unset attends to the whole causal prefix.
  TORCH_ARG(c10::optional<int64_t>, sliding_window) = c10::nullopt;
};

/// Document index of every token [B, T]: 0 for the first document of a
/// row, counting up at every position id that is not its predecessor + 1.
torch::Tensor document_ids(const torch::Tensor &position_ids);

/// Which key each query may attend to: bool [B, T, T], true = attend.
/// `padding_mask` [B, T] (nonzero = real token) and `position_ids` [B, T]
/// are optional.
torch::Tensor allowed_attention(int64_t batch_size, int64_t seq_len, const CausalMaskOptions &options = {},
                                const torch::Tensor &padding_mask = {}, const torch::Tensor &position_ids = {},
                                torch::Device device = torch::kCPU);

/// The additive mask [B, 1, T, T] of `allowed_attention`: 0 where allowed,
/// the lowest finite value of the dtype elsewhere. `tensor_options` gives
/// the dtype (float32 by default) and the device.
torch::Tensor causal_mask(int64_t batch_size, int64_t seq_len, const CausalMaskOptions &options = {},
                          const torch::Tensor &padding_mask = {}, const torch::Tensor &position_ids = {},
                          torch::TensorOptions tensor_options = {});

/// The additive mask [B, 1, T, past_len + T] of `seq_len` new queries
/// after `past_len` cached tokens (incremental decoding with a KVCache):
/// the query at absolute position p = past_len + i may attend key j when
/// j <= p, p - j < sliding_window (when set) and `padding_mask` [B,
/// past_len + T] (optional, nonzero = real token) marks j as real. There are
/// no document boundaries: a cache holds one sequence per row.
torch::Tensor cached_causal_mask(int64_t batch_size, int64_t seq_len, int64_t past_len,
                                 const CausalMaskOptions &options = {}, const torch::Tensor &padding_mask = {},
                                 torch::TensorOptions tensor_options = {});

} // namespace fgcc::nn
