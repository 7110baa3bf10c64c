//===- causal_lm.hpp - Decoder-only causal language model ------*- C++ -*-===//
//
//   h      = input_encoder(input_ids, position_ids)
//   mask   = causal_mask(padding mask, documents of position_ids, window)
//   h      = layer_stack(h, mask, position_ids)
//   logits = lm_head(h)                  Linear(d_model, vocab), no bias
//
// The whole model of every preset; which preset it is depends only on the
// encoder and the layers it is given. With tie_word_embeddings the head
// multiplies by the embedding matrix itself: it then has no parameter of
// its own, so `lm_head.weight` is not listed and the shared matrix is
// trained (and saved) once, as `input_encoder.embedding.weight`.
//
// The reference splits this model in two, `causal_lm` (encoder and stack)
// and `lm_head` beside it; its state-dict keys are those of this module with
// `causal_lm.` in front of the encoder's and the stack's.
//
// init_weights picks how the freshly built model is initialised, so that a
// config can choose the reference's schemes (init_weights.hpp) by name:
//
//   default  every module keeps its constructor's init (LibTorch's defaults;
//            what the presets use)
//   simple   simple_weight_init        llama    llama_weight_init
//   deepnet  deepnet_weight_init       hf       hf_llama_weight_init
//
// As in the reference, the scheme walks the encoder and the layer stack
// only, so an untied head keeps LibTorch's default Linear init; with
// init_lm_head it is initialised too (the llama map then applies its
// lm_head rule). The scheme runs at the end of construction, after every
// constructor init, and draws from the default generator.
//
// forward_cached() is the incremental-decoding path (generation.hpp uses
// it): the input ids are the tokens after those already in a KVCache, the
// positions continue from the cache length, and the mask lets each new
// token see every cached one (see cached_causal_mask).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "causal_mask.hpp"
#include "input_encoder.hpp"
#include "kv_cache.hpp"
#include "layer_stack.hpp"

#include <torch/torch.h>

#include <string>

namespace fgcc::nn {

/// Options for `CausalLM`.
struct CausalLMOptions {
  CausalLMOptions(InputEncoder input_encoder, LayerStack layer_stack);

  /// Token embedding (with any absolute position encoding); its d_model and
  /// vocab_size also size the head.
  TORCH_ARG(InputEncoder, input_encoder);
  /// The transformer layers and the final norm.
  TORCH_ARG(LayerStack, layer_stack);
  /// Use the embedding matrix as the head's weight.
  TORCH_ARG(bool, tie_word_embeddings) = false;
  /// Restrict attention to the last `sliding_window` positions (mistral);
  /// unset for full causal attention.
  TORCH_ARG(c10::optional<int64_t>, sliding_window) = c10::nullopt;
  /// Weight-init scheme applied after construction, by name: "default"
  /// (keep the constructors' init), "simple", "llama", "deepnet" or "hf".
  TORCH_ARG(std::string, init_weights) = "default";
  /// Standard deviation of the "hf" scheme's normal weights.
  TORCH_ARG(double, init_std) = 0.02;
  /// DeepNet's beta for the "deepnet" scheme; unset means that of a
  /// decoder-only model of this depth, (8 num_hidden_layers)^(-1/4).
  TORCH_ARG(c10::optional<double>, init_beta) = c10::nullopt;
  /// Initialise an untied lm_head with the scheme too; by default it keeps
  /// LibTorch's Linear init, as the reference's head does.
  TORCH_ARG(bool, init_lm_head) = false;
  /// Build the head after seed_piece(init_seed, "lm_head"), as a pipeline
  /// stage builds it (causal_lm_stage.hpp); unset: it draws from the
  /// generator in turn.
  TORCH_ARG(c10::optional<int64_t>, init_seed) = c10::nullopt;
};

/// A decoder-only language model from input ids to next-token logits.
class CausalLMImpl : public torch::nn::Cloneable<CausalLMImpl> {
public:
  /// Throws std::runtime_error for an unknown init_weights scheme.
  explicit CausalLMImpl(const CausalLMOptions &options_);

  void reset() override;
  void pretty_print(std::ostream &stream) const override;

  /// A deep copy. The encoder and the stack come in through the options,
  /// so the generic Cloneable::clone would register the *original's*
  /// submodules in the copy and then overwrite them in place; this clones
  /// them first and builds the copy around the clones.
  std::shared_ptr<torch::nn::Module> clone(const c10::optional<torch::Device> &device = c10::nullopt) const override;

  /// `input_ids` [B, T] -> logits [B, T, vocab_size]. `attention_mask`
  /// [B, T] marks real tokens (nonzero) and padding (0); `position_ids`
  /// [B, T] gives positions, and their resets separate packed documents.
  torch::Tensor forward(const torch::Tensor &input_ids, const torch::Tensor &attention_mask = {},
                        const torch::Tensor &position_ids = {});

  /// The hidden states after the layer stack [B, T, d_model], for a fused
  /// head-and-loss or for inspection.
  torch::Tensor forward_hidden(const torch::Tensor &input_ids, const torch::Tensor &attention_mask = {},
                               const torch::Tensor &position_ids = {});

  /// Incremental decoding: `input_ids` [B, T] are the tokens after the
  /// T_past = cache.length() tokens in `cache`, whose keys and values every
  /// layer appends; returns their logits [B, T, vocab_size].
  /// `position_ids` [B, T] are absolute positions (default T_past ..
  /// T_past + T - 1; left-padded rows need their own). `attention_mask`
  /// [B, T_past + T] marks the real tokens of the cached and new part (HF's
  /// convention), undefined for none. Every attention block must support a
  /// KV cache (CausalMultiheadAttn does; ALiBi and single-head attention
  /// throw "does not support a KV cache"). Packed documents are not
  /// separated: a cache holds one sequence per row.
  torch::Tensor forward_cached(const torch::Tensor &input_ids, KVCache &cache, const torch::Tensor &position_ids = {},
                               const torch::Tensor &attention_mask = {});

  /// forward_cached() without the head: hidden states [B, T, d_model].
  torch::Tensor forward_hidden_cached(const torch::Tensor &input_ids, KVCache &cache,
                                      const torch::Tensor &position_ids = {}, const torch::Tensor &attention_mask = {});

  /// hidden [..., d_model] -> logits [..., vocab_size].
  torch::Tensor head(const torch::Tensor &hidden);

  /// Applies the options' init_weights scheme (again): construction calls
  /// it once. Draws from the default generator.
  void initialize_weights();

  CausalLMOptions options;
  InputEncoder input_encoder{nullptr};
  LayerStack layer_stack{nullptr};
  /// The output head; empty with tie_word_embeddings.
  torch::nn::Linear lm_head{nullptr};

protected:
  FORWARD_HAS_DEFAULT_ARGS({1, torch::nn::AnyValue(torch::Tensor())}, {2, torch::nn::AnyValue(torch::Tensor())})
};

TORCH_MODULE(CausalLM);

} // namespace fgcc::nn
