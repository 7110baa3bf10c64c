//===- textgen_callback.hpp - Sample text from prompts during training -*- C++ -*-===//
//
// The reference's TextgenCallback: at an evaluation, once every
// `generation_steps` steps, continue each prompt with the model being
// trained and show the results, one per prompt, as
//
//   <prompt> [START] <continuation>
//
// on the console (`eval-text: ...` lines) and in TensorBoard (the text entry
// `eval-text`, entries separated by `---`). A config adds it to the
// trainer's callbacks:
//
//   callbacks:
//       - !singleton:fgrt.train:TextgenCallback
//           prompts: ["Once upon a time", "The little dog"]
//           max_new_tokens: 20
//
// Generation is a plain autoregressive loop: the whole sequence goes through
// the model's forward for every new token (no KV cache; prompts are short),
// in eval mode and without gradients, then the model is put back in the
// mode it was in. Sampling applies the repetition penalty, then the
// temperature, top-k and top-p, as the reference's Hugging Face defaults do;
// temperature 0 takes the most likely token instead. Draws come from the
// callback's own generator, seeded afresh for each generation, so training
// sees the same random numbers (and losses) with and without the callback.
//
// It does nothing but print one note where it cannot work: in a pipeline
// run (no rank holds the whole model), or when the program made its own
// batches (no tokenizer). With several data-parallel ranks, rank 0
// generates and the others skip silently. An error while generating is
// printed as a note and ends this callback's generating, not the training.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/train/trainer.hpp"

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fgrt::train {

/// What TextgenCallback generates and how often.
struct TextgenCallbackOptions {
  /// The prompts, each continued on its own; at least one.
  TORCH_ARG(std::vector<std::string>, prompts) = {};
  /// Tokens generated per prompt at most (fewer when end-of-sequence comes).
  TORCH_ARG(int64_t, max_new_tokens) = 40;
  /// Generate at the first evaluation at or after every this many steps
  /// (evaluations set the pace: eval_steps is the shortest interval); 0: at
  /// every evaluation.
  TORCH_ARG(int64_t, generation_steps) = 2000;
  /// Softmax temperature of sampling; 0: greedy, the most likely token.
  TORCH_ARG(double, temperature) = 0.7;
  /// Sample among the k most likely tokens only; 0: among all.
  TORCH_ARG(int64_t, top_k) = 20;
  /// Sample among the fewest most likely tokens whose probabilities add up
  /// to top_p; 1: among all.
  TORCH_ARG(double, top_p) = 0.9;
  /// Logits of tokens already in the sequence (prompt included) are divided
  /// by this when positive and multiplied when negative; 1: no penalty.
  TORCH_ARG(double, repetition_penalty) = 1.15;
  /// Seed of the callback's own generator, reseeded at each generation (a
  /// resumed run samples as an uninterrupted one would).
  TORCH_ARG(int64_t, seed) = 42;
  /// End a continuation at the tokenizer's end-of-sequence token.
  TORCH_ARG(bool, stop_at_eos) = true;
};

/// The ids that continue `prompt_ids` (not included): at most
/// max_new_tokens, ending early at `eos_token_id` when stop_at_eos (the EOS
/// itself is left out). Calls `forward` on the whole sequence per token,
/// under NoGradGuard, with inputs on `device`; draws from `generator`.
std::vector<int64_t> generate_continuation(const ModelAccess::Forward &forward, const std::vector<int64_t> &prompt_ids,
                                           const TextgenCallbackOptions &options,
                                           std::optional<int64_t> eos_token_id, torch::Device device,
                                           torch::Generator &generator);

/// Generates text from prompts at evaluations (see the file comment).
class TextgenCallback : public TrainerCallback {
public:
  /// Throws std::invalid_argument naming the option when `options` cannot
  /// work (no prompts, max_new_tokens < 1, a negative temperature, ...).
  explicit TextgenCallback(TextgenCallbackOptions options);

  void on_model_ready(const ModelAccess &access) override;
  void on_evaluate(const TrainerState &state, TrainerControl &control, const Metrics &metrics) override;

  /// Every prompt continued now, as `<prompt> [START] <continuation>`;
  /// needs a model and a tokenizer from on_model_ready.
  std::vector<std::string> generate();

  const TextgenCallbackOptions &options() const { return options_; }

private:
  /// Prints why this callback will not generate and turns it off.
  void disable(const std::string &why);

  TextgenCallbackOptions options_;
  ModelAccess access_;
  bool enabled_ = false;
  /// The reference's next_gen_step: the first evaluation reached generates.
  int64_t next_generation_step_ = 0;
};

} // namespace fgrt::train
