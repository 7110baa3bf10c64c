//===- kv_cache_checks.cpp - Incremental decoding against the full forward ===//
//
// A KV cache is exact: the logits of a sequence decoded piece by piece with
// CausalLM::forward_cached must be those of one forward over the whole
// sequence. These checks need no reference; each compares the two for a
// preset (GQA, sliding window, QK-norm, llama-3 RoPE scaling, absolute
// sinusoidal positions, tied head) and a decoding schedule (prefill then
// one token at a time, one token at a time from the start, chunks of
// several tokens after a prefill), with and without left padding, using
// check_models.py's measure |cached - full| / max(1, |full|) <= 1e-5.
//
// Then generate(): with and without the cache it must pick the same tokens,
// be reproducible under a seed, stop at eos and pad finished rows, and
// refuse a cache where the attention has none (ALiBi, single head).
//
//===----------------------------------------------------------------------===//
#include "harness.hpp"

#include "causal_multihead_attn.hpp"
#include "generation.hpp"
#include "kv_cache.hpp"
#include "pre_ln_layer.hpp"

#include <cstdio>
#include <iostream>
#include <sstream>

namespace fgcc::models_test {

namespace {

constexpr int64_t kVocab = 61, kSeq = 16;
constexpr double kTolerance = 1e-5;

/// A check's outcome: empty `why` on success, and the largest error it
/// measured (negative when it measures none).
struct Outcome {
  std::string why;
  double error = -1;
};

/// |a - b| / max(1, |b|), maximised: check_models.py's measure.
double scaled_error(const torch::Tensor &a, const torch::Tensor &b) {
  return ((a - b).abs() / b.abs().clamp_min(1.0)).max().item<double>();
}

Outcome compare(const torch::Tensor &actual, const torch::Tensor &expected, const std::string &what) {
  if (actual.sizes() != expected.sizes()) {
    std::ostringstream why;
    why << what << ": shape " << actual.sizes() << " vs " << expected.sizes();
    return {why.str()};
  }
  Outcome out{"", scaled_error(actual, expected)};
  if (!(out.error <= kTolerance))
    out.why = what + ": error " + std::to_string(out.error) + " > 1e-5";
  return out;
}

bool throws_with(const std::function<void()> &f, const std::string &needle, std::string *message = nullptr) {
  try {
    f();
  } catch (const c10::Error &e) {
    if (message)
      *message = e.what_without_backtrace();
    return std::string(e.what()).find(needle) != std::string::npos;
  }
  return false;
}

/// HF's positions for a padded batch: real tokens counted from 0, padding 1.
torch::Tensor positions_from_mask(const torch::Tensor &mask) { return (mask.cumsum(1) - 1).masked_fill(mask == 0, 1); }

/// The logits of `ids` [B, T] decoded incrementally: `prefill` tokens, then
/// `chunk` tokens per call. `mask` [B, T] (optional) marks left padding.
torch::Tensor incremental_logits(nn::CausalLM &model, const torch::Tensor &ids, int64_t prefill, int64_t chunk,
                                 const torch::Tensor &mask) {
  nn::KVCache cache;
  const torch::Tensor positions = mask.defined() ? positions_from_mask(mask) : torch::Tensor();
  std::vector<torch::Tensor> parts;
  const int64_t total = ids.size(1);
  for (int64_t start = 0; start < total;) {
    const int64_t len = std::min(start == 0 ? prefill : chunk, total - start);
    // The padding mask covers the cached tokens and the new ones (HF's
    // convention); positions only the new ones.
    torch::Tensor pos = positions.defined() ? positions.slice(1, start, start + len) : torch::Tensor();
    torch::Tensor m = mask.defined() ? mask.slice(1, 0, start + len) : torch::Tensor();
    parts.push_back(model->forward_cached(ids.slice(1, start, start + len), cache, pos, m));
    if (cache.length() != start + len)
      TORCH_CHECK(false, "cache length ", cache.length(), " after ", start + len, " tokens");
    start += len;
  }
  return torch::cat(parts, 1);
}

/// Cached decoding of `preset` with the schedule (prefill, chunk) gives the
/// full forward's logits; with `padded`, row 1 has 3 pad tokens on the left
/// and only real positions are compared (a pad query attends to nothing).
Outcome cache_matches_full(const std::string &preset, int64_t prefill, int64_t chunk, bool padded) {
  nn::CausalLM model = eval_model(generation_preset(preset), 300);
  torch::Tensor ids = token_ids(2, kSeq, kVocab);
  torch::Tensor mask = padded ? left_padding_mask(kSeq, {0, 3}) : torch::Tensor();
  torch::NoGradGuard no_grad;
  torch::Tensor full = model(ids, mask, mask.defined() ? positions_from_mask(mask) : torch::Tensor());
  torch::Tensor cached = incremental_logits(model, ids, prefill, chunk, mask);
  if (padded) {
    torch::Tensor real = mask.to(torch::kBool);
    return compare(cached.index({real}), full.index({real}), "logits");
  }
  return compare(cached, full, "logits");
}

/// The attention alone: called token by token with no mask and no
/// positions, it must rotate at past + t and attend causally by itself.
Outcome attention_defaults() {
  torch::manual_seed(7);
  nn::RotaryPE rope(nn::RotaryPEOptions(32, 4).max_position_embeddings(64));
  nn::CausalMultiheadAttn attn(nn::CausalMultiheadAttnOptions(32, 4).num_kv_heads(2).pos_encoder(rope));
  torch::Tensor x = torch::randn({2, 9, 32});
  torch::NoGradGuard no_grad;
  torch::Tensor full = attn(x);
  nn::KVCache cache;
  std::vector<torch::Tensor> parts;
  for (int64_t t = 0; t < 9; ++t)
    parts.push_back(attn->forward_cached(x.slice(1, t, t + 1), {}, {}, cache, 0));
  if (cache.keys(0).sizes() != torch::IntArrayRef({2, 2, 9, 8}))
    return {"cached keys are not [B, Hkv, T, D] = [2, 2, 9, 8]"};
  return compare(torch::cat(parts, 1), full, "attention output");
}

/// crop() undoes steps and select_rows() keeps batch rows: decoding goes on
/// as if the dropped part had never been there.
Outcome crop_and_select_rows() {
  nn::CausalLM model = eval_model(generation_preset("mistral"), 301);
  torch::Tensor ids = token_ids(3, 10, kVocab);
  torch::NoGradGuard no_grad;
  torch::Tensor full = model(ids);
  nn::KVCache cache;
  model->forward_cached(ids, cache);
  cache.crop(6);
  if (cache.length() != 6)
    return {"crop(6) left " + std::to_string(cache.length()) + " tokens"};
  Outcome out = compare(model->forward_cached(ids.slice(1, 6), cache), full.slice(1, 6), "after crop");
  if (!out.why.empty())
    return out;
  cache.crop(8);
  cache.select_rows(torch::tensor({2, 0}, torch::kLong));
  Outcome rows = compare(model->forward_cached(ids.index({torch::tensor({2, 0}, torch::kLong)}).slice(1, 8), cache),
                         full.index({torch::tensor({2, 0}, torch::kLong)}).slice(1, 8), "after select_rows");
  rows.error = std::max(rows.error, out.error);
  return rows;
}

/// ALiBi and single-head attention have no cache (nor has the reference):
/// asking for one fails with a message naming the block.
Outcome unsupported_attention_throws() {
  nn::CausalLM deepone = eval_model(preset_config("deepone"), 302);
  torch::Tensor ids = token_ids(1, 4, kVocab);
  std::string message;
  if (!throws_with(
          [&] {
            nn::KVCache cache;
            deepone->forward_cached(ids, cache);
          },
          "does not support a KV cache", &message))
    return {"ALiBi attention accepted a KV cache"};
  if (message.find("CausalAlibiAttn") == std::string::npos)
    return {"the error does not name the attention: " + message};
  json config = preset_config("llama");
  config["layer"]["attention"] = {{"type", "SingleHeadAttn"}, {"d_model", 32}, {"bias", true}, {"dropout", 0.0}};
  nn::CausalLM single = eval_model(config, 303);
  if (!throws_with(
          [&] {
            nn::KVCache cache;
            single->forward_cached(ids, cache);
          },
          "SingleHeadAttnImpl does not support a KV cache"))
    return {"single-head attention accepted a KV cache"};
  // generate() without the cache still works for them.
  nn::GenerationOutput out = nn::generate(deepone, ids, nn::GenerationOptions().max_new_tokens(3).use_cache(false));
  if (out.sequences.size(1) != 7)
    return {"generate without a cache made " + std::to_string(out.sequences.size(1) - 4) + " tokens, not 3"};
  if (!throws_with([&] { nn::generate(deepone, ids, nn::GenerationOptions().max_new_tokens(3)); },
                   "does not support a KV cache"))
    return {"generate with a cache accepted ALiBi"};
  return {};
}

/// Greedy generation picks the same tokens with and without the cache, and
/// its logits agree (padded batch, sliding window, 20 new tokens).
Outcome generate_cache_matches_recompute() {
  nn::CausalLM model = eval_model(generation_preset("mistral"), 304);
  torch::Tensor ids = token_ids(2, 6, kVocab);
  torch::Tensor mask = left_padding_mask(6, {0, 2});
  auto options = nn::GenerationOptions().max_new_tokens(20).output_logits(true).repetition_penalty(1.2);
  nn::GenerationOutput cached = nn::generate(model, ids, options, mask);
  nn::GenerationOutput recomputed = nn::generate(model, ids, options.use_cache(false), mask);
  if (!torch::equal(cached.sequences, recomputed.sequences))
    return {"different tokens with and without the cache"};
  return compare(torch::stack(cached.logits), torch::stack(recomputed.logits), "step logits");
}

/// Sampling is reproducible from a seed, through an explicit generator or
/// the default one, and two seeds give different text.
Outcome sampling_is_seeded() {
  nn::CausalLM model = eval_model(generation_preset("llama_gqa"), 305);
  torch::Tensor ids = token_ids(2, 4, kVocab);
  auto options = nn::GenerationOptions().max_new_tokens(30).do_sample(true).temperature(1.5);
  auto with_seed = [&](uint64_t seed) {
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    return nn::generate(model, ids, nn::GenerationOptions(options).generator(generator)).sequences;
  };
  auto with_manual_seed = [&](uint64_t seed) {
    torch::manual_seed(seed);
    return nn::generate(model, ids, options).sequences;
  };
  if (!torch::equal(with_seed(11), with_seed(11)))
    return {"the same generator seed sampled different tokens"};
  if (!torch::equal(with_manual_seed(11), with_manual_seed(11)))
    return {"the same manual_seed sampled different tokens"};
  if (torch::equal(with_seed(11), with_seed(12)))
    return {"two seeds sampled the same 30 tokens"};
  // Greedy ignores the warpers and the generator.
  auto greedy = nn::GenerationOptions().max_new_tokens(10);
  if (!torch::equal(nn::generate(model, ids, greedy).sequences,
                    nn::generate(model, ids, nn::GenerationOptions(greedy).temperature(0.3).top_k(2)).sequences))
    return {"temperature or top_k changed greedy search"};
  return {};
}

/// A row stops at eos_token_id and gets pad_token_id after it; the loop
/// ends once every row has finished.
Outcome eos_stops_and_pads() {
  nn::CausalLM model = eval_model(generation_preset("llama_gqa"), 306);
  torch::Tensor ids = token_ids(2, 4, kVocab);
  torch::Tensor free_run = nn::generate(model, ids, nn::GenerationOptions().max_new_tokens(12)).sequences;
  // Row 0's third new token becomes the eos; row 1 may or may not make it.
  const int64_t eos = free_run[0][4 + 2].item<int64_t>();
  // The pad is a real token (finished rows go on through the model): 0,
  // told apart from a generated 0 by position.
  const int64_t pad = 0;
  auto options = nn::GenerationOptions().max_new_tokens(12).eos_token_id(eos).pad_token_id(pad);
  torch::Tensor seq = nn::generate(model, ids, options).sequences;
  // What that must give: each row as in the free run up to its first eos,
  // pad after it; the loop ends with the step where the last row finished
  // (at max_new_tokens if one never does).
  torch::Tensor expected = free_run.clone();
  int64_t last_step = 0, row0_stop = 0;
  for (int64_t row = 0; row < 2; ++row) {
    int64_t stop = 12;
    for (int64_t step = 0; step < 12 && stop == 12; ++step)
      if (free_run[row][4 + step].item<int64_t>() == eos)
        stop = step;
    if (stop < 11)
      expected[row].slice(0, 4 + stop + 1).fill_(pad);
    last_step = std::max(last_step, std::min<int64_t>(stop, 11));
    if (row == 0)
      row0_stop = stop;
  }
  expected = expected.slice(1, 0, 4 + last_step + 1);
  if (!torch::equal(seq, expected)) {
    std::ostringstream why;
    why << "eos " << eos << ": got " << seq << " expected " << expected;
    return {why.str()};
  }
  // Row 0 alone (its first eos is at step 2 or before): the loop must end
  // there.
  torch::Tensor alone = nn::generate(model, ids.slice(0, 0, 1), options).sequences;
  if (alone.size(1) != 4 + row0_stop + 1)
    return {"a finished batch went on to " + std::to_string(alone.size(1) - 4) + " new tokens"};
  return {};
}

/// Out-of-range options are refused before anything runs.
Outcome bad_generation_options_throw() {
  nn::CausalLM model = eval_model(generation_preset("llama_gqa"), 307);
  torch::Tensor ids = token_ids(1, 3, kVocab);
  if (!throws_with([&] { nn::generate(model, ids, nn::GenerationOptions().do_sample(true).temperature(0)); },
                   "temperature must be positive"))
    return {"temperature 0 was accepted for sampling"};
  if (!throws_with([&] { nn::generate(model, ids, nn::GenerationOptions().repetition_penalty(-1)); },
                   "repetition_penalty must be positive"))
    return {"a negative repetition penalty was accepted"};
  if (!throws_with([&] { nn::generate(model, ids, nn::GenerationOptions().do_sample(true).top_p(1.5)); },
                   "top_p must be in [0, 1]"))
    return {"top_p 1.5 was accepted"};
  return {};
}

} // namespace

int run_kv_cache_checks() {
  std::vector<std::pair<std::string, std::function<Outcome()>>> checks;
  // Schedules: prefill 5 then single tokens (generation), single tokens from
  // the start, prefill 4 then chunks of 3 (several new queries over a past).
  const std::vector<std::tuple<const char *, int64_t, int64_t>> schedules = {
      {"prefill5_step1", 5, 1}, {"step1", 1, 1}, {"prefill4_chunk3", 4, 3}};
  for (const char *preset : {"llama_gqa", "mistral", "qwen3", "llama3", "causal_lm", "tied"})
    for (const auto &[schedule, prefill, chunk] : schedules)
      checks.emplace_back(std::string("kv_cache_") + preset + "_" + schedule,
                          [preset = std::string(preset), prefill = prefill, chunk = chunk] {
                            return cache_matches_full(preset, prefill, chunk, false);
                          });
  // causal_lm has absolute positions, which padded rows must count from
  // their first real token.
  for (const char *preset : {"llama_gqa", "mistral", "causal_lm"})
    for (const auto &[schedule, prefill, chunk] : schedules)
      checks.emplace_back(std::string("kv_cache_") + preset + "_padded_" + schedule,
                          [preset = std::string(preset), prefill = prefill, chunk = chunk] {
                            return cache_matches_full(preset, prefill, chunk, true);
                          });
  checks.emplace_back("kv_cache_attention_defaults", attention_defaults);
  checks.emplace_back("kv_cache_crop_and_select_rows", crop_and_select_rows);
  checks.emplace_back("kv_cache_unsupported_attention_throws", unsupported_attention_throws);
  checks.emplace_back("generate_cache_matches_recompute", generate_cache_matches_recompute);
  checks.emplace_back("generate_sampling_is_seeded", sampling_is_seeded);
  checks.emplace_back("generate_eos_stops_and_pads", eos_stops_and_pads);
  checks.emplace_back("generate_bad_options_throw", bad_generation_options_throw);

  int failures = 0;
  double worst = 0;
  for (const auto &[name, check] : checks) {
    Outcome out;
    try {
      out = check();
    } catch (const c10::Error &e) {
      out.why = std::string("exception: ") + e.what_without_backtrace();
    } catch (const std::exception &e) {
      out.why = std::string("exception: ") + e.what();
    }
    if (out.error >= 0)
      worst = std::max(worst, out.error);
    char error[64] = "";
    if (out.error >= 0)
      std::snprintf(error, sizeof error, " (max error %.2e)", out.error);
    if (out.why.empty()) {
      std::cout << "PASS " << name << error << "\n";
    } else {
      std::cout << "FAIL " << name << ": " << out.why << "\n";
      ++failures;
    }
  }
  char summary[64];
  std::snprintf(summary, sizeof summary, ", max error %.2e", worst);
  std::cout << "kv-cache: " << checks.size() - failures << " passed, " << failures << " failed" << summary << "\n";
  return failures;
}

} // namespace fgcc::models_test
