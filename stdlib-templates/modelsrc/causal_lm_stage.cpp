//===- causal_lm_stage.cpp - One pipeline stage of a causal LM ------------===//
#include "causal_lm_stage.hpp"

#include "causal_mask.hpp"
#include "module_utils.hpp"

namespace fgcc::nn {

CausalLMStageOptions::CausalLMStageOptions(InputEncoderOptions input_encoder, LayerStackOptions layer_stack)
    : input_encoder_(std::move(input_encoder)), layer_stack_(std::move(layer_stack)) {}

CausalLMStageImpl::CausalLMStageImpl(const CausalLMStageOptions &options_) : options(options_) { reset(); }

void CausalLMStageImpl::reset() {
  const c10::optional<int64_t> &seed = options.init_seed();
  input_encoder = nullptr;
  layer_stack = nullptr;
  lm_head = nullptr;
  if (options.input()) {
    if (seed)
      seed_piece(*seed, "input_encoder");
    input_encoder = register_module("input_encoder", InputEncoder(options.input_encoder()));
  }
  // The final norm belongs to the last stage only; the layers keep their
  // keys in the whole stack and are seeded by them.
  LayerStackOptions stack = options.layer_stack();
  stack.init_seed(seed);
  if (!options.output())
    stack.post_norm_factory(nullptr);
  // A stage of the encoder alone (or the head alone) has no stack.
  LayerStack held(stack);
  if (held->size() > 0 || !held->layer_norm.is_empty())
    layer_stack = register_module("layer_stack", held);
  if (options.output()) {
    const InputEncoderOptions &enc = options.input_encoder();
    if (seed)
      seed_piece(*seed, "lm_head");
    lm_head = register_module(
        "lm_head", torch::nn::Linear(torch::nn::LinearOptions(enc.d_model(), enc.vocab_size()).bias(false)));
  }
}

void CausalLMStageImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::CausalLMStage(input=" << (options.input() ? "true" : "false")
         << ", layers=[" << options.layer_stack().first_layer() << ", " << options.layer_stack().end_layer()
         << "), output=" << (options.output() ? "true" : "false") << ")";
}

torch::Tensor CausalLMStageImpl::forward(const torch::Tensor &input, const torch::Tensor &attention_mask,
                                         const torch::Tensor &position_ids) {
  torch::Tensor h = input;
  if (input_encoder) {
    TORCH_CHECK(input.dim() == 2, "CausalLMStage: the first stage takes input ids [B, T], got ", input.sizes());
    h = input_encoder(input, position_ids);
  }
  TORCH_CHECK(h.dim() == 3, "CausalLMStage: expected hidden states [B, T, d_model], got ", h.sizes());
  if (layer_stack) {
    // The same mask CausalLM builds, from this microbatch's rows.
    torch::Tensor mask =
        causal_mask(h.size(0), h.size(1), CausalMaskOptions().sliding_window(options.sliding_window()),
                    attention_mask, position_ids, h.options().dtype(h.scalar_type()));
    h = layer_stack(h, mask, position_ids);
  }
  return lm_head ? lm_head(h) : h;
}

} // namespace fgcc::nn
