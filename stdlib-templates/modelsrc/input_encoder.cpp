//===- input_encoder.cpp - Token embedding of a language model ------------===//
#include "input_encoder.hpp"

#include "module_utils.hpp"
#include "null_pe.hpp"
#include "sinusoidal_pe.hpp"

#include <cmath>

namespace fgcc::nn {

InputEncoderOptions::InputEncoderOptions(int64_t d_model, int64_t vocab_size)
    : d_model_(d_model), vocab_size_(vocab_size) {}

InputEncoderImpl::InputEncoderImpl(const InputEncoderOptions &options_) : options(options_) { reset(); }

void InputEncoderImpl::reset() {
  torch::nn::EmbeddingOptions embedding_options(options.vocab_size(), options.d_model());
  if (options.padding_idx())
    embedding_options.padding_idx(*options.padding_idx());
  embedding = register_module("embedding", torch::nn::Embedding(embedding_options));
  positional_encoder = options.positional_encoder();
  if (!positional_encoder.is_empty()) {
    // Of the library's encoders only the sinusoidal table has a width to
    // check; a mismatch would otherwise surface as a broadcast error later.
    if (auto *sinusoidal = dynamic_cast<SinusoidalPEImpl *>(positional_encoder.ptr().get()))
      TORCH_CHECK(sinusoidal->options.d_model() == options.d_model(), "InputEncoder: the positional encoder's d_model ",
                  sinusoidal->options.d_model(), " differs from d_model ", options.d_model());
    register_module("positional_encoder", positional_encoder.ptr());
  }
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
}

void InputEncoderImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::InputEncoder(d_model=" << options.d_model() << ", vocab_size=" << options.vocab_size()
         << ", scale=" << effective_scale() << ", dropout=" << options.dropout() << ")";
}

std::shared_ptr<torch::nn::Module> InputEncoderImpl::clone(const c10::optional<torch::Device> &device) const {
  InputEncoderOptions copy_options = options;
  if (!positional_encoder.is_empty())
    copy_options.positional_encoder(positional_encoder.clone(device));
  auto copy = std::make_shared<InputEncoderImpl>(copy_options);
  copy_state(*this, *copy, device);
  copy->train(is_training());
  return copy;
}

double InputEncoderImpl::effective_scale() const {
  return options.scale_sqrt_d_model() ? std::sqrt(static_cast<double>(options.d_model())) : options.scale();
}

bool InputEncoderImpl::has_absolute_positions() const {
  return !positional_encoder.is_empty() && !dynamic_cast<NullPEImpl *>(positional_encoder.ptr().get());
}

torch::Tensor InputEncoderImpl::forward(const torch::Tensor &input_ids, const torch::Tensor &position_ids) {
  torch::Tensor x = embedding(input_ids);
  // Skipping the multiply for scale 1 keeps the graph (and the rounding)
  // identical to an unscaled embedding.
  if (effective_scale() != 1.0)
    x = x * effective_scale();
  if (!positional_encoder.is_empty())
    x = positional_encoder.forward(x, position_ids);
  return dropout(x);
}

} // namespace fgcc::nn
