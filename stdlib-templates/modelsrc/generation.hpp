//===- generation.hpp - Text generation: logits processing and sampling -*- C++ -*-===//
//
// generate() continues a batch of prompts with a CausalLM, the way HF's
// GenerationMixin.generate does for greedy search and multinomial sampling
// (what the reference's TextgenCallback and inference use):
//
//   prefill   one forward over the whole prompt fills a KVCache
//   step      the last position's logits (float32) go through the logits
//             processors, a token is picked and appended, and only that
//             token is fed to the next forward, with the cache
//   stop      after max_new_tokens, or when every row has produced
//             eos_token_id; finished rows get pad_token_id from then on
//
// The processors are HF's, in HF's order and with HF's semantics (each is
// also a function here, for tests and for custom loops):
//
//   repetition_penalty   a token already in the sequence (prompt included)
//                        has its logit divided by the penalty when positive,
//                        multiplied when negative
//   temperature          logits / temperature                  (sampling only)
//   top_k                all but the k largest logits -> -inf  (sampling only)
//   top_p                all but the smallest set of tokens whose
//                        probability reaches top_p -> -inf     (sampling only)
//
// Greedy search takes the argmax of the processed logits (the first one on
// a tie); sampling draws from their softmax with torch::multinomial, from
// the generator given in the options or else the default one, so that a
// seed (torch::manual_seed, or a seeded torch::Generator) makes it
// reproducible.
//
// Unlike HF's GenerationConfig, whose top_k defaults to 50, every
// processor here is off unless asked for.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "causal_lm.hpp"

#include <torch/torch.h>

#include <vector>

namespace fgcc::nn {

/// Options of `generate` (HF's GenerationConfig fields of the same names).
struct GenerationOptions {
  /// The most tokens to append to each prompt.
  TORCH_ARG(int64_t, max_new_tokens) = 20;
  /// Sample from the processed distribution; false picks the most likely
  /// token (greedy search), and temperature, top_k and top_p are ignored.
  TORCH_ARG(bool, do_sample) = false;
  /// Divides the logits before sampling; below 1 sharpens, above 1
  /// flattens. Must be positive.
  TORCH_ARG(double, temperature) = 1.0;
  /// Sample only among the top_k most likely tokens (ties with the k-th
  /// included); 0 disables.
  TORCH_ARG(int64_t, top_k) = 0;
  /// Sample only among the most likely tokens whose probabilities add up to
  /// top_p (nucleus sampling); 1 disables.
  TORCH_ARG(double, top_p) = 1.0;
  /// Penalty for tokens already in the sequence (1.15 in the reference's
  /// TextgenCallback); 1 disables. Must be positive.
  TORCH_ARG(double, repetition_penalty) = 1.0;
  /// top_k and top_p never keep fewer tokens than this.
  TORCH_ARG(int64_t, min_tokens_to_keep) = 1;
  /// A row is finished once it has produced this token; unset: rows run to
  /// max_new_tokens.
  TORCH_ARG(c10::optional<int64_t>, eos_token_id) = c10::nullopt;
  /// What finished rows get in place of new tokens; unset means
  /// eos_token_id.
  TORCH_ARG(c10::optional<int64_t>, pad_token_id) = c10::nullopt;
  /// Decode incrementally with a KVCache; false recomputes the whole
  /// sequence at every step (same tokens, for models without a cache such
  /// as ALiBi ones).
  TORCH_ARG(bool, use_cache) = true;
  /// Keep each step's raw logits in GenerationOutput::logits.
  TORCH_ARG(bool, output_logits) = false;
  /// The random generator sampling draws from; unset: the default CPU (or
  /// device) generator, which torch::manual_seed seeds.
  TORCH_ARG(c10::optional<at::Generator>, generator) = c10::nullopt;
};

/// What `generate` returns.
struct GenerationOutput {
  /// The prompts followed by the new tokens, [B, T_prompt + steps].
  torch::Tensor sequences;
  /// With output_logits, the logits of each step before processing, one
  /// [B, vocab_size] float32 tensor per new token.
  std::vector<torch::Tensor> logits;
};

/// Continues the prompts `input_ids` [B, T] with `model` (see the file
/// comment). `attention_mask` [B, T] marks real prompt tokens (nonzero)
/// and left padding (0), for prompts of different lengths; positions then
/// count real tokens only, as HF does. Runs without autograd and in the
/// model's current mode (call model->eval() first, or dropout samples too).
GenerationOutput generate(CausalLMImpl &model, const torch::Tensor &input_ids, const GenerationOptions &options = {},
                          const torch::Tensor &attention_mask = {});
/// generate() for a module holder.
GenerationOutput generate(CausalLM &model, const torch::Tensor &input_ids, const GenerationOptions &options = {},
                          const torch::Tensor &attention_mask = {});

//===--- Logits processors (HF semantics) -----------------------------------===//

/// HF's RepetitionPenaltyLogitsProcessor: for every token in `input_ids`
/// [B, T] (the whole sequence so far), its score in `scores` [B, V] is
/// divided by `penalty` when positive and multiplied by it when negative.
torch::Tensor apply_repetition_penalty(const torch::Tensor &scores, const torch::Tensor &input_ids, double penalty);

/// HF's TemperatureLogitsWarper: scores / temperature.
torch::Tensor apply_temperature(const torch::Tensor &scores, double temperature);

/// HF's TopKLogitsWarper: scores below the k-th largest of their row become
/// -inf, k = min(max(top_k, min_tokens_to_keep), V); ties with the k-th
/// stay.
torch::Tensor top_k_filter(const torch::Tensor &scores, int64_t top_k, int64_t min_tokens_to_keep = 1);

/// HF's TopPLogitsWarper: with the row sorted in ascending order, tokens
/// whose cumulative probability is at most 1 - top_p become -inf, except
/// the min_tokens_to_keep most likely ones.
torch::Tensor top_p_filter(const torch::Tensor &scores, double top_p, int64_t min_tokens_to_keep = 1);

/// The processors `options` asks for, in HF's order: repetition penalty,
/// then (when sampling) temperature, top-k and top-p. `scores` [B, V],
/// `input_ids` [B, T] the sequences so far.
torch::Tensor process_logits(const torch::Tensor &scores, const torch::Tensor &input_ids,
                             const GenerationOptions &options);

/// The next token of each row [B] from processed scores [B, V]: the argmax,
/// or a draw from their softmax when options.do_sample.
torch::Tensor select_next_tokens(const torch::Tensor &scores, const GenerationOptions &options);

} // namespace fgcc::nn
