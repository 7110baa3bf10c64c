//===- causal_lm_stage.hpp - One pipeline stage of a causal LM --*- C++ -*-===//
//
// The part of a CausalLM one pipeline stage holds, built from the whole
// model's encoder and stack options (fgcc emits one builder per stage in
// model/stages/stage_<k>.cpp from the split of fgrt/dist/stage_split.hpp):
//
//   first stage   input_encoder + layers [a, b)          input ids -> hidden
//   middle stage  layers [a, b)                          hidden -> hidden
//   last stage    layers [a, b) + final norm + lm_head   hidden -> logits
//
// (one stage alone holds everything: input ids -> logits). The modules are
// registered under the whole model's names (`input_encoder.*`,
// `layer_stack.layers.<i>.*`, `layer_stack.layer_norm.*`, `lm_head.*`), so
// the stages' parameters together are the model's state dict, and a stage
// never builds another stage's modules.
//
// Every piece is built after seed_piece(init_seed, name), as the whole
// model of a pipeline config is, so the stages start from the whole
// model's weights (the single-process control) without any process holding
// them all. Each stage computes the attention mask from the position ids
// itself: the mask never travels between stages, as in the reference.
//
// A tied head (tie_word_embeddings) would put one matrix on two stages;
// fgcc refuses it for pipeline configs.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "input_encoder.hpp"
#include "layer_stack.hpp"

#include <torch/torch.h>

namespace fgcc::nn {

/// Options for `CausalLMStage`.
struct CausalLMStageOptions {
  CausalLMStageOptions(InputEncoderOptions input_encoder, LayerStackOptions layer_stack);

  /// The whole model's encoder: built by the first stage; its d_model and
  /// vocab_size size the head of the last.
  TORCH_ARG(InputEncoderOptions, input_encoder);
  /// The whole model's stack; its first_layer / end_layer select this
  /// stage's layers, and its final norm belongs to the last stage.
  TORCH_ARG(LayerStackOptions, layer_stack);
  /// This stage embeds the input ids (the first stage).
  TORCH_ARG(bool, input) = false;
  /// This stage ends in the final norm and the head (the last stage).
  TORCH_ARG(bool, output) = false;
  /// The model's attention window (CausalLMOptions::sliding_window).
  TORCH_ARG(c10::optional<int64_t>, sliding_window) = c10::nullopt;
  /// The seed every piece is built from (seed_piece); unset: each draws
  /// from the generator in turn.
  TORCH_ARG(c10::optional<int64_t>, init_seed) = c10::nullopt;
};

/// One pipeline stage of a decoder-only language model.
class CausalLMStageImpl : public torch::nn::Cloneable<CausalLMStageImpl> {
public:
  explicit CausalLMStageImpl(const CausalLMStageOptions &options_);

  void reset() override;
  void pretty_print(std::ostream &stream) const override;

  /// Input ids [B, T] (first stage) or hidden states [B, T, d_model] ->
  /// hidden states, or logits [B, T, vocab_size] on the last stage.
  /// `position_ids` [B, T] give positions and separate packed documents;
  /// `attention_mask` [B, T] marks padding (undefined: none).
  torch::Tensor forward(const torch::Tensor &input, const torch::Tensor &attention_mask = {},
                        const torch::Tensor &position_ids = {});

  CausalLMStageOptions options;
  InputEncoder input_encoder{nullptr}; ///< first stage only
  LayerStack layer_stack{nullptr};     ///< empty when the stage holds no layer and no norm
  torch::nn::Linear lm_head{nullptr};  ///< last stage only

protected:
  FORWARD_HAS_DEFAULT_ARGS({1, torch::nn::AnyValue(torch::Tensor())}, {2, torch::nn::AnyValue(torch::Tensor())})
};

TORCH_MODULE(CausalLMStage);

} // namespace fgcc::nn
