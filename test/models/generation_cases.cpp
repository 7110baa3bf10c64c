//===- generation_cases.cpp - Logits processors and generate() for the reference ===//
//
// Cases for test/reference/check_generation.py, one safetensors file each,
// with a "case" metadata entry whose "kind" is
//
//   logits_processor   input.scores [4, 61] (for top-k with ties at the
//                      boundary), input.input_ids [4, 9] (with repeats);
//                      output.scores after one processor or the whole
//                      pipeline, output.kept (not -inf) for the filters,
//                      output.probs / output.next for the pipelines
//   generation         param.* and buffer.* of a preset model,
//                      input.input_ids and input.attention_mask (when
//                      padded), output.sequences from generate(), and
//                      output.logits [steps, B, V], the raw logits of each
//                      step; "options" holds the GenerationOptions, with
//                      "seed" for a generator made by
//                      at::make_generator<at::CPUGeneratorImpl>(seed)
//
// The reference recomputes the processors from HF's documented semantics
// and runs a plain generation loop (no cache: a full forward per step) over
// models.py's model with the same weights.
//
//===----------------------------------------------------------------------===//
#include "harness.hpp"

#include "generation.hpp"

namespace fgcc::models_test {

namespace {

constexpr int64_t kVocab = 61;

/// The fixed inputs of the processor cases.
struct ProcessorInputs {
  torch::Tensor scores, input_ids;
};

/// With `ties`, row 3 has two tokens tied at the top and three tied just
/// below, so that a top-3 threshold falls inside a tie (HF keeps all five).
/// Only top-k gets them: where top-p cuts inside a tie, which tokens stay
/// depends on the sort's order among equals.
ProcessorInputs processor_inputs(bool ties) {
  torch::manual_seed(2024);
  ProcessorInputs in;
  in.scores = torch::randn({4, kVocab}) * 3;
  if (ties) {
    in.scores[3].index_put_({torch::tensor({10, 11}, torch::kLong)}, 9.5);
    in.scores[3].index_put_({torch::tensor({12, 13, 14}, torch::kLong)}, 9.0);
  }
  in.input_ids = torch::randint(0, kVocab, {4, 9}, torch::kLong);
  // Repeated ids: a token is penalised once however often it occurs.
  in.input_ids[0][5] = in.input_ids[0][1].item<int64_t>();
  in.input_ids[1][8] = in.input_ids[1][0].item<int64_t>();
  in.input_ids[1][7] = in.input_ids[1][0].item<int64_t>();
  return in;
}

/// GenerationOptions from a case's JSON (the keys of its TORCH_ARGs).
nn::GenerationOptions options_from(const json &o) {
  nn::GenerationOptions options;
  options.max_new_tokens(o.value("max_new_tokens", int64_t(20)))
      .do_sample(o.value("do_sample", false))
      .temperature(o.value("temperature", 1.0))
      .top_k(o.value("top_k", int64_t(0)))
      .top_p(o.value("top_p", 1.0))
      .repetition_penalty(o.value("repetition_penalty", 1.0))
      .min_tokens_to_keep(o.value("min_tokens_to_keep", int64_t(1)))
      .use_cache(o.value("use_cache", true));
  if (o.contains("eos_token_id") && !o["eos_token_id"].is_null())
    options.eos_token_id(o["eos_token_id"].get<int64_t>());
  if (o.contains("pad_token_id") && !o["pad_token_id"].is_null())
    options.pad_token_id(o["pad_token_id"].get<int64_t>());
  if (o.contains("seed") && !o["seed"].is_null())
    options.generator(at::make_generator<at::CPUGeneratorImpl>(o["seed"].get<uint64_t>()));
  return options;
}

/// One processor (or pipeline) applied to the fixed inputs. `params` names
/// the processor ("processor") and its arguments.
CaseData processor_case(const std::string &name, const json &params) {
  const std::string processor = params.at("processor");
  const ProcessorInputs in = processor_inputs(processor == "top_k");
  torch::Tensor out;
  bool filter = false;
  if (processor == "repetition_penalty") {
    out = nn::apply_repetition_penalty(in.scores, in.input_ids, params.at("penalty"));
  } else if (processor == "temperature") {
    out = nn::apply_temperature(in.scores, params.at("temperature"));
  } else if (processor == "top_k") {
    out = nn::top_k_filter(in.scores, params.at("top_k"), params.value("min_tokens_to_keep", int64_t(1)));
    filter = true;
  } else if (processor == "top_p") {
    out = nn::top_p_filter(in.scores, params.at("top_p"), params.value("min_tokens_to_keep", int64_t(1)));
    filter = true;
  } else {
    TORCH_CHECK(processor == "pipeline", "unknown processor ", processor);
    out = nn::process_logits(in.scores, in.input_ids, options_from(params.at("options")));
    filter = true;
  }
  CaseData data;
  data.name = name;
  data.tensors["input.scores"] = in.scores;
  data.tensors["input.input_ids"] = in.input_ids;
  data.tensors["output.scores"] = out;
  if (filter)
    data.tensors["output.kept"] = out.isfinite();
  if (processor == "pipeline") {
    const nn::GenerationOptions options = options_from(params.at("options"));
    data.tensors["output.probs"] = out.softmax(-1);
    if (!options.do_sample())
      data.tensors["output.next"] = nn::select_next_tokens(out, options);
  }
  json meta = {{"kind", "logits_processor"}, {"name", name}, {"params", params}};
  data.metadata["case"] = meta.dump();
  return data;
}

/// generate() on a preset model: `prompt` [B, T] ids drawn after the model,
/// left padding `pad` per row (empty for none).
CaseData generation_case(const std::string &name, const std::string &preset, uint64_t seed, int64_t batch,
                         int64_t prompt_len, const std::vector<int64_t> &pad, json options) {
  const json config = generation_preset(preset);
  nn::CausalLM model = eval_model(config, seed);
  torch::Tensor ids = token_ids(batch, prompt_len, kVocab);
  torch::Tensor mask = pad.empty() ? torch::Tensor() : left_padding_mask(prompt_len, pad);
  if (options.contains("eos_from_step")) {
    // An eos the model really produces: row 0's token at that step of a run
    // without one, or at the first later step with a token row 0 has not
    // produced before, so that the row does stop there.
    json free = options;
    free.erase("eos_from_step");
    torch::Tensor run = nn::generate(model, ids, options_from(free), mask).sequences.slice(1, prompt_len);
    int64_t step = options["eos_from_step"];
    auto seen_before = [&](int64_t at) {
      return (run[0].slice(0, 0, at) == run[0][at]).any().item<bool>();
    };
    while (step + 1 < run.size(1) && seen_before(step))
      ++step;
    options["eos_token_id"] = run[0][step].item<int64_t>();
    options.erase("eos_from_step");
  }
  nn::GenerationOutput out = nn::generate(model, ids, options_from(options).output_logits(true), mask);

  CaseData data;
  data.name = name;
  std::vector<std::string> params;
  for (const auto &p : model->named_parameters()) {
    data.tensors["param." + p.key()] = p.value().detach().clone();
    params.push_back(p.key());
  }
  for (const auto &b : model->named_buffers())
    data.tensors["buffer." + b.key()] = b.value().clone();
  data.tensors["input.input_ids"] = ids;
  if (mask.defined())
    data.tensors["input.attention_mask"] = mask;
  data.tensors["output.sequences"] = out.sequences;
  data.tensors["output.logits"] = torch::stack(out.logits);
  json meta = {{"kind", "generation"}, {"name", name},       {"config", config},
               {"options", options},   {"params", params}};
  data.metadata["case"] = meta.dump();
  return data;
}

} // namespace

json generation_preset(const std::string &name) {
  if (name == "llama_gqa") {
    json config = preset_config("llama");
    config["layer"]["attention"]["num_kv_heads"] = 2;
    return config;
  }
  return preset_config(name);
}

nn::CausalLM eval_model(const json &config, uint64_t seed) {
  torch::manual_seed(seed);
  nn::CausalLM model = build_causal_lm(config);
  {
    torch::NoGradGuard no_grad;
    for (torch::Tensor &p : model->parameters())
      p.add_(torch::randn_like(p) * 0.1);
  }
  model->eval();
  return model;
}

std::vector<CaseData> generation_cases() {
  std::vector<CaseData> cases;
  // The processors one by one, at ordinary and edge values.
  const std::vector<std::pair<std::string, json>> processors = {
      {"proc_repetition_penalty", {{"processor", "repetition_penalty"}, {"penalty", 1.3}}},
      {"proc_repetition_penalty_below_one", {{"processor", "repetition_penalty"}, {"penalty", 0.5}}},
      {"proc_temperature", {{"processor", "temperature"}, {"temperature", 0.7}}},
      {"proc_temperature_hot", {{"processor", "temperature"}, {"temperature", 1.8}}},
      {"proc_top_k", {{"processor", "top_k"}, {"top_k", 5}}},
      {"proc_top_k_ties", {{"processor", "top_k"}, {"top_k", 3}}},
      {"proc_top_k_min_tokens_to_keep", {{"processor", "top_k"}, {"top_k", 1}, {"min_tokens_to_keep", 4}}},
      {"proc_top_k_beyond_vocab", {{"processor", "top_k"}, {"top_k", 100}}},
      {"proc_top_p", {{"processor", "top_p"}, {"top_p", 0.9}}},
      {"proc_top_p_small", {{"processor", "top_p"}, {"top_p", 0.05}}},
      {"proc_top_p_min_tokens_to_keep", {{"processor", "top_p"}, {"top_p", 0.3}, {"min_tokens_to_keep", 3}}},
      {"proc_top_p_zero", {{"processor", "top_p"}, {"top_p", 0.0}}},
      // The reference's TextgenCallback settings, and greedy search, where
      // only the repetition penalty applies.
      {"proc_pipeline_textgen",
       {{"processor", "pipeline"},
        {"options",
         {{"do_sample", true}, {"temperature", 0.7}, {"top_k", 20}, {"top_p", 0.9}, {"repetition_penalty", 1.15}}}}},
      {"proc_pipeline_greedy",
       {{"processor", "pipeline"},
        {"options",
         {{"do_sample", false}, {"temperature", 0.5}, {"top_k", 3}, {"top_p", 0.5}, {"repetition_penalty", 1.2}}}}},
  };
  for (const auto &[name, params] : processors)
    cases.push_back(processor_case(name, params));

  // Whole generations.
  cases.push_back(generation_case("gen_llama_greedy", "llama", 400, 2, 5, {}, {{"max_new_tokens", 12}}));
  cases.push_back(
      generation_case("gen_llama_gqa_greedy_padded", "llama_gqa", 401, 2, 6, {0, 2}, {{"max_new_tokens", 12}}));
  cases.push_back(
      generation_case("gen_mistral_greedy_window_padded", "mistral", 402, 2, 6, {3, 0}, {{"max_new_tokens", 16}}));
  cases.push_back(generation_case("gen_qwen3_greedy_repetition_penalty", "qwen3", 403, 2, 5, {},
                                  {{"max_new_tokens", 12}, {"repetition_penalty", 1.3}}));
  cases.push_back(generation_case("gen_causal_lm_greedy", "causal_lm", 404, 2, 5, {}, {{"max_new_tokens", 12}}));
  // Absolute (sinusoidal) positions: RoPE is blind to a constant shift, so
  // this is the case that shows padded rows count positions from their
  // first real token.
  cases.push_back(
      generation_case("gen_causal_lm_greedy_padded", "causal_lm", 409, 2, 6, {2, 0}, {{"max_new_tokens", 12}}));
  cases.push_back(generation_case("gen_llama_gqa_greedy_eos", "llama_gqa", 405, 2, 4, {},
                                  {{"max_new_tokens", 12}, {"eos_from_step", 3}, {"pad_token_id", 0}}));
  cases.push_back(generation_case("gen_llama_greedy_eos_one_row", "llama", 410, 1, 4, {},
                                  {{"max_new_tokens", 12}, {"eos_from_step", 4}}));
  cases.push_back(generation_case("gen_llama3_sample_textgen", "llama3", 406, 3, 5, {},
                                  {{"max_new_tokens", 20},
                                   {"do_sample", true},
                                   {"temperature", 0.7},
                                   {"top_k", 20},
                                   {"top_p", 0.9},
                                   {"repetition_penalty", 1.15},
                                   {"seed", 1234}}));
  cases.push_back(generation_case("gen_mistral_sample_padded", "mistral", 407, 2, 6, {0, 3},
                                  {{"max_new_tokens", 16}, {"do_sample", true}, {"temperature", 1.3}, {"top_p", 0.8},
                                   {"seed", 99}}));
  cases.push_back(generation_case("gen_deepone_greedy_no_cache", "deepone", 408, 2, 5, {},
                                  {{"max_new_tokens", 10}, {"use_cache", false}}));
  return cases;
}

} // namespace fgcc::models_test
