//===- builders.hpp - Model components from JSON test configs --*- C++ -*-===//
//
// Every harness case describes its component as a JSON config, which is
// saved with the case; test/reference/check_models.py builds the PyTorch
// reference from the same config. Building the C++ side from that JSON too
// keeps one source of truth for what each case tests.
//
// Config vocabulary (keys are the options of the components):
//
//   norm         {"type": "LayerNorm" | "RMSNorm", "size", "eps"}
//   rope         RotaryPE options, "rope_scaling" null or an object
//   attention    {"type": "CausalMultiheadAttn" | "CausalAlibiAttn" |
//                 "SingleHeadAttn" | "SingleHeadAlibiAttn", options...,
//                 "qk_norm": null | norm,
//                 "rope": null | rope}
//   feedforward  {"type": "FeedforwardLayer" | "GLUFeedforwardLayer", options...}
//   layer        {"type": "PreLNLayer" | "PostLNLayer" | "DeepnetLayer",
//                 "dropout", "residual_dropout", "alpha", "norm",
//                 "attention", "feedforward"}
//   pe           {"type": "SinusoidalPE" (the default), "max_sequence_length"}
//                 | {"type": "NullPE"}
//   model        {"input_encoder": {..., "positional_encoder": null | pe},
//                 "layer", "num_hidden_layers" (or "layers": a list of
//                 layer configs, one per layer, for a heterogeneous stack),
//                 "post_norm": null | norm, "tie_word_embeddings",
//                 "sliding_window": null | int, and optionally
//                 "init_weights", "init_std", "init_beta", "init_lm_head"}
//
//===----------------------------------------------------------------------===//
#pragma once

#include "causal_lm.hpp"
#include "rotary_embeddings.hpp"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace fgcc::models_test {

using json = nlohmann::json;

torch::nn::AnyModule build_norm(const json &config);
nn::RotaryPE build_rope(const json &config);
/// `rope` is the model's shared RotaryPE (empty for none); a standalone
/// attention config builds its own from its "rope" entry.
torch::nn::AnyModule build_attention(const json &config, nn::RotaryPE rope = nullptr);
torch::nn::AnyModule build_feedforward(const json &config);
torch::nn::AnyModule build_layer(const json &config, nn::RotaryPE rope = nullptr);
/// A positional encoder of width `d_model` from a "pe" config.
torch::nn::AnyModule build_positional_encoder(const json &config, int64_t d_model);
nn::InputEncoder build_input_encoder(const json &config);
/// `checkpoint` turns activation checkpointing on in the layer stack.
nn::CausalLM build_causal_lm(const json &config, bool checkpoint = false);

} // namespace fgcc::models_test
