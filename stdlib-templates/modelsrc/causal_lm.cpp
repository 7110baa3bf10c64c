//===- causal_lm.cpp - Decoder-only causal language model -----------------===//
#include "causal_lm.hpp"

#include "module_utils.hpp"

namespace fgcc::nn {

CausalLMOptions::CausalLMOptions(InputEncoder input_encoder, LayerStack layer_stack)
    : input_encoder_(std::move(input_encoder)), layer_stack_(std::move(layer_stack)) {}

CausalLMImpl::CausalLMImpl(const CausalLMOptions &options_) : options(options_) { reset(); }

void CausalLMImpl::reset() {
  TORCH_CHECK(!options.input_encoder().is_empty(), "CausalLM: no input_encoder");
  TORCH_CHECK(!options.layer_stack().is_empty(), "CausalLM: no layer_stack");
  // The encoder and the stack are registered as given, not copied: a config
  // singleton stays one object, and the caller's handles see the model's
  // parameters.
  input_encoder = register_module("input_encoder", options.input_encoder());
  layer_stack = register_module("layer_stack", options.layer_stack());
  lm_head = nullptr;
  // A tied head owns no weight; registering the embedding a second time
  // would list it twice in parameters() (and the optimizer would step it
  // twice).
  if (!options.tie_word_embeddings()) {
    const InputEncoderOptions &enc = input_encoder->options;
    lm_head = register_module(
        "lm_head", torch::nn::Linear(torch::nn::LinearOptions(enc.d_model(), enc.vocab_size()).bias(false)));
  }
}

void CausalLMImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::CausalLM(tie_word_embeddings=" << (options.tie_word_embeddings() ? "true" : "false") << ")";
}

std::shared_ptr<torch::nn::Module> CausalLMImpl::clone(const c10::optional<torch::Device> &device) const {
  CausalLMOptions copy_options = options;
  copy_options.input_encoder(InputEncoder(std::dynamic_pointer_cast<InputEncoderImpl>(input_encoder->clone(device))));
  copy_options.layer_stack(LayerStack(std::dynamic_pointer_cast<LayerStackImpl>(layer_stack->clone(device))));
  auto copy = std::make_shared<CausalLMImpl>(copy_options);
  copy_state(*this, *copy, device);
  copy->train(is_training());
  return copy;
}

torch::Tensor CausalLMImpl::forward_hidden(const torch::Tensor &input_ids, const torch::Tensor &attention_mask,
                                           const torch::Tensor &position_ids) {
  TORCH_CHECK(input_ids.dim() == 2, "CausalLM: input_ids must be [B, T], got ", input_ids.sizes());
  torch::Tensor h = input_encoder(input_ids, position_ids);
  // One mask for all layers, in the dtype of the activations so that the
  // attention adds it without a cast; the sliding window is a model-level
  // choice, like HF's config.sliding_window.
  torch::Tensor mask =
      causal_mask(input_ids.size(0), input_ids.size(1), CausalMaskOptions().sliding_window(options.sliding_window()),
                  attention_mask, position_ids, h.options().dtype(h.scalar_type()));
  return layer_stack(h, mask, position_ids);
}

torch::Tensor CausalLMImpl::forward_hidden_cached(const torch::Tensor &input_ids, KVCache &cache,
                                                  const torch::Tensor &position_ids,
                                                  const torch::Tensor &attention_mask) {
  TORCH_CHECK(input_ids.dim() == 2, "CausalLM: input_ids must be [B, T], got ", input_ids.sizes());
  const int64_t batch = input_ids.size(0), seq_len = input_ids.size(1), past = cache.length();
  // Explicit positions for the encoder and every layer alike: an absolute
  // position encoding (SinusoidalPE) must continue from the cache as RoPE
  // does.
  torch::Tensor positions =
      position_ids.defined()
          ? position_ids
          : torch::arange(past, past + seq_len, input_ids.options().dtype(torch::kLong)).expand({batch, seq_len});
  torch::Tensor h = input_encoder(input_ids, positions);
  torch::Tensor mask =
      cached_causal_mask(batch, seq_len, past, CausalMaskOptions().sliding_window(options.sliding_window()),
                         attention_mask, h.options().dtype(h.scalar_type()));
  return layer_stack->forward_cached(h, mask, positions, cache);
}

torch::Tensor CausalLMImpl::forward_cached(const torch::Tensor &input_ids, KVCache &cache,
                                           const torch::Tensor &position_ids, const torch::Tensor &attention_mask) {
  return head(forward_hidden_cached(input_ids, cache, position_ids, attention_mask));
}

torch::Tensor CausalLMImpl::head(const torch::Tensor &hidden) {
  if (options.tie_word_embeddings())
    return torch::nn::functional::linear(hidden, input_encoder->embedding->weight);
  return lm_head(hidden);
}

torch::Tensor CausalLMImpl::forward(const torch::Tensor &input_ids, const torch::Tensor &attention_mask,
                                    const torch::Tensor &position_ids) {
  return head(forward_hidden(input_ids, attention_mask, position_ids));
}

} // namespace fgcc::nn
