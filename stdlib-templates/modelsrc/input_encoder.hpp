//===- input_encoder.hpp - Token embedding of a language model -*- C++ -*-===//
//
//   h = dropout(positional_encoder(embedding(input_ids) * scale))
//
// scale is sqrt(d_model) when scale_sqrt_d_model is set (the vanilla
// causal_lm preset, paired with simple_weight_init's N(0, 1/sqrt(d))
// embeddings) and the explicit `scale` otherwise (1 for llama and deepone).
// The absolute position encoder is optional; models with RoPE or ALiBi have
// none, or say so with a NullPE.
//
// The position encoder is held type-erased (an AnyModule with
// forward(x, position_ids)), so that any encoder fits: SinusoidalPE, NullPE
// or one of a user's own. It is registered as `positional_encoder`, which
// keeps the reference's state-dict key `positional_encoder.weight` of the
// sinusoidal table.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

namespace fgcc::nn {

/// Options for `InputEncoder`.
struct InputEncoderOptions {
  InputEncoderOptions(int64_t d_model, int64_t vocab_size);

  /// Embedding width.
  TORCH_ARG(int64_t, d_model);
  /// Number of tokens in the vocabulary.
  TORCH_ARG(int64_t, vocab_size);
  /// Dropout on the encoded inputs, in training only (the config's
  /// embedding_dropout).
  TORCH_ARG(double, dropout) = 0.1;
  /// Absolute position encoding applied after scaling: a module with
  /// forward(x, position_ids) returning the encoded x, such as SinusoidalPE
  /// or NullPE; empty for none.
  TORCH_ARG(torch::nn::AnyModule, positional_encoder) = {};
  /// Multiplier of the embeddings, used unless scale_sqrt_d_model is set.
  TORCH_ARG(double, scale) = 1.0;
  /// Multiply the embeddings by sqrt(d_model) instead of `scale`.
  TORCH_ARG(bool, scale_sqrt_d_model) = false;
  /// Token id whose embedding row is kept at zero and gets no gradient
  /// (torch.nn.Embedding's padding_idx); unset for none.
  TORCH_ARG(c10::optional<int64_t>, padding_idx) = c10::nullopt;
};

/// Token embedding, scaling, optional absolute position encoding, dropout.
class InputEncoderImpl : public torch::nn::Cloneable<InputEncoderImpl> {
public:
  explicit InputEncoderImpl(const InputEncoderOptions &options_);

  void reset() override;
  void pretty_print(std::ostream &stream) const override;

  /// A deep copy, position encoder included (Cloneable::clone would share
  /// the one from the options between the original and the copy).
  std::shared_ptr<torch::nn::Module> clone(const c10::optional<torch::Device> &device = c10::nullopt) const override;

  /// `input_ids` [B, T] (integer) -> [B, T, d_model]. `position_ids`
  /// [B, T] goes to the positional encoder; undefined means 0 .. T-1.
  torch::Tensor forward(const torch::Tensor &input_ids, const torch::Tensor &position_ids = {});

  /// The multiplier actually applied to the embeddings.
  double effective_scale() const;

  /// Whether the positional encoder changes its input: false without one
  /// and for a NullPE.
  bool has_absolute_positions() const;

  InputEncoderOptions options;
  torch::nn::Embedding embedding{nullptr};
  /// The options' positional encoder, registered as a submodule so that its
  /// table is in the state dict; empty for none.
  torch::nn::AnyModule positional_encoder;
  torch::nn::Dropout dropout{nullptr};

protected:
  FORWARD_HAS_DEFAULT_ARGS({1, torch::nn::AnyValue(torch::Tensor())})
};

TORCH_MODULE(InputEncoder);

} // namespace fgcc::nn
