//===- hf_llama.hpp - Hugging Face llama/mistral/qwen3 export and import -*- C++ -*-===//
//
// Converts a llama-family CausalLM (the llama, mistral and qwen3 presets) to
// and from the checkpoint layout of Hugging Face's LlamaForCausalLM,
// MistralForCausalLM and Qwen3ForCausalLM: a directory with `config.json`
// and `model.safetensors` (or, on import, a sharded checkpoint with
// `model.safetensors.index.json`).
//
// A model is llama-shaped when it is
//
//   input_encoder   embedding only (no positional encoder, scale 1)
//   layer_stack     PreLNLayer x N, final RMSNorm `layer_norm`
//     attention     CausalMultiheadAttn, no bias, RoPE, optional RMSNorm
//                   q_norm/k_norm (qwen3)
//     feedforward   GLUFeedforwardLayer with silu
//     norm1, norm2  RMSNorm with weights, one eps for every norm
//   lm_head         untied or tied to the embedding
//
// Parameter names map one to one (see the spec's section 1.11):
//
//   input_encoder.embedding.weight           model.embed_tokens.weight
//   layer_stack.layer_norm.weight            model.norm.weight
//   layer_stack.layers.N.attention.query_linear.weight   model.layers.N.self_attn.q_proj.weight
//     (key/value/output_linear -> k/v/o_proj; q_norm, k_norm keep their names)
//   layer_stack.layers.N.feedforward.X_proj.weight       model.layers.N.mlp.X_proj.weight
//   layer_stack.layers.N.norm1.weight        model.layers.N.input_layernorm.weight
//   layer_stack.layers.N.norm2.weight        model.layers.N.post_attention_layernorm.weight
//   lm_head.weight                           lm_head.weight (absent when tied)
//
// No query/key permutation is needed: fgcc's RotaryPE and HF's llama both
// rotate with rotate_half on the two halves of each head.
//
// Export writes the parameters' dtype, or the one asked for: float32 or
// bfloat16 (how HF checkpoints are usually shared, at half the size), and
// config.json's torch_dtype says which. Import converts whatever the
// checkpoint holds to the model's dtype, so a bfloat16 checkpoint loads
// into a float32 model (each weight exactly its bfloat16 value).
//
// The file depends on LibTorch, the model library and safetensors.hpp only
// (it is copied into generated model projects); the little JSON it reads
// (a shard index) is parsed by hand.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "causal_lm.hpp"

#include <map>
#include <string>

#include <torch/torch.h>

namespace fgcc::nn {

/// The HF state dict of a llama-shaped `model`: its parameters under HF's
/// names, detached, sharing storage with the model. Throws
/// std::runtime_error naming the module or parameter that makes the model
/// not llama-shaped (a LayerNorm, a bias, ALiBi attention, ...).
std::map<std::string, torch::Tensor> to_hf_llama_state(CausalLM &model);

/// Copies an HF llama/mistral/qwen3 state dict into `model` (converting the
/// dtype to the parameters'). Every parameter of the model must be present
/// with the same shape; rotary `inv_freq` buffers are ignored, as is a
/// redundant `lm_head.weight` of a tied model; any other tensor the model
/// has no place for is an error. Throws std::runtime_error listing every
/// missing, misshapen and unknown tensor; the model is unchanged then.
void load_hf_llama_state(CausalLM &model, const std::map<std::string, torch::Tensor> &hf);

/// The HF model_type for `model`: "qwen3" with QK-norm, else "mistral"
/// with a sliding window, else "llama".
std::string hf_llama_model_type(CausalLM &model);

/// HF's config.json for `model`, read from its modules' options.
/// `model_type` is "llama", "mistral" or "qwen3"; empty picks
/// hf_llama_model_type(). `dtype` is the torch_dtype of the weights (see
/// export_hf_llama); unset means the parameters'. Throws when the model
/// cannot be expressed as that type (QK-norm outside qwen3, a sliding
/// window in llama) or for a dtype other than float32 and bfloat16.
std::string hf_llama_config_json(CausalLM &model, const std::string &model_type = "",
                                 c10::optional<torch::ScalarType> dtype = c10::nullopt);

/// Writes `dir`/config.json and `dir`/model.safetensors (creating `dir`),
/// the weights in `dtype`: torch::kFloat or torch::kBFloat16 (rounded to
/// nearest even); unset keeps the parameters' dtype. config.json's
/// torch_dtype names the dtype written.
void export_hf_llama(CausalLM &model, const std::string &dir, const std::string &model_type = "",
                     c10::optional<torch::ScalarType> dtype = c10::nullopt);

/// The export dtype named `name`: "float32"/"f32" or "bfloat16"/"bf16", as a
/// command line or config would spell it. Throws std::runtime_error for
/// any other name.
torch::ScalarType hf_export_dtype(const std::string &name);

/// Loads `dir`/model.safetensors, or every shard named by
/// `dir`/model.safetensors.index.json, into `model` (load_hf_llama_state).
/// The model must already have the checkpoint's architecture: a
/// config.json beside the weights is compared with the model's own
/// (dimensions, rope_theta, rms_norm_eps, tying, sliding window; fields it
/// omits are skipped), and a difference is an error naming the field.
void import_hf_llama(CausalLM &model, const std::string &dir);

} // namespace fgcc::nn
