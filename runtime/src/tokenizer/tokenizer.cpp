//===- tokenizer.cpp - Byte-level BPE encode/decode pipeline -*- C++ -*-===//
//
// See tokenizer.hpp for the pipeline. The Impl holds the immutable tables
// plus the word cache. The cache maps a pre-tokenized word to its ids; words
// longer than kMaxCachedWordBytes are not cached (rare, and they would evict
// nothing but cost memory), and once kMaxCacheEntries words are cached new
// ones are encoded without being stored, like the reference's bounded cache.
// A mutex guards the cache only; BPE itself runs outside the lock.
//
//===----------------------------------------------------------------------===//
#include "fgrt/tokenizer/tokenizer.hpp"

#include "added_tokens.hpp"
#include "bpe_model.hpp"
#include "byte_level.hpp"
#include "pre_tokenizer.hpp"
#include "unicode.hpp"

#include <mutex>
#include <unordered_map>

namespace fgrt::tokenizer {
namespace {

constexpr std::size_t kMaxCachedWordBytes = 256;
constexpr std::size_t kMaxCacheEntries = 1 << 18;

/// One piece of a resolved post-processor template: fixed ids, or the
/// sequence being encoded.
struct TemplateItem {
  bool is_sequence = false;
  std::vector<int64_t> ids;
};

/// Rejects ill-formed UTF-8 up front: the regexes run with UTF checks off
/// (see regex.cpp), and the reference only ever sees valid strings.
void require_valid_utf8(std::string_view text, const char *operation) {
  const std::size_t bad = detail::find_invalid_utf8(text);
  if (bad != std::string_view::npos)
    throw TokenizerError(std::string(operation) + ": input is not valid UTF-8 (byte offset " + std::to_string(bad) +
                         ")");
}

/// Id of a role token (bos/eos/pad/unk), if the role is configured.
std::optional<int64_t> role_id(const Tokenizer &tokenizer, const std::optional<std::string> &token) {
  return token ? tokenizer.token_to_id(*token) : std::nullopt;
}

} // namespace

/// The immutable tables built from a definition, plus the word cache.
struct Tokenizer::Impl {
  /// Builds and cross-checks the tables (see Tokenizer's constructor).
  Impl(TokenizerDefinition definition_in, TokenizerConfig config_in);

  /// What was loaded; added_by_id points into its added_tokens.
  TokenizerDefinition definition;
  /// The roles and model_max_length.
  TokenizerConfig config;
  /// Vocab, merges and word encoding.
  detail::BpeModel model;
  /// Normalizer and pre-tokenizers.
  detail::PreTokenizerPipeline pipeline;
  /// Added tokens with normalized=false, matched in the raw text.
  detail::AddedTokenMatcher raw_matcher;
  /// Added tokens with normalized=true, matched in the normalized text.
  detail::AddedTokenMatcher normalized_matcher;
  /// Added token ids by content; consulted before the model vocab.
  std::unordered_map<std::string, int64_t> added_ids;
  /// Added tokens by id (decode needs their `special` flag).
  std::unordered_map<int64_t, const AddedTokenSpec *> added_by_id;
  /// The single templates of the TemplateProcessing steps, in order.
  std::vector<std::vector<TemplateItem>> templates;

  /// Guards word_cache only; encode() is const and may run on many threads.
  mutable std::mutex cache_mutex;
  /// Pre-tokenized word -> its BPE ids.
  mutable std::unordered_map<std::string, std::vector<int32_t>> word_cache;

  /// Id of a token string, added tokens first.
  std::optional<int64_t> find_id(const std::string &token) const;
  /// Token string of an id, added tokens first; nullptr if unknown.
  const std::string *find_token(int64_t id) const;
  /// Appends the ids of a raw segment holding no raw-matched added token.
  void encode_segment(std::string_view raw, std::vector<int64_t> &ids) const;
  /// Appends the ids of one pre-tokenized word, through the cache.
  void encode_word(const std::string &word, std::vector<int64_t> &ids) const;
  /// The post-processor templates applied in order to the encoded ids.
  std::vector<int64_t> apply_templates(std::vector<int64_t> ids) const;

private:
  /// Fills the added-token maps and the two matchers.
  void index_added_tokens();
  /// Resolves the single templates' special tokens to ids.
  void resolve_templates();
  /// Role tokens must exist; model_max_length must be positive.
  void check_config() const;
};

Tokenizer::Impl::Impl(TokenizerDefinition definition_in, TokenizerConfig config_in)
    : definition(std::move(definition_in)), config(std::move(config_in)), model(definition.model),
      pipeline(definition.nfc_normalizer, definition.pre_tokenizer) {
  index_added_tokens();
  resolve_templates();
  check_config();
}

void Tokenizer::Impl::index_added_tokens() {
  std::vector<detail::AddedTokenPattern> raw, normalized;
  for (const AddedTokenSpec &token : definition.added_tokens) {
    const std::string field = "added_tokens: '" + token.content + "'";
    if (token.id < 0)
      throw TokenizerError(field + ": negative id " + std::to_string(token.id));
    if (!added_by_id.emplace(token.id, &token).second)
      throw TokenizerError(field + ": id " + std::to_string(token.id) + " is used by another added token");
    if (!added_ids.emplace(token.content, token.id).second)
      throw TokenizerError(field + ": listed twice");
    // Normalized tokens are compared with normalized text, so normalize them too.
    detail::AddedTokenPattern pattern{token.content, token.id, token.single_word, token.lstrip, token.rstrip};
    if (token.normalized)
      pattern.text = pipeline.normalize(token.content);
    (token.normalized ? normalized : raw).push_back(std::move(pattern));
  }
  raw_matcher = detail::AddedTokenMatcher(std::move(raw));
  normalized_matcher = detail::AddedTokenMatcher(std::move(normalized));
}

void Tokenizer::Impl::resolve_templates() {
  for (const PostProcessorSpec &step : definition.post_processor) {
    if (step.kind != PostProcessorSpec::Kind::Template)
      continue; // ByteLevel post-processing only moves offsets
    std::vector<TemplateItem> items;
    for (const TemplatePieceSpec &piece : step.templ.single) {
      if (piece.kind != TemplatePieceSpec::Kind::SpecialToken) {
        items.push_back({true, {}});
        continue;
      }
      for (const TemplateSpecialTokenSpec &token : step.templ.special_tokens)
        if (token.id == piece.special_token)
          items.push_back({false, token.ids});
    }
    for (const TemplateSpecialTokenSpec &token : step.templ.special_tokens)
      for (int64_t id : token.ids)
        if (find_token(id) == nullptr)
          throw TokenizerError("post_processor.special_tokens." + token.id + ": id " + std::to_string(id) +
                               " is not in the vocabulary");
    templates.push_back(std::move(items));
  }
}

void Tokenizer::Impl::check_config() const {
  const std::pair<const char *, const std::optional<std::string> *> roles[] = {{"bos_token", &config.bos_token},
                                                                               {"eos_token", &config.eos_token},
                                                                               {"pad_token", &config.pad_token},
                                                                               {"unk_token", &config.unk_token}};
  for (const auto &[name, token] : roles)
    if (*token && !find_id(**token))
      throw TokenizerError(std::string("tokenizer config: ") + name + " '" + **token + "' is not in the vocabulary");
  if (config.model_max_length && *config.model_max_length <= 0)
    throw TokenizerError("tokenizer config: model_max_length must be positive, got " +
                         std::to_string(*config.model_max_length));
}

std::optional<int64_t> Tokenizer::Impl::find_id(const std::string &token) const {
  const auto added = added_ids.find(token);
  if (added != added_ids.end())
    return added->second;
  const auto id = model.find(token);
  return id ? std::optional<int64_t>(*id) : std::nullopt;
}

const std::string *Tokenizer::Impl::find_token(int64_t id) const {
  const auto added = added_by_id.find(id);
  return added != added_by_id.end() ? &added->second->content : model.token(id);
}

void Tokenizer::Impl::encode_word(const std::string &word, std::vector<int64_t> &ids) const {
  {
    std::lock_guard<std::mutex> lock(cache_mutex);
    const auto hit = word_cache.find(word);
    if (hit != word_cache.end()) {
      ids.insert(ids.end(), hit->second.begin(), hit->second.end());
      return;
    }
  }
  std::vector<int32_t> word_ids;
  model.encode_word(word, word_ids);
  ids.insert(ids.end(), word_ids.begin(), word_ids.end());
  if (word.size() > kMaxCachedWordBytes)
    return;
  std::lock_guard<std::mutex> lock(cache_mutex);
  if (word_cache.size() < kMaxCacheEntries)
    word_cache.emplace(word, std::move(word_ids));
}

void Tokenizer::Impl::encode_segment(std::string_view raw, std::vector<int64_t> &ids) const {
  // Normalized added tokens are looked for after normalization, as in the
  // reference, so a token and its text match whatever their Unicode form.
  const std::string normalized = pipeline.normalize(raw);
  std::vector<std::string> words;
  for (const detail::TextSegment &segment : normalized_matcher.split(normalized)) {
    if (segment.token_id >= 0) {
      ids.push_back(segment.token_id);
      continue;
    }
    words.clear();
    pipeline.split_words(std::string_view(normalized).substr(segment.begin, segment.end - segment.begin), words);
    for (const std::string &word : words)
      encode_word(word, ids);
  }
}

std::vector<int64_t> Tokenizer::Impl::apply_templates(std::vector<int64_t> ids) const {
  // Each TemplateProcessing of a Sequence wraps the output of the previous.
  for (const std::vector<TemplateItem> &items : templates) {
    std::vector<int64_t> out;
    out.reserve(ids.size() + 4);
    for (const TemplateItem &item : items) {
      const std::vector<int64_t> &source = item.is_sequence ? ids : item.ids;
      out.insert(out.end(), source.begin(), source.end());
    }
    ids = std::move(out);
  }
  return ids;
}

//===-- Tokenizer ----------------------------------------------------------===//

Tokenizer::Tokenizer(TokenizerDefinition definition, TokenizerConfig config)
    : impl_(std::make_shared<Impl>(std::move(definition), std::move(config))) {}

Tokenizer Tokenizer::from_json(std::string_view json_text) { return Tokenizer(parse_tokenizer_json(json_text)); }

std::vector<int64_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  require_valid_utf8(text, "encode");
  std::vector<int64_t> ids;
  ids.reserve(text.size() / 3 + 4); // ~3 bytes per token for English text
  for (const detail::TextSegment &segment : impl_->raw_matcher.split(text)) {
    if (segment.token_id >= 0)
      ids.push_back(segment.token_id);
    else
      impl_->encode_segment(text.substr(segment.begin, segment.end - segment.begin), ids);
  }
  return add_special_tokens ? impl_->apply_templates(std::move(ids)) : ids;
}

std::string Tokenizer::decode(const std::vector<int64_t> &ids, bool skip_special_tokens) const {
  const bool byte_level = impl_->definition.decoder.has_value();
  std::string out;
  bool first = true;
  for (int64_t id : ids) {
    const std::string *token = impl_->find_token(id);
    if (token == nullptr)
      continue;
    const auto added = impl_->added_by_id.find(id);
    if (skip_special_tokens && added != impl_->added_by_id.end() && added->second->special)
      continue;
    if (!byte_level) {
      // Without a decoder the reference joins the tokens with spaces.
      out += first ? "" : " ";
      out += *token;
    } else if (const auto bytes = detail::from_byte_level(*token)) {
      out += *bytes;
    } else {
      out += *token; // not byte-level text (e.g. "<|x y|>"): copied verbatim
    }
    first = false;
  }
  return byte_level ? detail::utf8_lossy(out) : out;
}

std::vector<std::string> Tokenizer::pre_tokenize(std::string_view text) const {
  require_valid_utf8(text, "pre_tokenize");
  std::vector<std::string> words;
  impl_->pipeline.split_words(impl_->pipeline.normalize(text), words);
  return words;
}

std::optional<int64_t> Tokenizer::token_to_id(std::string_view token) const {
  return impl_->find_id(std::string(token));
}

std::optional<std::string> Tokenizer::id_to_token(int64_t id) const {
  const std::string *token = impl_->find_token(id);
  return token ? std::optional<std::string>(*token) : std::nullopt;
}

int64_t Tokenizer::vocab_size() const {
  // Distinct token strings, like the reference's len(tokenizer): an added
  // token that is also in the model vocab counts once.
  int64_t size = static_cast<int64_t>(impl_->model.size());
  for (const AddedTokenSpec &token : impl_->definition.added_tokens)
    size += impl_->model.find(token.content) ? 0 : 1;
  return size;
}

const TokenizerDefinition &Tokenizer::definition() const { return impl_->definition; }

const TokenizerConfig &Tokenizer::config() const { return impl_->config; }

std::optional<int64_t> Tokenizer::bos_token_id() const { return role_id(*this, impl_->config.bos_token); }

std::optional<int64_t> Tokenizer::eos_token_id() const { return role_id(*this, impl_->config.eos_token); }

std::optional<int64_t> Tokenizer::pad_token_id() const { return role_id(*this, impl_->config.pad_token); }

std::optional<int64_t> Tokenizer::unk_token_id() const { return role_id(*this, impl_->config.unk_token); }

std::optional<int64_t> Tokenizer::model_max_length() const { return impl_->config.model_max_length; }

} // namespace fgrt::tokenizer
