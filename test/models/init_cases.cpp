//===- init_cases.cpp - Weights after each init scheme --------------------===//
//
// Each case seeds the default generator, runs one init scheme and saves the
// result. The reference seeds the same way and runs PyTorch's own init
// functions (torch.nn.init.trunc_normal_, xavier_uniform_ ...) in the same
// parameter order, so the weights must agree to the last bit or nearly.
//
//===----------------------------------------------------------------------===//
#include "deepnet.hpp"
#include "harness.hpp"
#include "init_weights.hpp"

namespace fgcc::models_test {

namespace {

CaseData trunc_normal_case(const std::string &name, uint64_t seed, double mean, double std, double a, double b) {
  CaseData data;
  data.name = name;
  torch::manual_seed(seed);
  data.tensors["value"] = nn::init::trunc_normal_(torch::empty({4000}), mean, std, a, b);
  json meta = {{"kind", "trunc_normal"}, {"name", name}, {"seed", seed}, {"mean", mean},
               {"std", std},             {"a", a},       {"b", b},       {"shape", {4000}}};
  data.metadata["case"] = meta.dump();
  return data;
}

/// Builds a preset from `seed`, initialises it with `scheme` from seed + 1
/// and records every parameter and the order they were visited in.
/// Parameters the scheme leaves alone keep LibTorch's constructor init,
/// which the reference reproduces by building from the same seed.
CaseData scheme_case(const std::string &name, const std::string &preset, const std::string &scheme, uint64_t seed) {
  CaseData data;
  data.name = name;
  json config = preset_config(preset);
  torch::manual_seed(seed);
  nn::CausalLM model = build_causal_lm(config);
  const int64_t layers = config.at("num_hidden_layers");
  const int64_t d_model = config.at("input_encoder").at("d_model");
  torch::manual_seed(seed + 1);
  if (scheme == "simple")
    nn::simple_weight_init(*model);
  else if (scheme == "llama")
    nn::llama_weight_init(*model, layers, d_model);
  else if (scheme == "deepnet")
    nn::deepnet_weight_init(*model, nn::deepnet_beta(layers, 0), d_model);
  else if (scheme == "hf_llama")
    nn::hf_llama_weight_init(*model);
  else
    TORCH_CHECK(false, "unknown init scheme ", scheme);

  std::vector<std::string> order;
  for (const auto &p : model->named_parameters()) {
    data.tensors["param." + p.key()] = p.value().detach().clone();
    order.push_back(p.key());
  }
  json meta = {{"kind", "init"},     {"name", name},        {"scheme", scheme},         {"config", config},
               {"build_seed", seed}, {"init_seed", seed + 1}, {"params", order}};
  data.metadata["case"] = meta.dump();
  return data;
}

/// Builds `preset` from `seed` with the init options in `init` (keys of
/// CausalLMOptions: init_weights, init_std, init_beta, init_lm_head) and
/// records every parameter: the scheme runs inside construction, so the
/// reference builds the same config from the same seed.
CaseData option_case(const std::string &name, const std::string &preset, const json &init, uint64_t seed) {
  CaseData data;
  data.name = name;
  json config = preset_config(preset);
  config.update(init);
  torch::manual_seed(seed);
  nn::CausalLM model = build_causal_lm(config);
  std::vector<std::string> order;
  for (const auto &p : model->named_parameters()) {
    data.tensors["param." + p.key()] = p.value().detach().clone();
    order.push_back(p.key());
  }
  json meta = {{"kind", "init_option"}, {"name", name}, {"config", config}, {"build_seed", seed}, {"params", order}};
  data.metadata["case"] = meta.dump();
  return data;
}

} // namespace

std::vector<CaseData> init_cases() {
  return {
      trunc_normal_case("init_trunc_normal_default", 7, 0.0, 1.0, -2.0, 2.0),
      trunc_normal_case("init_trunc_normal_shifted", 8, 0.5, 2.0, -1.0, 3.0),
      trunc_normal_case("init_trunc_normal_narrow", 9, 0.0, 0.02, -0.04, 0.04),
      scheme_case("init_simple_causal_lm", "causal_lm", "simple", 20),
      scheme_case("init_llama_llama", "llama", "llama", 30),
      scheme_case("init_llama_qwen3", "qwen3", "llama", 40),
      scheme_case("init_deepnet_deepone", "deepone", "deepnet", 50),
      scheme_case("init_hf_llama_mistral", "mistral", "hf_llama", 60),
      // CausalLM's init_weights option, which a config sets.
      option_case("init_option_default_llama", "llama", {{"init_weights", "default"}}, 70),
      option_case("init_option_simple_causal_lm", "causal_lm", {{"init_weights", "simple"}}, 71),
      option_case("init_option_llama_llama", "llama", {{"init_weights", "llama"}}, 72),
      option_case("init_option_llama_head_qwen3", "qwen3", {{"init_weights", "llama"}, {"init_lm_head", true}}, 73),
      option_case("init_option_deepnet_deepone", "deepone", {{"init_weights", "deepnet"}}, 74),
      option_case("init_option_deepnet_beta_heterogeneous", "heterogeneous",
                  {{"init_weights", "deepnet"}, {"init_beta", 0.3}}, 75),
      option_case("init_option_hf_mistral", "mistral", {{"init_weights", "hf"}, {"init_std", 0.05}}, 76),
      option_case("init_option_simple_head_tied", "tied", {{"init_weights", "simple"}, {"init_lm_head", true}}, 77),
  };
}

} // namespace fgcc::models_test
