//===- textgen_callback.cpp - Sample text from prompts during training ---===//
//
// The sampler (one token from the last position's logits), the generation
// loop, and the callback that runs it at evaluations.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/textgen_callback.hpp"
#include "error_text.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <iostream>
#include <limits>
#include <stdexcept>

namespace fgrt::train {

namespace {

/// HF's repetition penalty: every token already in `sequence` becomes less
/// likely, whatever the sign of its logit.
void penalize_repetitions(torch::Tensor &logits, const std::vector<int64_t> &sequence, double penalty) {
  if (penalty == 1.0 || sequence.empty())
    return;
  torch::Tensor seen = std::get<0>(torch::_unique(torch::tensor(sequence, torch::kLong)));
  seen = seen.masked_select(seen.lt(logits.size(0)).logical_and(seen.ge(0)));
  torch::Tensor values = logits.index_select(0, seen);
  logits.index_put_({seen}, torch::where(values.lt(0), values * penalty, values / penalty));
}

/// Keeps the k largest logits (ties with the k-th included); the rest -inf.
void keep_top_k(torch::Tensor &logits, int64_t k) {
  if (k <= 0 || k >= logits.size(0))
    return;
  torch::Tensor kth = std::get<0>(logits.topk(k)).index({k - 1});
  logits.masked_fill_(logits.lt(kth), -std::numeric_limits<float>::infinity());
}

/// Keeps the most likely tokens until their probabilities reach top_p (at
/// least one); the rest -inf.
void keep_top_p(torch::Tensor &logits, double top_p) {
  if (top_p >= 1.0)
    return;
  auto [sorted, order] = logits.sort(/*dim=*/0, /*descending=*/true);
  torch::Tensor probs = sorted.softmax(0);
  // A token goes when the more likely ones before it already reach top_p.
  torch::Tensor before = probs.cumsum(0) - probs;
  torch::Tensor drop = before.ge(top_p);
  logits.index_put_({order.masked_select(drop)}, -std::numeric_limits<float>::infinity());
}

/// The next token from the last position's logits [V] (float32, CPU).
int64_t next_token(torch::Tensor logits, const std::vector<int64_t> &sequence, const TextgenCallbackOptions &options,
                   torch::Generator &generator) {
  penalize_repetitions(logits, sequence, options.repetition_penalty());
  if (options.temperature() == 0.0)
    return logits.argmax().item<int64_t>();
  logits = logits / options.temperature();
  keep_top_k(logits, options.top_k());
  keep_top_p(logits, options.top_p());
  return torch::multinomial(logits.softmax(0), 1, /*replacement=*/false, generator).item<int64_t>();
}

/// Puts a module in eval mode for the guard's lifetime, then back in the
/// mode it was in (also when generation throws).
class EvalModeGuard {
public:
  explicit EvalModeGuard(torch::nn::Module &module) : module_(module), was_training_(module.is_training()) {
    module_.eval();
  }
  ~EvalModeGuard() { module_.train(was_training_); }
  EvalModeGuard(const EvalModeGuard &) = delete;
  EvalModeGuard &operator=(const EvalModeGuard &) = delete;

private:
  torch::nn::Module &module_;
  bool was_training_;
};

/// The continuation's text without the separating space the tokenizer
/// decodes at its start (the reference drops that character too).
std::string continuation_text(const ModelAccess &access, const std::vector<int64_t> &ids) {
  std::string text = access.decode(ids);
  return !text.empty() && text.front() == ' ' ? text.substr(1) : text;
}

void check_options(const TextgenCallbackOptions &o) {
  auto fail = [](const std::string &what) { throw std::invalid_argument("TextgenCallback: " + what); };
  if (o.prompts().empty())
    fail("prompts is empty: give at least one prompt to continue");
  if (o.max_new_tokens() < 1)
    fail("max_new_tokens must be at least 1");
  if (o.generation_steps() < 0)
    fail("generation_steps must be 0 (every evaluation) or more");
  if (o.temperature() < 0)
    fail("temperature must be 0 (greedy) or more");
  if (o.top_k() < 0)
    fail("top_k must be 0 (all tokens) or more");
  if (!(o.top_p() > 0 && o.top_p() <= 1))
    fail("top_p must be in (0, 1]");
  if (!(o.repetition_penalty() > 0))
    fail("repetition_penalty must be more than 0");
}

} // namespace

std::vector<int64_t> generate_continuation(const ModelAccess::Forward &forward, const std::vector<int64_t> &prompt_ids,
                                           const TextgenCallbackOptions &options,
                                           std::optional<int64_t> eos_token_id, torch::Device device,
                                           torch::Generator &generator) {
  if (prompt_ids.empty())
    throw std::invalid_argument("TextgenCallback: a prompt encodes to no tokens");
  torch::NoGradGuard no_grad;
  std::vector<int64_t> sequence = prompt_ids, continuation;
  for (int64_t i = 0; i < options.max_new_tokens(); ++i) {
    const int64_t length = static_cast<int64_t>(sequence.size());
    torch::Tensor input_ids = torch::tensor(sequence, torch::kLong).unsqueeze(0).to(device);
    torch::Tensor positions = torch::arange(length, torch::kLong).unsqueeze(0).to(device);
    torch::Tensor logits = forward(input_ids, torch::Tensor(), positions);
    // Sampling happens on the CPU in fp32, whatever the model's device and
    // dtype, so the draws do not depend on them.
    torch::Tensor last = logits.index({0, length - 1}).to(torch::kCPU, torch::kFloat32).clone();
    int64_t token = next_token(last, sequence, options, generator);
    if (options.stop_at_eos() && eos_token_id && token == *eos_token_id)
      break;
    sequence.push_back(token);
    continuation.push_back(token);
  }
  return continuation;
}

TextgenCallback::TextgenCallback(TextgenCallbackOptions options) : options_(std::move(options)) {
  check_options(options_);
}

void TextgenCallback::disable(const std::string &why) {
  enabled_ = false;
  std::cout << "TextgenCallback: " << why << "\n" << std::flush;
}

void TextgenCallback::on_model_ready(const ModelAccess &access) {
  access_ = access;
  enabled_ = true;
  // Data parallel: the replicas are equal, rank 0 speaks for them.
  if (access.rank != 0) {
    enabled_ = false;
    return;
  }
  if (!access.forward || !access.module)
    disable("no text generation: no rank holds the whole model in a pipeline run");
  else if (!access.encode || !access.decode)
    disable("no text generation: the program made its own batches, so there is no tokenizer");
}

void TextgenCallback::on_evaluate(const TrainerState &state, TrainerControl &, const Metrics &) {
  if (!enabled_ || state.global_step < next_generation_step_)
    return;
  // The reference steps from where it started, not from the current step.
  do
    next_generation_step_ += options_.generation_steps();
  while (options_.generation_steps() > 0 && next_generation_step_ <= state.global_step);
  std::vector<std::string> entries;
  try {
    entries = generate();
  } catch (const c10::Error &e) {
    disable("text generation failed and stops: " + first_line(e.what_without_backtrace()));
    return;
  } catch (const std::exception &e) {
    disable("text generation failed and stops: " + first_line(e.what()));
    return;
  }
  if (access_.log_text)
    access_.log_text("eval-text", entries);
}

std::vector<std::string> TextgenCallback::generate() {
  if (!access_.forward || !access_.module || !access_.encode || !access_.decode)
    throw std::logic_error("TextgenCallback: generate() needs a model and a tokenizer (on_model_ready)");
  EvalModeGuard eval_mode(*access_.module);
  torch::Generator generator = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(options_.seed()));
  std::vector<std::string> entries;
  for (const std::string &prompt : options_.prompts()) {
    std::vector<int64_t> ids = generate_continuation(access_.forward, access_.encode(prompt), options_,
                                                     access_.eos_token_id, access_.device, generator);
    entries.push_back(prompt + " [START] " + continuation_text(access_, ids));
  }
  return entries;
}

} // namespace fgrt::train
