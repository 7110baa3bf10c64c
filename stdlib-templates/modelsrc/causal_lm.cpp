//===- causal_lm.cpp - Decoder-only causal language model -----------------===//
#include "causal_lm.hpp"

#include "init_weights.hpp"
#include "module_utils.hpp"

#include <cmath>
#include <stdexcept>

namespace fgcc::nn {

namespace {

/// The names init_weights accepts.
const char *const kInitSchemes[] = {"default", "simple", "llama", "deepnet", "hf"};

/// Throws std::runtime_error unless `scheme` is one of kInitSchemes.
void check_init_scheme(const std::string &scheme) {
  std::string expected;
  for (const char *name : kInitSchemes) {
    if (scheme == name)
      return;
    expected += std::string(expected.empty() ? "" : ", ") + "'" + name + "'";
  }
  throw std::runtime_error("CausalLM: unknown init_weights '" + scheme + "' (expected one of " + expected + ")");
}

/// DeepNet's beta of a decoder-only stack of `num_layers`, (8N)^(-1/4):
/// deepnet_beta(N, 0) of deepnet.hpp, which is not included here so that
/// models without DeepNet layers do not carry deepnet.cpp along.
double decoder_only_beta(int64_t num_layers) { return std::pow(8.0 * static_cast<double>(num_layers), -0.25); }

} // namespace

CausalLMOptions::CausalLMOptions(InputEncoder input_encoder, LayerStack layer_stack)
    : input_encoder_(std::move(input_encoder)), layer_stack_(std::move(layer_stack)) {}

CausalLMImpl::CausalLMImpl(const CausalLMOptions &options_) : options(options_) { reset(); }

void CausalLMImpl::reset() {
  check_init_scheme(options.init_weights());
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
    if (options.init_seed())
      seed_piece(*options.init_seed(), "lm_head");
    lm_head = register_module(
        "lm_head", torch::nn::Linear(torch::nn::LinearOptions(enc.d_model(), enc.vocab_size()).bias(false)));
  }
  initialize_weights();
}

void CausalLMImpl::initialize_weights() {
  const std::string &scheme = options.init_weights();
  check_init_scheme(scheme);
  if (scheme == "default")
    return;
  // What the scheme walks, under the model's own names: the reference
  // initialises its inner model (encoder and stack) and not the head. A
  // shared_ptr, since Module::modules() hands out the module itself.
  auto target = std::make_shared<torch::nn::Module>();
  target->register_module("input_encoder", input_encoder.ptr());
  target->register_module("layer_stack", layer_stack.ptr());
  if (options.init_lm_head() && lm_head)
    target->register_module("lm_head", lm_head.ptr());
  const int64_t num_layers = static_cast<int64_t>(layer_stack->size());
  const InputEncoderOptions &enc = input_encoder->options;
  if (scheme == "simple")
    simple_weight_init(*target);
  else if (scheme == "llama")
    llama_weight_init(*target, num_layers, enc.d_model());
  else if (scheme == "deepnet")
    deepnet_weight_init(*target, options.init_beta().value_or(decoder_only_beta(num_layers)), enc.d_model(),
                        enc.padding_idx());
  else
    hf_llama_weight_init(*target, options.init_std());
}

void CausalLMImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::CausalLM(tie_word_embeddings=" << (options.tie_word_embeddings() ? "true" : "false")
         << ", init_weights=" << options.init_weights() << ")";
}

std::shared_ptr<torch::nn::Module> CausalLMImpl::clone(const c10::optional<torch::Device> &device) const {
  CausalLMOptions copy_options = options;
  copy_options.input_encoder(InputEncoder(std::dynamic_pointer_cast<InputEncoderImpl>(input_encoder->clone(device))));
  copy_options.layer_stack(LayerStack(std::dynamic_pointer_cast<LayerStackImpl>(layer_stack->clone(device))));
  // The copy takes this model's values below: initialising it would only
  // waste time and move the random generator.
  copy_options.init_weights("default");
  auto copy = std::make_shared<CausalLMImpl>(copy_options);
  copy->options.init_weights(options.init_weights());
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
