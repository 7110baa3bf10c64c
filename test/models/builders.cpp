//===- builders.cpp - Model components from JSON test configs -------------===//
#include "builders.hpp"

#include "causal_alibi_attn.hpp"
#include "causal_multihead_attn.hpp"
#include "deepnet.hpp"
#include "feedforward_layer.hpp"
#include "glu_feedforward.hpp"
#include "null_pe.hpp"
#include "post_ln_layer.hpp"
#include "pre_ln_layer.hpp"
#include "rms_norm.hpp"
#include "single_head_alibi_attn.hpp"
#include "single_head_attn.hpp"
#include "sinusoidal_pe.hpp"

namespace fgcc::models_test {

namespace {

/// config[key] as an optional, null or missing meaning unset.
template <typename T> c10::optional<T> optional_value(const json &config, const char *key) {
  if (!config.contains(key) || config[key].is_null())
    return c10::nullopt;
  return config[key].get<T>();
}

/// The config's "rope" entry as a RotaryPE, or an empty holder.
nn::RotaryPE rope_of(const json &config) {
  return config.contains("rope") && !config["rope"].is_null() ? build_rope(config["rope"]) : nn::RotaryPE(nullptr);
}

} // namespace

torch::nn::AnyModule build_norm(const json &config) {
  const std::string type = config.at("type");
  const int64_t size = config.at("size");
  if (type == "LayerNorm")
    return torch::nn::AnyModule(
        torch::nn::LayerNorm(torch::nn::LayerNormOptions({size}).eps(config.value("eps", 1e-5))));
  TORCH_CHECK(type == "RMSNorm", "unknown norm type ", type);
  return torch::nn::AnyModule(nn::RMSNorm(nn::RMSNormOptions(size)
                                              .eps(optional_value<double>(config, "eps"))
                                              .elementwise_affine(config.value("elementwise_affine", true))));
}

nn::RotaryPE build_rope(const json &config) {
  nn::RotaryPEOptions options(config.at("hidden_size"), config.at("num_attention_heads"));
  options.max_position_embeddings(config.at("max_position_embeddings")).rope_theta(config.at("rope_theta"));
  if (config.contains("rope_scaling") && !config["rope_scaling"].is_null()) {
    const json &s = config["rope_scaling"];
    options.rope_scaling(nn::RopeScaling()
                             .rope_type(s.at("rope_type"))
                             .factor(s.at("factor"))
                             .low_freq_factor(s.at("low_freq_factor"))
                             .high_freq_factor(s.at("high_freq_factor"))
                             .original_max_position_embeddings(s.at("original_max_position_embeddings")));
  }
  return nn::RotaryPE(options);
}

torch::nn::AnyModule build_attention(const json &config, nn::RotaryPE rope) {
  const std::string type = config.at("type");
  if (type == "SingleHeadAttn")
    return torch::nn::AnyModule(nn::SingleHeadAttn(
        nn::SingleHeadAttnOptions(config.at("d_model")).bias(config.at("bias")).dropout(config.at("dropout"))));
  if (type == "SingleHeadAlibiAttn")
    return torch::nn::AnyModule(nn::SingleHeadAlibiAttn(nn::SingleHeadAlibiAttnOptions(config.at("d_model"))
                                                            .bias(config.at("bias"))
                                                            .dropout(config.at("dropout"))
                                                            .slope_init(config.at("slope_init"))
                                                            .trainable_alibi(config.at("trainable_alibi"))));
  if (type == "CausalAlibiAttn")
    return torch::nn::AnyModule(nn::CausalAlibiAttn(nn::CausalAlibiAttnOptions(config.at("d_model"), config.at("num_heads"))
                                                        .num_kv_heads(optional_value<int64_t>(config, "num_kv_heads"))
                                                        .bias(config.at("bias"))
                                                        .dropout(config.at("dropout"))
                                                        .trainable_alibi(config.at("trainable_alibi"))
                                                        .alt_alibi_init(config.at("alt_alibi_init"))));
  TORCH_CHECK(type == "CausalMultiheadAttn", "unknown attention type ", type);
  nn::CausalMultiheadAttnOptions options(config.at("d_model"), config.at("num_heads"));
  options.num_kv_heads(optional_value<int64_t>(config, "num_kv_heads"))
      .bias(config.at("bias"))
      .dropout(config.at("dropout"))
      .pos_encoder(rope.is_empty() ? rope_of(config) : rope);
  if (config.contains("qk_norm") && !config["qk_norm"].is_null()) {
    json norm = config["qk_norm"];
    options.qk_norm_factory([norm](int64_t d_head) mutable {
      norm["size"] = d_head;
      return build_norm(norm);
    });
  }
  return torch::nn::AnyModule(nn::CausalMultiheadAttn(options));
}

torch::nn::AnyModule build_feedforward(const json &config) {
  const std::string type = config.at("type");
  if (type == "GLUFeedforwardLayer")
    return torch::nn::AnyModule(
        nn::GLUFeedforwardLayer(nn::GLUFeedforwardLayerOptions(config.at("d_model"), config.at("d_feedforward"))
                                    .activation(config.at("activation"))
                                    .dropout(config.at("dropout"))));
  TORCH_CHECK(type == "FeedforwardLayer", "unknown feedforward type ", type);
  return torch::nn::AnyModule(
      nn::FeedforwardLayer(nn::FeedforwardLayerOptions(config.at("d_model"), config.at("d_feedforward"))
                               .activation(config.at("activation"))
                               .dropout(config.at("dropout"))
                               .bias(config.at("bias"))));
}

torch::nn::AnyModule build_layer(const json &config, nn::RotaryPE rope) {
  // A standalone layer config gets its own rope; in a model, all layers
  // share the one the model builds.
  if (rope.is_empty())
    rope = rope_of(config.at("attention"));
  auto feedforward = [config] { return build_feedforward(config.at("feedforward")); };
  auto attention = [config, rope] { return build_attention(config.at("attention"), rope); };
  auto norm = [config] { return build_norm(config.at("norm")); };
  const std::string type = config.at("type");
  const double dropout = config.at("dropout"), residual_dropout = config.at("residual_dropout");
  if (type == "PreLNLayer")
    return torch::nn::AnyModule(nn::PreLNLayer(
        nn::PreLNLayerOptions(feedforward, attention, norm).dropout(dropout).residual_dropout(residual_dropout)));
  if (type == "PostLNLayer")
    return torch::nn::AnyModule(nn::PostLNLayer(
        nn::PostLNLayerOptions(feedforward, attention, norm).dropout(dropout).residual_dropout(residual_dropout)));
  TORCH_CHECK(type == "DeepnetLayer", "unknown layer type ", type);
  return torch::nn::AnyModule(nn::DeepnetLayer(nn::DeepnetLayerOptions(feedforward, attention, norm)
                                                   .alpha(config.at("alpha"))
                                                   .dropout(dropout)
                                                   .residual_dropout(residual_dropout)));
}

torch::nn::AnyModule build_positional_encoder(const json &config, int64_t d_model) {
  if (config.value("type", "SinusoidalPE") == "NullPE")
    return torch::nn::AnyModule(nn::NullPE());
  return torch::nn::AnyModule(nn::SinusoidalPE(nn::SinusoidalPEOptions(d_model, config.at("max_sequence_length"))));
}

nn::InputEncoder build_input_encoder(const json &config) {
  nn::InputEncoderOptions options(config.at("d_model"), config.at("vocab_size"));
  options.dropout(config.at("dropout"))
      .scale(config.at("scale"))
      .scale_sqrt_d_model(config.at("scale_sqrt_d_model"))
      .padding_idx(optional_value<int64_t>(config, "padding_idx"));
  if (config.contains("positional_encoder") && !config["positional_encoder"].is_null())
    options.positional_encoder(build_positional_encoder(config["positional_encoder"], config.at("d_model")));
  return nn::InputEncoder(options);
}

namespace {

/// The options of the model's layer stack: one "layer" config repeated
/// num_hidden_layers times, with one RotaryPE shared by all, or an explicit
/// "layers" list, each entry with its own.
nn::LayerStackOptions stack_options_of(const json &config) {
  if (config.contains("layers")) {
    std::vector<std::function<torch::nn::AnyModule()>> factories;
    for (const json &layer : config["layers"]) {
      nn::RotaryPE rope = rope_of(layer.at("attention"));
      factories.push_back([layer, rope] { return build_layer(layer, rope); });
    }
    return nn::LayerStackOptions(factories);
  }
  const json layer = config.at("layer");
  nn::RotaryPE rope = rope_of(layer.at("attention"));
  return nn::LayerStackOptions([layer, rope] { return build_layer(layer, rope); }, config.at("num_hidden_layers"));
}

} // namespace

nn::CausalLM build_causal_lm(const json &config, bool checkpoint) {
  nn::InputEncoder encoder = build_input_encoder(config.at("input_encoder"));
  nn::LayerStackOptions stack_options = stack_options_of(config);
  if (!config.at("post_norm").is_null()) {
    json post_norm = config["post_norm"];
    stack_options.post_norm_factory([post_norm] { return build_norm(post_norm); });
  }
  stack_options.enable_activation_checkpoint(checkpoint);
  return nn::CausalLM(nn::CausalLMOptions(encoder, nn::LayerStack(stack_options))
                          .tie_word_embeddings(config.at("tie_word_embeddings"))
                          .sliding_window(optional_value<int64_t>(config, "sliding_window"))
                          .init_weights(config.value("init_weights", "default"))
                          .init_std(config.value("init_std", 0.02))
                          .init_beta(optional_value<double>(config, "init_beta"))
                          .init_lm_head(config.value("init_lm_head", false)));
}

} // namespace fgcc::models_test
