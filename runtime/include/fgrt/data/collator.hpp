//===- collator.hpp - Batching examples for causal LM training -*- C++ -*-===//
//
// DataCollatorForCausalLM turns a list of examples (token blocks) into the
// tensors of one training step, with the semantics of Forgather's collator
// of the same name (HF DataCollatorWithPadding plus causal labels):
//
//   truncation     each example cut to max_length first (right side)
//   padding        right side with pad_token_id (EOS when unset), to the
//                  longest example (kLongest) or to max_length (kMaxLength,
//                  static shapes for pipeline parallelism)
//   labels         input_ids with every pad-id token -> ignore_index (-100).
//                  The match is by value, as in the original: when PAD is
//                  EOS, real EOS tokens are ignored too.
//   position_ids   (packed_sequences) 0, 1, 2, ... restarting at each
//                  document start, so RoPE sees every document from 0;
//                  padding continues the last document's count
//   attention_mask (return_attention_mask) 1 for tokens, 0 for padding
//
// The shift for next-token prediction is left to the loss (CausalLoss
// shifts logits against labels), as with HF models.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/data/packing.hpp"

#include <c10/util/Optional.h>
#include <torch/arg.h>
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace fgrt::data {

/// The tensors of one training step; all are int64 and [batch, length].
struct Batch {
  /// Token ids, right-padded.
  torch::Tensor input_ids;
  /// input_ids with padding replaced by the ignore index.
  torch::Tensor labels;
  /// Positions that restart at each document start (only for packed
  /// sequences; undefined otherwise).
  torch::Tensor position_ids;
  /// 1 for real tokens, 0 for padding (only when requested; undefined
  /// otherwise).
  torch::Tensor attention_mask;
};

/// To which length a batch is padded.
enum class Padding {
  /// The longest example of the batch.
  kLongest,
  /// Always max_length (static shapes).
  kMaxLength,
};

/// Options of DataCollatorForCausalLM.
struct CollatorOptions {
  /// Pad to the longest example or to max_length.
  TORCH_ARG(Padding, padding) = Padding::kLongest;
  /// Length for Padding::kMaxLength and for truncation.
  TORCH_ARG(c10::optional<int64_t>, max_length) = c10::nullopt;
  /// Cut examples longer than max_length (right side) before padding.
  TORCH_ARG(bool, truncation) = false;
  /// The padding id; unset means eos_token_id (HF's fallback).
  TORCH_ARG(c10::optional<int64_t>, pad_token_id) = 1;
  /// The EOS id, used for padding when pad_token_id is unset.
  TORCH_ARG(int64_t, eos_token_id) = 2;
  /// Label value that the loss ignores (torch cross-entropy's default).
  TORCH_ARG(int64_t, ignore_index) = -100;
  /// Emit position_ids that restart at every document start.
  TORCH_ARG(bool, packed_sequences) = false;
  /// Emit an attention_mask (1 = token, 0 = padding).
  TORCH_ARG(bool, return_attention_mask) = false;
};

/// Pads, truncates and labels a list of examples into a Batch.
class DataCollatorForCausalLM {
public:
  /// Checks the options; throws std::runtime_error when padding to
  /// max_length or truncation is asked for without a positive max_length.
  explicit DataCollatorForCausalLM(const CollatorOptions &options = {});

  /// The batch of `examples` (at least one). Throws std::runtime_error when
  /// an example is longer than the fixed padding length and truncation is
  /// off, or its document_starts are not ascending offsets into it.
  Batch operator()(const std::vector<Example> &examples) const;

  /// The id used for padding (pad_token_id, or EOS when that is unset).
  int64_t pad_id() const { return options_.pad_token_id().value_or(options_.eos_token_id()); }

  /// The options this collator was built with.
  const CollatorOptions &options() const { return options_; }

private:
  int64_t padded_length(const std::vector<Example> &examples) const;
  int64_t kept_length(const Example &example) const;

  CollatorOptions options_;
};

/// Position ids [length] for one block: 0, 1, ... restarting at each entry
/// of `document_starts` below `length`, counting on through the padding.
std::vector<int64_t> packed_position_ids(const std::vector<int64_t> &document_starts, int64_t length);

} // namespace fgrt::data
