//===- hf_export.cpp - Checks of the Hugging Face llama export/import -----===//
//
//   fgcc-hf-export DIR
//
// Builds tiny llama-family models with random weights and, for each,
//
//   - exports it to DIR/<case>/ (config.json, model.safetensors) and writes
//     DIR/<case>/io.safetensors with its input ids and its own logits, for
//     test/reference/check_hf_export.py, which runs HF's forward
//     (test/reference/hf_llama.py) on the exported directory;
//   - imports the directory into a freshly built model of another seed and
//     requires every parameter, and the logits, to be bit-identical;
//   - re-saves the state as a two-shard checkpoint with
//     model.safetensors.index.json and imports that too.
//
// A case may export in bfloat16: its model's weights are then rounded to
// bfloat16 values after the export (so that the model is the one the
// checkpoint describes), the import into a float32 model must restore
// exactly those, and config.json must say torch_dtype "bfloat16".
//
// Then the error cases: missing, misshapen and unknown tensors, models that
// are not llama-shaped, a model type that cannot express the model, an
// empty directory. Prints one PASS/FAIL line per check (and "error: ..."
// lines with the messages, for FileCheck); exit status 1 on a failure.
//
//===----------------------------------------------------------------------===//
#include "causal_lm.hpp"
#include "causal_multihead_attn.hpp"
#include "glu_feedforward.hpp"
#include "hf_llama.hpp"
#include "null_pe.hpp"
#include "pre_ln_layer.hpp"
#include "rms_norm.hpp"
#include "safetensors.hpp"
#include "sinusoidal_pe.hpp"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

using namespace fgcc;
using namespace fgcc::nn;

namespace {

/// A tiny llama-family model.
struct Spec {
  std::string name;
  int64_t vocab = 61, d_model = 32, heads = 4, kv_heads = 4, d_ff = 48, layers = 2;
  bool qk_norm = false, tie = false, llama3_scaling = false;
  c10::optional<int64_t> window;
  double theta = 10000.0;
  c10::optional<double> eps = 1e-5;
  /// Deviations from llama for the negative cases.
  bool attention_bias = false;
  std::string activation = "silu";
  /// The export dtype; unset exports the parameters' float32.
  c10::optional<torch::ScalarType> dtype;
  /// The encoder's absolute position encoding: "" (none), "null" (a NullPE,
  /// which is none too) or "sinusoidal" (which HF's llama lacks).
  std::string positional_encoder;
};

/// Rounds every parameter of `model` to `dtype` and back, in place: the
/// float32 model equal to a checkpoint exported in `dtype`.
void round_parameters(CausalLM &model, torch::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  for (auto &p : model->parameters())
    p.copy_(p.to(dtype).to(p.scalar_type()));
}

/// The text of `path`.
std::string read_file(const std::string &path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

CausalLM build(const Spec &s, uint64_t seed) {
  torch::manual_seed(seed);
  InputEncoderOptions encoder_options(s.d_model, s.vocab);
  encoder_options.dropout(0.0);
  if (s.positional_encoder == "null")
    encoder_options.positional_encoder(torch::nn::AnyModule(NullPE()));
  else if (s.positional_encoder == "sinusoidal")
    encoder_options.positional_encoder(torch::nn::AnyModule(SinusoidalPE(SinusoidalPEOptions(s.d_model, 64))));
  InputEncoder encoder(encoder_options);
  RotaryPEOptions rope_options(s.d_model, s.heads);
  rope_options.max_position_embeddings(64).rope_theta(s.theta);
  if (s.llama3_scaling)
    rope_options.rope_scaling(
        RopeScaling().factor(8.0).low_freq_factor(1.0).high_freq_factor(4.0).original_max_position_embeddings(16));
  RotaryPE rope(rope_options);
  auto norm = [s] { return torch::nn::AnyModule(RMSNorm(RMSNormOptions(s.d_model).eps(s.eps))); };
  auto attention = [s, rope] {
    CausalMultiheadAttnOptions o(s.d_model, s.heads);
    o.num_kv_heads(s.kv_heads).bias(s.attention_bias).pos_encoder(rope);
    if (s.qk_norm)
      o.qk_norm_factory([s](int64_t d_head) { return torch::nn::AnyModule(RMSNorm(RMSNormOptions(d_head).eps(s.eps))); });
    return torch::nn::AnyModule(CausalMultiheadAttn(o));
  };
  auto feedforward = [s] {
    return torch::nn::AnyModule(
        GLUFeedforwardLayer(GLUFeedforwardLayerOptions(s.d_model, s.d_ff).activation(s.activation).dropout(0.0)));
  };
  auto layer = [=] { return torch::nn::AnyModule(PreLNLayer(PreLNLayerOptions(feedforward, attention, norm).dropout(0.0))); };
  LayerStackOptions stack(layer, s.layers);
  stack.post_norm_factory(norm);
  CausalLM model(CausalLMOptions(encoder, LayerStack(stack)).tie_word_embeddings(s.tie).sliding_window(s.window));
  // Move every weight off its init (norm weights off 1) so that a swapped
  // or transposed tensor cannot go unnoticed.
  torch::NoGradGuard no_grad;
  for (auto &p : model->parameters())
    p.add_(torch::randn_like(p) * 0.1);
  model->eval();
  return model;
}

int failures = 0;

void report(bool ok, const std::string &what) {
  std::cout << (ok ? "PASS " : "FAIL ") << what << "\n";
  if (!ok)
    ++failures;
}

/// Whether every parameter of `a` equals the one of `b` bit for bit.
bool same_parameters(CausalLM &a, CausalLM &b, std::string &first_difference) {
  auto pb = b->named_parameters();
  for (const auto &item : a->named_parameters()) {
    const torch::Tensor *other = pb.find(item.key());
    if (!other || !torch::equal(item.value(), *other)) {
      first_difference = item.key();
      return false;
    }
  }
  return a->named_parameters().size() == pb.size();
}

/// Runs `f`, which must throw; prints its message as "error: ...".
template <typename F> void expect_error(const std::string &what, F f) {
  try {
    f();
  } catch (const std::exception &e) {
    std::cout << "error: " << e.what() << "\n";
    report(true, what);
    return;
  }
  report(false, what + " (no error)");
}

void run_case(const Spec &spec, const std::string &dir) {
  CausalLM model = build(spec, 1);
  const std::string out = dir + "/" + spec.name;
  export_hf_llama(model, out, "", spec.dtype);
  const torch::ScalarType dtype = spec.dtype.value_or(torch::kFloat);
  if (dtype != torch::kFloat) {
    round_parameters(model, dtype);
    const bool said = read_file(out + "/config.json").find("\"torch_dtype\": \"bfloat16\"") != std::string::npos;
    report(said, "config.json of " + spec.name + " says torch_dtype bfloat16");
  }

  torch::manual_seed(2);
  torch::Tensor ids = torch::randint(spec.vocab, {2, 8}, torch::kLong);
  torch::Tensor logits;
  {
    torch::NoGradGuard no_grad;
    logits = model->forward(ids);
  }
  safetensors::save(out + "/io.safetensors", {{"input_ids", ids}, {"logits", logits}});

  // Import into a model built from another seed: its weights all differ.
  CausalLM fresh = build(spec, 3);
  import_hf_llama(fresh, out);
  std::string diff;
  const bool same = same_parameters(model, fresh, diff);
  torch::Tensor again;
  {
    torch::NoGradGuard no_grad;
    again = fresh->forward(ids);
  }
  report(same && torch::equal(logits, again),
         "import " + spec.name + (same ? "" : " (first different parameter " + diff + ")"));

  // The same state as two shards with an index, as large HF checkpoints are.
  const std::string sharded = dir + "/sharded/" + spec.name;
  std::filesystem::create_directories(sharded);
  std::map<std::string, torch::Tensor> state = to_hf_llama_state(model), first, second;
  std::string weight_map;
  for (const auto &[name, tensor] : state) {
    const bool in_first = name.find("model.layers.0.") == 0 || name.find("model.embed") == 0;
    (in_first ? first : second)[name] = tensor.to(dtype).contiguous();
    weight_map += std::string(weight_map.empty() ? "" : ",\n") + "    \"" + name + "\": \"" +
                  (in_first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors") + "\"";
  }
  safetensors::save(sharded + "/model-00001-of-00002.safetensors", first, {{"format", "pt"}});
  safetensors::save(sharded + "/model-00002-of-00002.safetensors", second, {{"format", "pt"}});
  std::ofstream(sharded + "/model.safetensors.index.json")
      << "{\n  \"metadata\": {\"total_size\": 0, \"note\": [1, 2.5e3, true, null, \"\\u0041\"]},\n  \"weight_map\": {\n"
      << weight_map << "\n  }\n}\n";
  CausalLM from_shards = build(spec, 4);
  import_hf_llama(from_shards, sharded);
  report(same_parameters(model, from_shards, diff), "import sharded " + spec.name);
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::cerr << "usage: fgcc-hf-export DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  try {
    Spec llama{"llama"};
    Spec llama3{"llama3_tied"};
    llama3.tie = true;
    llama3.llama3_scaling = true;
    llama3.theta = 500000.0;
    Spec mistral{"mistral"};
    mistral.kv_heads = 2;
    mistral.window = 3;
    mistral.eps = 1e-6;
    Spec qwen3{"qwen3"};
    qwen3.kv_heads = 2;
    qwen3.qk_norm = true;
    qwen3.tie = true;
    qwen3.theta = 1000000.0;
    qwen3.eps = c10::nullopt; // torch.finfo(float32).eps, exported as such
    Spec bf16 = qwen3;        // GQA, QK-norm and a tied head, in bfloat16
    bf16.name = "qwen3_bf16";
    bf16.dtype = torch::kBFloat16;
    for (const Spec &s : {llama, llama3, mistral, qwen3, bf16})
      run_case(s, dir);
    for (const Spec &s : {llama, mistral, qwen3}) {
      CausalLM model = build(s, 1);
      std::cout << "model_type " << s.name << " -> " << hf_llama_model_type(model) << "\n";
    }

    // Errors on import.
    CausalLM model = build(llama, 1);
    std::map<std::string, torch::Tensor> state = to_hf_llama_state(model);
    state.erase("model.layers.1.mlp.up_proj.weight");
    expect_error("missing tensor", [&] { load_hf_llama_state(model, state); });

    state = to_hf_llama_state(model);
    state["model.layers.0.self_attn.k_proj.weight"] = torch::zeros({8, 32});
    state["model.layers.7.self_attn.q_proj.weight"] = torch::zeros({32, 32});
    state["model.layers.0.self_attn.rotary_emb.inv_freq"] = torch::zeros({4}); // ignored
    CausalLM before = build(llama, 1);
    expect_error("misshapen and unknown tensors", [&] { load_hf_llama_state(model, state); });
    std::string diff;
    report(same_parameters(model, before, diff), "a failed load leaves the model unchanged");

    expect_error("not a checkpoint directory", [&] { import_hf_llama(model, dir + "/no-such-checkpoint"); });

    Spec other_theta = llama;
    other_theta.theta = 500000.0;
    CausalLM other_theta_model = build(other_theta, 1);
    expect_error("config.json mismatch", [&] { import_hf_llama(other_theta_model, dir + "/llama"); });

    // Models HF's llama cannot express.
    Spec biased = llama;
    biased.attention_bias = true;
    CausalLM biased_model = build(biased, 1);
    expect_error("attention bias", [&] { to_hf_llama_state(biased_model); });
    Spec gelu = llama;
    gelu.activation = "gelu";
    CausalLM gelu_model = build(gelu, 1);
    expect_error("gelu feedforward", [&] { export_hf_llama(gelu_model, dir + "/gelu"); });
    report(!std::filesystem::exists(dir + "/gelu"), "a failed export writes nothing");
    CausalLM qwen3_model = build(qwen3, 1);
    expect_error("qwen3 as llama", [&] { hf_llama_config_json(qwen3_model, "llama"); });
    CausalLM mistral_model = build(mistral, 1);
    expect_error("sliding window as llama", [&] { hf_llama_config_json(mistral_model, "llama"); });

    // A NullPE is no absolute position encoding; a sinusoidal table is one.
    Spec null_pe = llama;
    null_pe.positional_encoder = "null";
    CausalLM null_pe_model = build(null_pe, 1);
    report(to_hf_llama_state(null_pe_model).size() == to_hf_llama_state(model).size(),
           "a NullPE encoder exports as llama");
    Spec sinusoidal = llama;
    sinusoidal.positional_encoder = "sinusoidal";
    CausalLM sinusoidal_model = build(sinusoidal, 1);
    expect_error("sinusoidal positions", [&] { to_hf_llama_state(sinusoidal_model); });

    // Export dtypes: float32 and bfloat16 only, by name too.
    expect_error("float16 export", [&] { export_hf_llama(model, dir + "/half", "", torch::kHalf); });
    report(!std::filesystem::exists(dir + "/half"), "a failed float16 export writes nothing");
    report(hf_export_dtype("bf16") == torch::kBFloat16 && hf_export_dtype("bfloat16") == torch::kBFloat16 &&
               hf_export_dtype("f32") == torch::kFloat && hf_export_dtype("float32") == torch::kFloat,
           "export dtype names");
    expect_error("unknown dtype name", [&] { hf_export_dtype("fp8"); });
  } catch (const std::exception &e) {
    std::cout << "FAIL unexpected error: " << e.what() << "\n";
    return 1;
  }
  std::cout << "hf-export: " << failures << " failed\n";
  return failures == 0 ? 0 : 1;
}
