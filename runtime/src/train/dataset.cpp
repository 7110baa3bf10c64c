//===- dataset.cpp - From a corpus to resumable batch streams -------------===//
//
// The steps of dataset.hpp in the order the data flows: read the corpus,
// split it, get a tokenizer, encode and pack, and wrap the loaders as the
// trainer's BatchStreams.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/dataset.hpp"

#include "fgrt/data/corpus.hpp"
#include "fgrt/data/loader.hpp"
#include "fgrt/data/packing.hpp"
#include "fgrt/data/random.hpp"
#include "fgrt/data/synthetic_stories.hpp"
#include "fgrt/tokenizer/bpe_trainer.hpp"
#include "fgrt/tokenizer/tokenizer.hpp"
#include "fgrt/train/trainer.hpp"
#include "fgrt/train/training_arguments.hpp"

#include <filesystem>
#include <stdexcept>

namespace fs = std::filesystem;

namespace fgrt::train {

namespace {

// ---------------------------------------------------------------------------
// Streams over data loaders

/// A data loader as the trainer sees it; the loader's position is the state.
class LoaderStream final : public BatchStream {
public:
  explicit LoaderStream(data::DataLoader loader) : loader_(std::move(loader)), start_(loader_.state()) {}

  data::Batch next() override { return loader_.next(); }
  int64_t batches_per_epoch() const override { return loader_.batches_per_epoch(); }
  int64_t examples_per_epoch() const override { return loader_.num_examples(); }
  std::string state() const override { return data::loader_state_to_json(loader_.state()); }
  void restore(const std::string &state) override { loader_.restore(data::loader_state_from_json(state)); }
  void rewind() override { loader_.restore(start_); }

private:
  data::DataLoader loader_;
  data::LoaderState start_;
};

/// Uniform random tokens; every position has a label.
class RandomTokenStream final : public BatchStream {
public:
  RandomTokenStream(int64_t vocab, int64_t batch, int64_t length, uint64_t seed)
      : vocab_(vocab), batch_(batch), length_(length), generator_(at::detail::createCPUGenerator(seed)) {}

  data::Batch next() override {
    data::Batch b;
    b.input_ids = torch::randint(vocab_, {batch_, length_}, generator_, torch::kLong);
    b.labels = b.input_ids;
    return b;
  }
  int64_t batches_per_epoch() const override { return 1 << 30; }
  int64_t examples_per_epoch() const override { return batches_per_epoch() * batch_; }
  std::string state() const override { return "{}"; }
  void restore(const std::string &) override {}
  void rewind() override {}

private:
  int64_t vocab_, batch_, length_;
  at::Generator generator_;
};

// ---------------------------------------------------------------------------
// Corpus, tokenizer, packing

data::TextSplit parse_split(const std::string &name) {
  if (name == "blank_lines")
    return data::TextSplit::kBlankLines;
  if (name == "lines")
    return data::TextSplit::kLines;
  if (name == "whole")
    return data::TextSplit::kWholeFile;
  throw std::invalid_argument("text_split: '" + name + "' is not blank_lines, lines or whole");
}

std::vector<std::string> read_corpus(const DatasetOptions &options) {
  const std::string &corpus = options.corpus();
  if (corpus == "synthetic") {
    if (options.synthetic_stories() < 1)
      throw std::invalid_argument("synthetic_stories must be at least 1");
    return data::synthetic_stories(options.synthetic_stories(), static_cast<uint64_t>(options.seed()));
  }
  if (!fs::is_regular_file(corpus))
    throw std::runtime_error(corpus + ": no such corpus file");
  if (fs::path(corpus).extension() == ".jsonl")
    return data::read_jsonl_corpus(corpus, options.text_field());
  return data::read_text_corpus(corpus, parse_split(options.text_split()));
}

/// The configured tokenizer, or the one this run trained earlier, or a new
/// one trained on `documents` and saved for the next run (and resumes).
tokenizer::Tokenizer obtain_tokenizer(const DatasetOptions &options, const std::vector<std::string> &documents,
                                      const std::string &output_dir, std::string &where) {
  if (!options.tokenizer().empty()) {
    where = options.tokenizer();
    return fs::is_directory(where) ? tokenizer::Tokenizer::from_pretrained(where)
                                   : tokenizer::Tokenizer::from_file(where);
  }
  where = (fs::path(output_dir) / "tokenizer").string();
  if (fs::exists(fs::path(where) / "tokenizer.json"))
    return tokenizer::Tokenizer::from_pretrained(where);
  tokenizer::Tokenizer trained =
      tokenizer::train_bpe(documents, tokenizer::BpeTrainerOptions().vocab_size(options.vocab_size()));
  fs::create_directories(where);
  trained.save_pretrained(where);
  return trained;
}

data::PackOptions pack_options(const DatasetOptions &options, const tokenizer::Tokenizer &tok) {
  data::PackOptions pack;
  pack.max_length(options.max_length());
  const std::string &mode = options.packing();
  if (mode == "none")
    pack.packed(false);
  else if (mode == "greedy")
    pack.strategy(data::PackingStrategy::kGreedy);
  else if (mode == "best_fit")
    pack.strategy(data::PackingStrategy::kBestFit);
  else if (mode == "first_fit")
    pack.strategy(data::PackingStrategy::kFirstFit);
  else
    throw std::invalid_argument("packing: '" + mode + "' is not greedy, best_fit, first_fit or none");
  // Documents are framed by the tokenizer's own BOS and EOS, when it has them.
  pack.add_bos(tok.bos_token_id().has_value()).bos_token_id(tok.bos_token_id().value_or(0));
  pack.add_eos(tok.eos_token_id().has_value()).eos_token_id(tok.eos_token_id().value_or(0));
  return pack;
}

std::shared_ptr<BatchStream> make_stream(std::vector<data::Example> examples, const tokenizer::Tokenizer &tok,
                                         bool packed, int64_t batch_size, bool shuffle, bool drop_last, uint64_t seed) {
  data::CollatorOptions collate;
  collate.packed_sequences(packed).eos_token_id(tok.eos_token_id().value_or(0));
  collate.pad_token_id(tok.pad_token_id() ? c10::optional<int64_t>(*tok.pad_token_id()) : c10::nullopt);
  data::DataLoaderOptions load;
  load.batch_size(batch_size).shuffle(shuffle).seed(seed).drop_last(drop_last);
  return std::make_shared<LoaderStream>(
      data::DataLoader(std::move(examples), data::DataCollatorForCausalLM(collate), load));
}

} // namespace

PreparedData prepare_data(const DatasetOptions &options, const TrainingArguments &args, bool whole_batches) {
  if (options.max_length() < 2)
    throw std::invalid_argument("max_length must be at least 2 (a token and the one it predicts)");
  if (options.eval_fraction() < 0 || options.eval_fraction() >= 1)
    throw std::invalid_argument("eval_fraction must be in [0, 1)");
  std::vector<std::string> documents = read_corpus(options);
  if (documents.empty())
    throw std::runtime_error(options.corpus() + ": the corpus has no documents");

  const uint64_t seed = static_cast<uint64_t>(options.seed());
  auto split = data::split_train_eval(documents, data::TrainEvalSplitOptions()
                                                     .eval_fraction(options.eval_fraction())
                                                     .seed(seed));
  PreparedData prepared;
  prepared.tokenizer = std::make_shared<const tokenizer::Tokenizer>(
      obtain_tokenizer(options, split.train, args.output_dir(), prepared.tokenizer_dir));
  const tokenizer::Tokenizer &tok = *prepared.tokenizer;
  prepared.vocab_size = tok.vocab_size();
  prepared.train_documents = static_cast<int64_t>(split.train.size());
  prepared.eval_documents = static_cast<int64_t>(split.eval.size());

  data::BlockPacker packer(pack_options(options, tok));
  auto encode = [&tok](const std::string &text) { return tok.encode(text, /*add_special_tokens=*/false); };
  std::vector<data::Example> train_blocks = packer.pack_texts(split.train, encode);
  if (train_blocks.empty())
    throw std::runtime_error(options.corpus() + ": no training sequence survives packing");
  for (const data::Example &e : train_blocks)
    prepared.train_tokens += static_cast<int64_t>(e.input_ids.size());
  bool packed = options.packing() != "none";
  prepared.train = make_stream(std::move(train_blocks), tok, packed, args.per_device_train_batch_size(),
                               /*shuffle=*/true, whole_batches, seed);
  if (!split.eval.empty())
    prepared.eval = make_stream(packer.pack_texts(split.eval, encode), tok, packed,
                                args.per_device_eval_batch_size(), /*shuffle=*/false, whole_batches, seed);
  return prepared;
}

std::shared_ptr<BatchStream> random_token_stream(int64_t vocab_size, int64_t batch_size, int64_t length,
                                                 uint64_t seed) {
  return std::make_shared<RandomTokenStream>(vocab_size, batch_size, length, seed);
}

} // namespace fgrt::train
