//===- generation.cpp - Text generation: logits processing and sampling ---===//
#include "generation.hpp"

#include "kv_cache.hpp"

#include <limits>

namespace fgcc::nn {

namespace {

constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

void check_scores(const torch::Tensor &scores, const char *who) {
  TORCH_CHECK(scores.dim() == 2, who, ": scores must be [B, V], got ", scores.sizes());
}

/// Rejects the values HF's processors reject, before any forward runs.
void check_options(const GenerationOptions &o) {
  TORCH_CHECK(o.max_new_tokens() >= 0, "generate: max_new_tokens must not be negative");
  TORCH_CHECK(o.repetition_penalty() > 0, "generate: repetition_penalty must be positive, got ",
              o.repetition_penalty());
  TORCH_CHECK(o.min_tokens_to_keep() >= 1, "generate: min_tokens_to_keep must be at least 1");
  if (o.do_sample()) {
    TORCH_CHECK(o.temperature() > 0, "generate: temperature must be positive when sampling, got ", o.temperature());
    TORCH_CHECK(o.top_k() >= 0, "generate: top_k must not be negative (0 disables it), got ", o.top_k());
    TORCH_CHECK(o.top_p() >= 0 && o.top_p() <= 1, "generate: top_p must be in [0, 1], got ", o.top_p());
  }
}

/// HF's position ids for a (left-)padded batch: the number of real tokens
/// before each one, and 1 on padding (whose value nothing reads).
torch::Tensor positions_from_mask(const torch::Tensor &mask) {
  return (mask.cumsum(1) - 1).masked_fill(mask == 0, 1);
}

} // namespace

//===--- Logits processors --------------------------------------------------===//

torch::Tensor apply_repetition_penalty(const torch::Tensor &scores, const torch::Tensor &input_ids, double penalty) {
  check_scores(scores, "apply_repetition_penalty");
  TORCH_CHECK(penalty > 0, "apply_repetition_penalty: penalty must be positive, got ", penalty);
  torch::Tensor ids = input_ids.to(scores.device(), torch::kLong);
  torch::Tensor seen = scores.gather(1, ids);
  // Dividing a negative logit would raise it; multiplying lowers it, so the
  // penalty makes a repeat less likely whatever the sign. A token that
  // occurs several times is penalised once (the scatter writes the same
  // value to it each time).
  seen = torch::where(seen < 0, seen * penalty, seen / penalty);
  return scores.scatter(1, ids, seen);
}

torch::Tensor apply_temperature(const torch::Tensor &scores, double temperature) {
  check_scores(scores, "apply_temperature");
  TORCH_CHECK(temperature > 0, "apply_temperature: temperature must be positive, got ", temperature);
  return scores / temperature;
}

torch::Tensor top_k_filter(const torch::Tensor &scores, int64_t top_k, int64_t min_tokens_to_keep) {
  check_scores(scores, "top_k_filter");
  TORCH_CHECK(top_k > 0, "top_k_filter: top_k must be positive, got ", top_k);
  const int64_t k = std::min(std::max(top_k, min_tokens_to_keep), scores.size(-1));
  // The k-th largest value of each row is the threshold; comparing with it
  // (rather than keeping topk's indices) keeps every token tied with it.
  torch::Tensor kth = std::get<0>(scores.topk(k, -1)).select(-1, k - 1).unsqueeze(-1);
  return scores.masked_fill(scores < kth, kMinusInf);
}

torch::Tensor top_p_filter(const torch::Tensor &scores, double top_p, int64_t min_tokens_to_keep) {
  check_scores(scores, "top_p_filter");
  TORCH_CHECK(top_p >= 0 && top_p <= 1, "top_p_filter: top_p must be in [0, 1], got ", top_p);
  // Ascending order: the tokens to drop are a prefix, the least likely ones
  // whose probabilities add up to at most 1 - top_p.
  auto [sorted, order] = scores.sort(-1, /*descending=*/false);
  torch::Tensor cumulative = sorted.softmax(-1).cumsum(-1);
  torch::Tensor drop_sorted = cumulative <= (1 - top_p);
  const int64_t keep = std::min(min_tokens_to_keep, scores.size(-1));
  drop_sorted.slice(-1, scores.size(-1) - keep).fill_(false);
  torch::Tensor drop = drop_sorted.scatter(1, order, drop_sorted);
  return scores.masked_fill(drop, kMinusInf);
}

torch::Tensor process_logits(const torch::Tensor &scores, const torch::Tensor &input_ids,
                             const GenerationOptions &options) {
  // HF adds a processor only when it changes something (penalty != 1,
  // temperature != 1, top_k != 0, top_p < 1); the warpers only when
  // sampling.
  torch::Tensor out = scores;
  if (options.repetition_penalty() != 1.0)
    out = apply_repetition_penalty(out, input_ids, options.repetition_penalty());
  if (!options.do_sample())
    return out;
  if (options.temperature() != 1.0)
    out = apply_temperature(out, options.temperature());
  if (options.top_k() != 0)
    out = top_k_filter(out, options.top_k(), options.min_tokens_to_keep());
  if (options.top_p() < 1.0)
    out = top_p_filter(out, options.top_p(), options.min_tokens_to_keep());
  return out;
}

torch::Tensor select_next_tokens(const torch::Tensor &scores, const GenerationOptions &options) {
  check_scores(scores, "select_next_tokens");
  if (!options.do_sample())
    return scores.argmax(-1);
  torch::Tensor probs = scores.softmax(-1);
  return torch::multinomial(probs, 1, /*replacement=*/false, options.generator()).squeeze(1);
}

//===--- generate -----------------------------------------------------------===//

GenerationOutput generate(CausalLMImpl &model, const torch::Tensor &input_ids, const GenerationOptions &options,
                          const torch::Tensor &attention_mask) {
  TORCH_CHECK(input_ids.dim() == 2 && input_ids.size(1) > 0, "generate: input_ids must be [B, T] with T > 0, got ",
              input_ids.sizes());
  check_options(options);
  torch::NoGradGuard no_grad;
  const int64_t batch = input_ids.size(0);
  const c10::optional<int64_t> eos = options.eos_token_id();
  const int64_t pad = options.pad_token_id().value_or(eos.value_or(0));

  GenerationOutput out;
  out.sequences = input_ids.to(torch::kLong);
  torch::Tensor mask;
  if (attention_mask.defined()) {
    TORCH_CHECK(attention_mask.sizes() == input_ids.sizes(), "generate: attention_mask must be ", input_ids.sizes(),
                ", got ", attention_mask.sizes());
    mask = attention_mask.to(input_ids.device(), torch::kLong);
  }

  // The logits of the last position for the sequences so far. With the
  // cache only the tokens the cache has not seen are fed; without it, all.
  KVCache cache;
  auto next_logits = [&]() {
    torch::Tensor positions = mask.defined() ? positions_from_mask(mask) : torch::Tensor();
    torch::Tensor logits;
    if (options.use_cache()) {
      const int64_t fresh = out.sequences.size(1) - cache.length();
      if (positions.defined())
        positions = positions.slice(1, positions.size(1) - fresh);
      logits = model.forward_cached(out.sequences.slice(1, out.sequences.size(1) - fresh), cache, positions, mask);
    } else {
      logits = model.forward(out.sequences, mask, positions);
    }
    // HF processes float32 copies, whatever the model's dtype.
    return logits.select(1, logits.size(1) - 1).to(torch::kFloat);
  };

  torch::Tensor unfinished = torch::ones({batch}, out.sequences.options().dtype(torch::kBool));
  for (int64_t step = 0; step < options.max_new_tokens(); ++step) {
    torch::Tensor logits = next_logits();
    if (options.output_logits())
      out.logits.push_back(logits);
    torch::Tensor next = select_next_tokens(process_logits(logits, out.sequences, options), options);
    if (eos)
      next = torch::where(unfinished, next, torch::full_like(next, pad));
    out.sequences = torch::cat({out.sequences, next.unsqueeze(1)}, 1);
    if (mask.defined())
      mask = torch::cat({mask, torch::ones({batch, 1}, mask.options())}, 1);
    if (eos) {
      unfinished = unfinished.logical_and(next != *eos);
      if (!unfinished.any().item<bool>())
        break;
    }
  }
  return out;
}

GenerationOutput generate(CausalLM &model, const torch::Tensor &input_ids, const GenerationOptions &options,
                          const torch::Tensor &attention_mask) {
  return generate(*model, input_ids, options, attention_mask);
}

} // namespace fgcc::nn
