//===- cases.cpp - The forward/backward cases -----------------------------===//
//
// Small, preset-like configurations: width 32, 4 heads of 8, feedforward
// 64, vocabulary 61, batches of 2 sequences of 12 tokens, 2 layers.
//
//===----------------------------------------------------------------------===//
#include "deepnet.hpp"
#include "harness.hpp"

namespace fgcc::models_test {

namespace {

constexpr int64_t kModel = 32, kHeads = 4, kKvHeads = 2, kFeedforward = 64, kVocab = 61;
constexpr int64_t kBatch = 2, kSeq = 12, kMaxPos = 64, kLayers = 2;

json rope_config(double theta = 10000.0) {
  return {{"hidden_size", kModel},
          {"num_attention_heads", kHeads},
          {"max_position_embeddings", kMaxPos},
          {"rope_theta", theta},
          {"rope_scaling", nullptr}};
}

/// Llama-3 scaling with a short original context, so that the 4 frequencies
/// of an 8-wide head fall in all three bands (kept, blended, divided).
json llama3_scaling() {
  return {{"rope_type", "llama3"},
          {"factor", 8.0},
          {"low_freq_factor", 1.0},
          {"high_freq_factor", 4.0},
          {"original_max_position_embeddings", 64}};
}

json rms_norm(double eps, int64_t size = kModel) { return {{"type", "RMSNorm"}, {"size", size}, {"eps", eps}}; }

json mha(double dropout, bool bias, json rope) {
  return {{"type", "CausalMultiheadAttn"}, {"d_model", kModel}, {"num_heads", kHeads}, {"num_kv_heads", nullptr},
          {"bias", bias},                  {"dropout", dropout}, {"qk_norm", nullptr},   {"rope", rope}};
}

json alibi(double dropout, bool trainable, bool alt, json kv_heads) {
  return {{"type", "CausalAlibiAttn"}, {"d_model", kModel},        {"num_heads", kHeads},
          {"num_kv_heads", kv_heads},  {"bias", false},            {"dropout", dropout},
          {"trainable_alibi", trainable}, {"alt_alibi_init", alt}};
}

json single_head_alibi(double dropout, bool trainable, bool bias = false, double slope = 0.5) {
  return {{"type", "SingleHeadAlibiAttn"}, {"d_model", kModel},           {"bias", bias}, {"dropout", dropout},
          {"slope_init", slope},           {"trainable_alibi", trainable}};
}

json mlp(double dropout, const std::string &activation = "relu", bool bias = true) {
  return {{"type", "FeedforwardLayer"}, {"d_model", kModel}, {"d_feedforward", kFeedforward},
          {"activation", activation},   {"dropout", dropout}, {"bias", bias}};
}

json glu(double dropout, const std::string &activation) {
  return {{"type", "GLUFeedforwardLayer"},
          {"d_model", kModel},
          {"d_feedforward", kFeedforward},
          {"activation", activation},
          {"dropout", dropout}};
}

json layer(const std::string &type, double dropout, json norm, json attention, json feedforward, double alpha = 1.0) {
  return {{"type", type},       {"dropout", dropout},         {"residual_dropout", dropout},
          {"alpha", alpha},     {"norm", norm},               {"attention", attention},
          {"feedforward", feedforward}};
}

json input_encoder(double dropout, bool sinusoidal, bool scale_sqrt_d_model) {
  return {{"d_model", kModel},
          {"vocab_size", kVocab},
          {"dropout", dropout},
          {"scale", 1.0},
          {"scale_sqrt_d_model", scale_sqrt_d_model},
          {"padding_idx", nullptr},
          {"positional_encoder", sinusoidal ? json{{"max_sequence_length", kMaxPos}} : json(nullptr)}};
}

/// Labels: the input ids with a few positions ignored (-100).
torch::Tensor labels_for(const torch::Tensor &ids) {
  torch::Tensor labels = ids.clone();
  labels.index_put_({0, 3}, -100);
  labels.index_put_({1, torch::indexing::Slice(7, 9)}, -100);
  return labels;
}

/// Inputs of a language-model case.
std::function<NamedTensors()> lm_inputs(bool padded, bool packed) {
  return [padded, packed] {
    torch::Tensor ids = token_ids(kBatch, kSeq, kVocab);
    NamedTensors inputs{{"input_ids", ids}};
    if (padded)
      inputs.emplace_back("attention_mask", left_padding_mask(kSeq, {0, 3}));
    if (packed)
      inputs.emplace_back("position_ids", packed_positions({{5, 7}, {3, 4, 5}}));
    torch::Tensor labels = labels_for(ids);
    if (padded)
      labels.index_put_({1, torch::indexing::Slice(0, 3)}, -100);
    inputs.emplace_back("labels", labels);
    return inputs;
  };
}

std::function<NamedTensors()> hidden_inputs(bool with_positions = false) {
  return [with_positions] {
    NamedTensors inputs{{"x", normal({kBatch, kSeq, kModel})}};
    if (with_positions)
      inputs.emplace_back("position_ids", packed_positions({{5, 7}, {12}}));
    return inputs;
  };
}

/// Three different layers in one stack (explicit layer factories): pre-LN
/// with GQA and RoPE; DeepNet with trainable ALiBi and a narrower ReGLU;
/// post-LN with single-head ALiBi attention and a wider ReLU MLP. A NullPE
/// states that there is no absolute position encoding.
json heterogeneous_config(double dropout) {
  json gqa = mha(dropout, false, rope_config());
  gqa["num_kv_heads"] = kKvHeads;
  json narrow = glu(dropout, "relu");
  narrow["d_feedforward"] = 48;
  json wide = mlp(dropout);
  wide["d_feedforward"] = 80;
  json layer_norm = {{"type", "LayerNorm"}, {"size", kModel}, {"eps", 1e-5}};
  json encoder = input_encoder(dropout, false, false);
  encoder["positional_encoder"] = {{"type", "NullPE"}};
  return {{"num_hidden_layers", 3},
          {"post_norm", rms_norm(1e-5)},
          {"tie_word_embeddings", false},
          {"sliding_window", nullptr},
          {"input_encoder", encoder},
          {"layers",
           {layer("PreLNLayer", dropout, rms_norm(1e-5), gqa, glu(dropout, "silu")),
            layer("DeepnetLayer", dropout, rms_norm(1e-6), alibi(dropout, true, true, nullptr), narrow,
                  nn::deepnet_alpha(3, 0)),
            layer("PostLNLayer", dropout, layer_norm, single_head_alibi(dropout, true), wide)}}};
}

} // namespace

json preset_config(const std::string &preset, double dropout) {
  json model = {{"num_hidden_layers", kLayers},
                {"post_norm", rms_norm(1e-5)},
                {"tie_word_embeddings", false},
                {"sliding_window", nullptr},
                {"input_encoder", input_encoder(dropout, false, false)},
                {"layer", layer("PreLNLayer", dropout, rms_norm(1e-5), mha(dropout, false, rope_config()),
                                glu(dropout, "silu"))}};
  if (preset == "causal_lm") {
    json layer_norm = {{"type", "LayerNorm"}, {"size", kModel}, {"eps", 1e-5}};
    model["input_encoder"] = input_encoder(dropout, true, true);
    model["layer"] = layer("PostLNLayer", dropout, layer_norm, mha(dropout, true, nullptr), mlp(dropout));
    model["post_norm"] = nullptr;
  } else if (preset == "llama" || preset == "tied") {
    model["tie_word_embeddings"] = preset == "tied";
  } else if (preset == "llama3") {
    model["layer"]["attention"]["rope"]["rope_scaling"] = llama3_scaling();
  } else if (preset == "mistral") {
    model["layer"]["attention"]["num_kv_heads"] = kKvHeads;
    model["sliding_window"] = 4;
  } else if (preset == "qwen3") {
    json &attention = model["layer"]["attention"];
    attention["num_kv_heads"] = kKvHeads;
    attention["qk_norm"] = rms_norm(1e-6, kModel / kHeads);
    attention["rope"] = rope_config(1e6);
    model["layer"]["norm"] = rms_norm(1e-6);
    model["post_norm"] = rms_norm(1e-6);
  } else if (preset == "deepone") {
    model["layer"] = layer("DeepnetLayer", dropout, rms_norm(1e-6), alibi(dropout, true, true, nullptr),
                           glu(dropout, "relu"), nn::deepnet_alpha(kLayers, 0));
    model["post_norm"] = rms_norm(1e-6);
  } else if (preset == "heterogeneous") {
    model = heterogeneous_config(dropout);
  } else {
    TORCH_CHECK(false, "unknown preset ", preset);
  }
  return model;
}

std::vector<Case> component_cases() {
  std::vector<Case> cases;
  uint64_t seed = 100;
  auto add = [&](std::string name, std::string component, json config, std::function<NamedTensors()> inputs,
                 bool train = false) {
    cases.push_back({std::move(name), std::move(component), std::move(config), train, seed, std::move(inputs)});
    seed += 10;
  };

  // Norms.
  add("rms_norm", "RMSNorm", {{"size", kModel}, {"eps", 1e-5}}, hidden_inputs());
  add("rms_norm_default_eps", "RMSNorm", {{"size", kModel}, {"eps", nullptr}}, hidden_inputs());
  add("rms_norm_no_affine", "RMSNorm", {{"size", kModel}, {"eps", 1e-6}, {"elementwise_affine", false}},
      hidden_inputs());

  // Position encodings.
  auto qk = [](bool positions) {
    return [positions] {
      NamedTensors inputs{{"q", normal({kBatch, kSeq, kHeads, kModel / kHeads})},
                          {"k", normal({kBatch, kSeq, kKvHeads, kModel / kHeads})}};
      if (positions)
        inputs.emplace_back("position_ids", packed_positions({{5, 7}, {12}}) + 20);
      return inputs;
    };
  };
  add("rope", "RotaryPE", rope_config(), qk(false));
  add("rope_positions", "RotaryPE", rope_config(500000.0), qk(true));
  json scaled = rope_config();
  scaled["rope_scaling"] = llama3_scaling();
  add("rope_llama3_scaling", "RotaryPE", scaled, qk(true));
  add("sinusoidal_pe", "SinusoidalPE", {{"d_model", kModel}, {"max_sequence_length", kMaxPos}}, hidden_inputs());
  add("sinusoidal_pe_positions", "SinusoidalPE", {{"d_model", kModel}, {"max_sequence_length", kMaxPos}},
      hidden_inputs(true));

  // Input encoders.
  auto ids = [](bool positions) {
    return [positions] {
      NamedTensors inputs{{"input_ids", token_ids(kBatch, kSeq, kVocab)}};
      inputs[0].second.index_put_({0, 2}, 0); // the padding token, where there is one
      if (positions)
        inputs.emplace_back("position_ids", packed_positions({{5, 7}, {12}}));
      return inputs;
    };
  };
  add("input_encoder_scaled_sinusoidal", "InputEncoder", input_encoder(0.0, true, true), ids(true));
  json padded_encoder = input_encoder(0.0, false, false);
  padded_encoder["padding_idx"] = 0;
  padded_encoder["scale"] = 0.5;
  add("input_encoder_padding_idx", "InputEncoder", padded_encoder, ids(false));
  json null_pe_encoder = input_encoder(0.0, false, true);
  null_pe_encoder["positional_encoder"] = {{"type", "NullPE"}};
  add("input_encoder_null_pe", "InputEncoder", null_pe_encoder, ids(true));

  // Feedforward blocks.
  add("feedforward_relu", "FeedforwardLayer", mlp(0.0), hidden_inputs());
  add("feedforward_gelu_no_bias", "FeedforwardLayer", mlp(0.0, "gelu", false), hidden_inputs());
  add("glu_silu", "GLUFeedforwardLayer", glu(0.0, "silu"), hidden_inputs());
  add("glu_relu", "GLUFeedforwardLayer", glu(0.0, "relu"), hidden_inputs());
  add("glu_gelu_tanh", "GLUFeedforwardLayer", glu(0.0, "gelu_tanh"), hidden_inputs());

  // Attention.
  add("attn_mha_bias", "CausalMultiheadAttn", mha(0.0, true, nullptr), hidden_inputs());
  json gqa = mha(0.0, false, rope_config());
  gqa["num_kv_heads"] = kKvHeads;
  add("attn_gqa_rope", "CausalMultiheadAttn", gqa, hidden_inputs(true));
  json qk_norm = gqa;
  qk_norm["qk_norm"] = rms_norm(1e-6, kModel / kHeads);
  qk_norm["rope"] = rope_config(1e6);
  add("attn_qk_norm_gqa_rope", "CausalMultiheadAttn", qk_norm, hidden_inputs(true));
  json mqa = mha(0.0, false, nullptr);
  mqa["num_kv_heads"] = 1;
  add("attn_mqa_external_mask", "CausalMultiheadAttn", mqa, [] {
    NamedTensors inputs = hidden_inputs()();
    // A packed, padded, windowed mask from the mask builder, as a model
    // would pass it.
    torch::Tensor mask = nn::causal_mask(kBatch, kSeq, nn::CausalMaskOptions().sliding_window(5),
                                         left_padding_mask(kSeq, {0, 2}), packed_positions({{6, 6}, {12}}));
    inputs.emplace_back("attn_mask", mask);
    return inputs;
  });
  add("alibi", "CausalAlibiAttn", alibi(0.0, false, false, nullptr), hidden_inputs());
  add("alibi_alt_trainable_gqa", "CausalAlibiAttn", alibi(0.0, true, true, kKvHeads), hidden_inputs());
  add("single_head", "SingleHeadAttn", {{"d_model", kModel}, {"bias", true}, {"dropout", 0.0}}, hidden_inputs());
  add("single_head_alibi", "SingleHeadAlibiAttn", single_head_alibi(0.0, true), hidden_inputs());
  add("single_head_alibi_fixed_bias", "SingleHeadAlibiAttn", single_head_alibi(0.0, false, true, 0.25),
      hidden_inputs());

  // Layers.
  json layer_norm = {{"type", "LayerNorm"}, {"size", kModel}, {"eps", 1e-5}};
  add("pre_ln_layer", "PreLNLayer",
      layer("PreLNLayer", 0.0, rms_norm(1e-5), mha(0.0, false, rope_config()), glu(0.0, "silu")), hidden_inputs(true));
  add("post_ln_layer", "PostLNLayer", layer("PostLNLayer", 0.0, layer_norm, mha(0.0, true, nullptr), mlp(0.0)),
      hidden_inputs());
  add("deepnet_layer", "DeepnetLayer",
      layer("DeepnetLayer", 0.0, rms_norm(1e-6), alibi(0.0, true, true, nullptr), glu(0.0, "relu"),
            nn::deepnet_alpha(6, 0)),
      hidden_inputs());

  // Masks and loss.
  add("causal_mask_plain", "CausalMask", {{"batch_size", kBatch}, {"seq_len", kSeq}, {"sliding_window", nullptr}},
      nullptr);
  add("causal_mask_padding_packing_window", "CausalMask",
      {{"batch_size", kBatch}, {"seq_len", kSeq}, {"sliding_window", 3}}, [] {
        return NamedTensors{{"padding_mask", left_padding_mask(kSeq, {2, 0})},
                            {"position_ids", packed_positions({{4, 8}, {3, 3, 6}})}};
      });
  auto loss_inputs = [] {
    torch::Tensor ids = token_ids(kBatch, kSeq, kVocab);
    return NamedTensors{{"logits", normal({kBatch, kSeq, kVocab}) * 3}, {"labels", labels_for(ids)}};
  };
  add("causal_loss", "CausalLoss", {{"ignore_index", -100}}, loss_inputs);
  // Chunks of 16 leave a last chunk of 13 of the 61 columns; 1 is the
  // extreme; 4096 is the default, one chunk.
  for (int64_t chunk : {16, 1, 4096})
    add("chunked_causal_loss_" + std::to_string(chunk), "ChunkedCausalLoss",
        {{"chunk_size", chunk}, {"ignore_index", -100}}, loss_inputs);
  // bfloat16 logits: upcast chunk by chunk, the gradient in bfloat16.
  add("chunked_causal_loss_bf16", "ChunkedCausalLoss", {{"chunk_size", 16}, {"ignore_index", -100}}, [loss_inputs] {
    NamedTensors inputs = loss_inputs();
    inputs[0].second = inputs[0].second.to(torch::kBFloat16);
    return inputs;
  });

  // Dropout in training mode: the reference must draw the same masks.
  add("feedforward_dropout_train", "FeedforwardLayer", mlp(0.3), hidden_inputs(), true);
  add("glu_dropout_train", "GLUFeedforwardLayer", glu(0.3, "silu"), hidden_inputs(), true);
  json dropout_attn = mha(0.2, false, rope_config());
  dropout_attn["num_kv_heads"] = kKvHeads;
  add("attn_dropout_train", "CausalMultiheadAttn", dropout_attn, hidden_inputs(), true);
  add("alibi_dropout_train", "CausalAlibiAttn", alibi(0.2, true, false, nullptr), hidden_inputs(), true);
  add("single_head_dropout_train", "SingleHeadAttn", {{"d_model", kModel}, {"bias", false}, {"dropout", 0.2}},
      hidden_inputs(), true);
  add("single_head_alibi_dropout_train", "SingleHeadAlibiAttn", single_head_alibi(0.2, true), hidden_inputs(), true);
  return cases;
}

std::vector<Case> model_cases() {
  std::vector<Case> cases;
  uint64_t seed = 1000;
  auto add = [&](std::string name, json config, std::function<NamedTensors()> inputs, bool train = false) {
    cases.push_back({std::move(name), "CausalLM", std::move(config), train, seed, std::move(inputs)});
    seed += 10;
  };
  for (const char *preset : {"causal_lm", "llama", "llama3", "mistral", "qwen3", "deepone", "tied"})
    add(std::string("model_") + preset, preset_config(preset), lm_inputs(false, false));
  add("model_llama_packed", preset_config("llama"), lm_inputs(false, true));
  add("model_llama_padded", preset_config("llama"), lm_inputs(true, false));
  add("model_mistral_padded_packed", preset_config("mistral"), lm_inputs(true, true));
  add("model_causal_lm_packed", preset_config("causal_lm"), lm_inputs(false, true));
  json null_pe = preset_config("llama");
  null_pe["input_encoder"]["positional_encoder"] = {{"type", "NullPE"}};
  add("model_llama_null_pe", null_pe, lm_inputs(false, true));
  add("model_heterogeneous", preset_config("heterogeneous"), lm_inputs(false, true));
  for (const char *preset : {"causal_lm", "llama", "qwen3", "deepone", "heterogeneous"})
    add(std::string("model_") + preset + "_dropout_train", preset_config(preset, 0.1), lm_inputs(false, true), true);
  return cases;
}

} // namespace fgcc::models_test
