//===- throughput.hpp - Tokens per second, FLOPs, MFU ----------*- C++ -*-===//
//
// Throughput numbers for the logs:
//
// * tokens per second over a sliding window of the last `window_steps`
//   steps: (tokens of those steps) / (time from the end of the step before
//   them to the end of the last one), so one slow step (a checkpoint save,
//   an evaluation) leaves the figure after `window_steps` steps;
//
// * training FLOPs per token of a decoder-only transformer,
//
//     6 N + 12 L d T
//
//   with N the non-embedding parameters, L the layers, d the model width
//   and T the sequence length (the estimate of Kaplan et al. 2020 and the
//   PaLM paper's MFU appendix). A token goes through every weight matrix
//   once forward (2 FLOPs per weight: multiply and add) and twice backward
//   (gradients of the input and of the weight), hence 6 N; attention adds
//   the QK^T and attention-times-V products, 2 T d FLOPs each per token and
//   layer forward, times 3 with the backward pass: 12 L d T. The causal mask
//   is ignored (as in PaLM's formula), and embedding lookups, norms and the
//   softmax are not counted;
//
// * model FLOPs utilisation, MFU = achieved FLOP/s / peak FLOP/s, where the
//   achieved rate is FLOPs per token times tokens per second, and the peak
//   is the hardware's (set by the user: it depends on the device and dtype).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/train/logging/clock.hpp"

#include <torch/arg.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

namespace fgrt::train {

/// The dimensions the FLOPs estimate needs (see the file comment).
struct TransformerFlopsShape {
  /// Parameters outside the token (and position) embeddings: N.
  int64_t non_embedding_parameters = 0;
  /// Number of transformer layers: L.
  int64_t num_layers = 0;
  /// Model width (hidden size): d.
  int64_t hidden_size = 0;
  /// Tokens per training sequence: T.
  int64_t sequence_length = 0;
};

/// Training FLOPs per token, 6 N + 12 L d T. Throws std::runtime_error
/// naming the field when a dimension is negative.
double transformer_training_flops_per_token(const TransformerFlopsShape &shape);

/// achieved_flops_per_second / peak_flops_per_second. Throws
/// std::runtime_error unless the peak is > 0 and the achieved rate >= 0.
double model_flops_utilization(double achieved_flops_per_second, double peak_flops_per_second);

/// Options for `ThroughputMeter`.
struct ThroughputMeterOptions {
  /// Number of most recent steps the rate is measured over (>= 1).
  TORCH_ARG(int64_t, window_steps) = 20;
  /// Training FLOPs per token (e.g. transformer_training_flops_per_token());
  /// 0 when unknown, which leaves achieved FLOP/s and MFU unavailable.
  TORCH_ARG(double, flops_per_token) = 0.0;
  /// The device's peak FLOP/s for the training dtype; 0 when unknown, which
  /// leaves MFU unavailable.
  TORCH_ARG(double, peak_flops_per_second) = 0.0;
};

/// Measures tokens per second over a window of steps, and the FLOP/s and
/// MFU that follow from it (see the file comment).
class ThroughputMeter {
public:
  /// Starts measuring now, with the system clock. Throws std::runtime_error
  /// naming the option on a bad option value.
  explicit ThroughputMeter(ThroughputMeterOptions options = {});
  /// As above, with `clock`.
  explicit ThroughputMeter(WallClock clock, ThroughputMeterOptions options = {});

  /// Records that a step processing `tokens` tokens ended now.
  void record_step(int64_t tokens);
  /// Forgets the window and starts measuring again from now (after a pause
  /// that is not training, such as an evaluation); totals are kept.
  void restart_window();

  /// Tokens per second over the window; 0 before the first step, or when
  /// no time has passed.
  double tokens_per_second() const;
  /// flops_per_token x tokens_per_second(), when flops_per_token is known.
  std::optional<double> achieved_flops_per_second() const;
  /// model_flops_utilization() of the achieved rate, when both FLOPs per
  /// token and the peak are known.
  std::optional<double> mfu() const;
  /// Tokens of every recorded step since construction.
  int64_t total_tokens() const { return total_tokens_; }

private:
  ThroughputMeterOptions options_;
  WallClock clock_;
  /// (end time, tokens) of the window's steps, preceded by one entry whose
  /// time is where the window starts (its tokens are not counted).
  std::deque<std::pair<double, int64_t>> window_;
  int64_t total_tokens_ = 0;
};

} // namespace fgrt::train
