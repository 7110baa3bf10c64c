//===- rotary_embeddings.hpp - Rotary position embeddings ------*- C++ -*-===//
//
// RoPE rotates each query and key by an angle proportional to its position,
// so that their dot product depends only on the relative distance:
//
//   inv_freq[i] = theta^(-2i/d_head)                    i = 0 .. d_head/2-1
//   cos, sin    = cos/sin(pos * cat(inv_freq, inv_freq)) [max_pos, d_head]
//   q'          = q * cos + rotate_half(q) * sin,  rotate_half(x) = cat(-x2, x1)
//
// This is the "rotate_half" (GPT-NeoX, HF) layout: the two halves of the head
// form the pairs, not adjacent features. The tables are computed once, in
// float32, and rows are gathered by position id, which supports packed
// sequences and positions that do not start at zero.
//
// One RotaryPE is shared by every attention layer of a model (a config
// singleton). It has no parameters, and its tables are plain members rather
// than buffers, so that it never appears in a state dict, like the
// reference's non-module object; they follow the device of the queries.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <string>
#include <tuple>

namespace fgcc::nn {

/// Llama-3 frequency scaling for longer contexts: long wavelengths are
/// slowed down by `factor`, short ones kept, and the band between is
/// interpolated (the `rope_scaling` dictionary of HF configs).
struct RopeScaling {
  /// "llama3" applies the scaling; "default" leaves the frequencies as they are.
  TORCH_ARG(std::string, rope_type) = "llama3";
  /// How much the low frequencies are divided by.
  TORCH_ARG(double, factor) = 8.0;
  /// Wavelengths longer than original_max_position_embeddings / low_freq_factor
  /// are fully scaled.
  TORCH_ARG(double, low_freq_factor) = 1.0;
  /// Wavelengths shorter than original_max_position_embeddings / high_freq_factor
  /// are left unchanged.
  TORCH_ARG(double, high_freq_factor) = 4.0;
  /// The context length the model was trained with before scaling.
  TORCH_ARG(int64_t, original_max_position_embeddings) = 8192;
};

/// Options for `RotaryPE`.
struct RotaryPEOptions {
  RotaryPEOptions(int64_t hidden_size, int64_t num_attention_heads);

  /// Model width; the rotated head width is hidden_size / num_attention_heads.
  TORCH_ARG(int64_t, hidden_size);
  /// Number of query heads.
  TORCH_ARG(int64_t, num_attention_heads);
  /// Rows of the cached cos/sin tables: the largest position id plus one.
  TORCH_ARG(int64_t, max_position_embeddings) = 2048;
  /// Base of the geometric frequency progression (10000 for llama 2,
  /// 500000 for llama 3.2, 1e6 for qwen3).
  TORCH_ARG(double, rope_theta) = 10000.0;
  /// Optional llama-3 frequency scaling.
  TORCH_ARG(c10::optional<RopeScaling>, rope_scaling) = c10::nullopt;
};

/// Rotary position embeddings for queries and keys in [B, T, H, d_head]
/// layout (before heads are moved to dimension 1).
class RotaryPEImpl : public torch::nn::Cloneable<RotaryPEImpl> {
public:
  explicit RotaryPEImpl(const RotaryPEOptions &options_);

  void reset() override;
  void pretty_print(std::ostream &stream) const override;

  /// Rotates `q` [B, T, Hq, D] and `k` [B, T, Hk, D]. `position_ids` [B, T]
  /// (integer) selects the table rows; undefined means 0 .. T-1.
  std::tuple<torch::Tensor, torch::Tensor> forward(const torch::Tensor &q, const torch::Tensor &k,
                                                   const torch::Tensor &position_ids = {});

  /// Rotates one tensor [B, T, H, D].
  torch::Tensor rotate(const torch::Tensor &x, const torch::Tensor &position_ids = {});

  /// The per-pair frequencies [d_head / 2] after any scaling.
  const torch::Tensor &inv_freq() const { return inv_freq_; }
  /// The cached tables [max_position_embeddings, d_head], float32.
  const torch::Tensor &cos_table() const { return cos_; }
  const torch::Tensor &sin_table() const { return sin_; }

  RotaryPEOptions options;

private:
  /// cos and sin rows for the positions of `x`, shaped to broadcast over
  /// heads ([1 or B, T, 1, D]) and cast to its dtype.
  std::tuple<torch::Tensor, torch::Tensor> tables_for(const torch::Tensor &x, const torch::Tensor &position_ids);

  torch::Tensor inv_freq_;
  torch::Tensor cos_;
  torch::Tensor sin_;
};

TORCH_MODULE(RotaryPE);

/// theta^(-2i/d_head) for i < d_head/2, in float32.
torch::Tensor rope_inverse_frequencies(int64_t d_head, double theta);

/// Applies llama-3 scaling to `inv_freq` (rope_type "default" returns it unchanged).
torch::Tensor rope_llama3_scaling(const torch::Tensor &inv_freq, const RopeScaling &scaling);

/// cat(-x2, x1) over the last dimension, whose halves are x1 and x2.
torch::Tensor rotate_half(const torch::Tensor &x);

} // namespace fgcc::nn
