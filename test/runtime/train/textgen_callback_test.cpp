// TextgenCallback: greedy generation against a hand-computed argmax loop,
// determinism of sampling, the option checks, the places where it must
// step aside (pipeline, no tokenizer, other ranks), and training losses
// that do not change when it runs.
#include "fgrt/train/textgen_callback.hpp"

#include "fgrt/train/trainer.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace fgrt::train;

namespace {

/// A causal LM small enough to follow by hand: position t's logits are the
/// head applied to the sum of the embeddings of tokens 0..t, so every token
/// of the context matters. Dropout draws from the training RNG, which makes
/// any stray use of that RNG show in the losses.
struct PrefixSumLMImpl : torch::nn::Module {
  PrefixSumLMImpl(int64_t vocab, int64_t dim)
      : embedding(register_module("embedding", torch::nn::Embedding(vocab, dim))),
        dropout(register_module("dropout", torch::nn::Dropout(0.1))),
        head(register_module("head", torch::nn::Linear(dim, vocab))) {}
  torch::Tensor forward(torch::Tensor input_ids, torch::Tensor /*attention_mask*/, torch::Tensor /*position_ids*/) {
    return head(dropout(embedding(input_ids).cumsum(1)));
  }
  torch::nn::Embedding embedding;
  torch::nn::Dropout dropout;
  torch::nn::Linear head;
};
TORCH_MODULE(PrefixSumLM);

constexpr int64_t kVocab = 300;

/// A ModelAccess over `model` with a one-byte-per-token "tokenizer".
ModelAccess byte_level_access(PrefixSumLM model) {
  ModelAccess access;
  access.forward = [model](const torch::Tensor &ids, const torch::Tensor &mask,
                           const torch::Tensor &positions) mutable { return model->forward(ids, mask, positions); };
  access.module = model.ptr().get();
  access.encode = [](const std::string &text) {
    std::vector<int64_t> ids;
    for (unsigned char c : text)
      ids.push_back(c);
    return ids;
  };
  access.decode = [](const std::vector<int64_t> &ids) {
    std::string text;
    for (int64_t id : ids)
      text += id < 256 ? static_cast<char>(id) : '?';
    return text;
  };
  return access;
}

TextgenCallbackOptions greedy(int64_t tokens) {
  return TextgenCallbackOptions().prompts({"ab"}).max_new_tokens(tokens).temperature(0).repetition_penalty(1.0);
}

torch::Generator seeded(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

} // namespace

TEST(TextgenCallback, GreedyEqualsAHandComputedArgmaxLoop) {
  torch::manual_seed(1);
  PrefixSumLM model(kVocab, 8);
  model->eval();
  ModelAccess access = byte_level_access(model);
  torch::Generator generator = seeded(0);
  std::vector<int64_t> prompt = {3, 14, 15};
  std::vector<int64_t> generated =
      generate_continuation(access.forward, prompt, greedy(12), std::nullopt, torch::kCPU, generator);

  // By hand: keep the running sum of embeddings, take the head's argmax.
  torch::NoGradGuard no_grad;
  torch::Tensor sum = torch::zeros({8});
  for (int64_t id : prompt)
    sum += model->embedding->weight[id];
  std::vector<int64_t> expected;
  for (int i = 0; i < 12; ++i) {
    int64_t next = model->head->forward(sum.unsqueeze(0)).argmax(-1).item<int64_t>();
    expected.push_back(next);
    sum += model->embedding->weight[next];
  }
  EXPECT_EQ(generated, expected);
}

TEST(TextgenCallback, GenerationIsDeterministic) {
  torch::manual_seed(2);
  PrefixSumLM model(kVocab, 8);
  model->eval(); // dropout would draw from the global generator
  ModelAccess access = byte_level_access(model);
  for (const TextgenCallbackOptions &options : {greedy(10), TextgenCallbackOptions().prompts({"ab"})}) {
    torch::Generator first = seeded(7), second = seeded(7);
    std::vector<int64_t> a = generate_continuation(access.forward, {1, 2}, options, std::nullopt, torch::kCPU, first);
    std::vector<int64_t> b = generate_continuation(access.forward, {1, 2}, options, std::nullopt, torch::kCPU, second);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.size(), static_cast<size_t>(options.max_new_tokens()));
  }
}

TEST(TextgenCallback, StopsAtEndOfSequenceAndLeavesItOut) {
  torch::manual_seed(1);
  PrefixSumLM model(kVocab, 8);
  model->eval();
  ModelAccess access = byte_level_access(model);
  torch::Generator generator = seeded(0);
  std::vector<int64_t> free_run =
      generate_continuation(access.forward, {3, 14}, greedy(12), std::nullopt, torch::kCPU, generator);
  ASSERT_GE(free_run.size(), 3u);
  std::vector<int64_t> stopped =
      generate_continuation(access.forward, {3, 14}, greedy(12), free_run[2], torch::kCPU, generator);
  // The same greedy run, up to the first time it produces that token.
  auto eos = std::find(free_run.begin(), free_run.end(), free_run[2]);
  EXPECT_EQ(stopped, std::vector<int64_t>(free_run.begin(), eos));
}

TEST(TextgenCallback, GenerateFormatsPromptAndContinuationAndRestoresTrainMode) {
  torch::manual_seed(3);
  PrefixSumLM model(kVocab, 8);
  model->train();
  TextgenCallback callback(greedy(5).prompts({"Once", "The dog"}));
  callback.on_model_ready(byte_level_access(model));
  std::vector<std::string> entries = callback.generate();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].rfind("Once [START] ", 0), 0u) << entries[0];
  EXPECT_EQ(entries[1].rfind("The dog [START] ", 0), 0u) << entries[1];
  EXPECT_TRUE(model->is_training());
}

TEST(TextgenCallback, RejectsOptionsThatCannotWork) {
  auto message = [](const TextgenCallbackOptions &options) {
    try {
      TextgenCallback callback(options);
    } catch (const std::invalid_argument &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(TextgenCallbackOptions()), "TextgenCallback: prompts is empty: give at least one prompt to continue");
  EXPECT_EQ(message(greedy(0)), "TextgenCallback: max_new_tokens must be at least 1");
  EXPECT_EQ(message(greedy(1).temperature(-1)), "TextgenCallback: temperature must be 0 (greedy) or more");
  EXPECT_EQ(message(greedy(1).top_p(0)), "TextgenCallback: top_p must be in (0, 1]");
}

TEST(TextgenCallback, StepsAsideWithOneNoteWithoutAWholeModelOrATokenizer) {
  TextgenCallback callback(greedy(3));
  TrainerState state;
  TrainerControl control;
  ModelAccess pipeline; // no forward: a pipeline rank
  testing::internal::CaptureStdout();
  callback.on_model_ready(pipeline);
  callback.on_evaluate(state, control, {});
  EXPECT_EQ(testing::internal::GetCapturedStdout(),
            "TextgenCallback: no text generation: no rank holds the whole model in a pipeline run\n");

  torch::manual_seed(1);
  ModelAccess no_tokenizer = byte_level_access(PrefixSumLM(kVocab, 8));
  no_tokenizer.encode = nullptr;
  testing::internal::CaptureStdout();
  callback.on_model_ready(no_tokenizer);
  callback.on_evaluate(state, control, {});
  EXPECT_EQ(testing::internal::GetCapturedStdout(),
            "TextgenCallback: no text generation: the program made its own batches, so there is no tokenizer\n");

  // Another data-parallel rank: silent, rank 0 generates.
  ModelAccess rank1 = byte_level_access(PrefixSumLM(kVocab, 8));
  rank1.rank = 1;
  bool logged = false;
  rank1.log_text = [&](const std::string &, const std::vector<std::string> &) { logged = true; };
  testing::internal::CaptureStdout();
  callback.on_model_ready(rank1);
  callback.on_evaluate(state, control, {});
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
  EXPECT_FALSE(logged);
}

namespace {

/// Records the logged losses and the published texts of a run.
struct Recorder : TrainerCallback {
  void on_log(const TrainerState &, TrainerControl &, const Metrics &metrics) override {
    for (const auto &[name, value] : metrics)
      if (name == "loss")
        losses.push_back(value);
  }
  void on_text(const TrainerState &state, const std::string &tag, const std::vector<std::string> &entries) override {
    texts.push_back(tag + "@" + std::to_string(state.global_step) + ": " + entries.at(0));
  }
  std::vector<double> losses;
  std::vector<std::string> texts;
};

/// Trains the prefix-sum LM for 6 steps on a few synthetic stories, with
/// an evaluation every 2 steps and `extra` callbacks.
std::shared_ptr<Recorder> train_tiny(const fs::path &dir, std::vector<std::shared_ptr<TrainerCallback>> extra) {
  auto recorder = std::make_shared<Recorder>();
  extra.insert(extra.begin(), recorder);
  torch::manual_seed(5);
  TrainerOptions options;
  options.args()
      .output_dir(dir.string())
      .per_device_train_batch_size(2)
      .per_device_eval_batch_size(2)
      .max_steps(6)
      .logging_steps(1)
      .eval_strategy("steps")
      .eval_steps(2)
      .max_eval_steps(1)
      .save_strategy("no");
  options.data().synthetic_stories(60).vocab_size(kVocab).max_length(16).eval_fraction(0.1);
  options.model(torch::nn::AnyModule(PrefixSumLM(kVocab, 8))).callbacks(extra);
  Trainer(options).train();
  return recorder;
}

} // namespace

TEST(TextgenCallback, TrainingLossesAreTheSameWithAndWithoutIt) {
  fs::path dir = fs::temp_directory_path() / ("fgrt_textgen_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  std::shared_ptr<Recorder> plain = train_tiny(dir / "plain", {});
  // Sampling (temperature > 0) at every evaluation.
  auto textgen = std::make_shared<TextgenCallback>(
      TextgenCallbackOptions().prompts({"Once upon a time"}).max_new_tokens(4).generation_steps(0));
  std::shared_ptr<Recorder> with_text = train_tiny(dir / "textgen", {textgen});
  fs::remove_all(dir);

  ASSERT_EQ(plain->losses.size(), 6u);
  EXPECT_EQ(plain->losses, with_text->losses);
  EXPECT_TRUE(plain->texts.empty());
  ASSERT_EQ(with_text->texts.size(), 3u); // evaluations at steps 2, 4 and 6
  EXPECT_EQ(with_text->texts[0].rfind("eval-text@2: Once upon a time [START] ", 0), 0u) << with_text->texts[0];
}
