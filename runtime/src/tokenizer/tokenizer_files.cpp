//===- tokenizer_files.cpp - Loading and saving tokenizer files -*- C++ -*-===//
//
// from_file/save handle a single tokenizer.json. For from_pretrained and
// save_pretrained, transformers keeps, next to tokenizer.json, two small files:
//
//   tokenizer_config.json    {"bos_token": "<|BOS|>", ..., "model_max_length":
//                            2048, "tokenizer_class": "PreTrainedTokenizerFast",
//                            "added_tokens_decoder": {"0": {...}}, ...}
//   special_tokens_map.json  {"bos_token": "<|BOS|>", "eos_token": ..., ...}
//
// Role values are either a string or an AddedToken object {"content": ...}.
// transformers writes an unlimited model_max_length as 1e30 (too large for
// int64), which reads back as "no limit". Keys are written sorted, as
// transformers' json.dumps(sort_keys=True) does.
//
//===----------------------------------------------------------------------===//
#include "fgrt/tokenizer/tokenizer.hpp"

#include "file_io.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

namespace fgrt::tokenizer {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr const char *kTokenizerFile = "tokenizer.json";
constexpr const char *kConfigFile = "tokenizer_config.json";
constexpr const char *kSpecialTokensMapFile = "special_tokens_map.json";

/// The role keys and where each lives in TokenizerConfig.
const std::pair<const char *, std::optional<std::string> TokenizerConfig::*> kRoles[] = {
    {"bos_token", &TokenizerConfig::bos_token},
    {"eos_token", &TokenizerConfig::eos_token},
    {"pad_token", &TokenizerConfig::pad_token},
    {"unk_token", &TokenizerConfig::unk_token}};

json read_json_object(const std::string &path) {
  const std::string text = detail::read_text_file(path);
  json value;
  try {
    value = json::parse(text);
  } catch (const json::parse_error &error) {
    throw TokenizerError(path + ": malformed JSON: " + error.what());
  }
  if (!value.is_object())
    throw TokenizerError(path + ": expected a JSON object, got " + std::string(value.type_name()));
  return value;
}

/// A role value: null, "text", or {"content": "text", ...}.
std::optional<std::string> read_role(const json &value, const std::string &field) {
  if (value.is_null())
    return std::nullopt;
  if (value.is_string())
    return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string())
    return value["content"].get<std::string>();
  throw TokenizerError(field + ": expected a string or {\"content\": string}, got " + value.dump());
}

std::optional<int64_t> read_model_max_length(const json &value, const std::string &field) {
  if (value.is_null() || value.is_number_float())
    return std::nullopt; // transformers' "unlimited" is 1e30 (a float here)
  if (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t(INT64_MAX))
    return std::nullopt;
  if (!value.is_number_integer())
    throw TokenizerError(field + ": expected an integer, got " + std::string(value.type_name()));
  return value.get<int64_t>();
}

/// Fills the roles of `config` that `file` names and `config` does not have yet.
void read_roles(const json &file, const std::string &path, TokenizerConfig &config) {
  for (const auto &[key, member] : kRoles) {
    const auto it = file.find(key);
    if (it != file.end() && !(config.*member))
      config.*member = read_role(*it, path + ": " + key);
  }
}

TokenizerConfig read_config(const fs::path &directory) {
  TokenizerConfig config;
  const fs::path config_path = directory / kConfigFile;
  if (fs::exists(config_path)) {
    const json file = read_json_object(config_path.string());
    read_roles(file, config_path.string(), config);
    const auto length = file.find("model_max_length");
    if (length != file.end())
      config.model_max_length = read_model_max_length(*length, config_path.string() + ": model_max_length");
  }
  const fs::path map_path = directory / kSpecialTokensMapFile;
  if (fs::exists(map_path))
    read_roles(read_json_object(map_path.string()), map_path.string(), config);
  return config;
}

json added_tokens_decoder_json(const TokenizerDefinition &definition) {
  json decoder = json::object();
  for (const AddedTokenSpec &token : definition.added_tokens)
    decoder[std::to_string(token.id)] = {{"content", token.content},         {"lstrip", token.lstrip},
                                         {"normalized", token.normalized},   {"rstrip", token.rstrip},
                                         {"single_word", token.single_word}, {"special", token.special}};
  return decoder;
}

json special_tokens_map_json(const TokenizerConfig &config) {
  json map = json::object();
  for (const auto &[key, member] : kRoles)
    if (config.*member)
      map[key] = *(config.*member);
  return map;
}

json tokenizer_config_json(const Tokenizer &tokenizer) {
  json file = special_tokens_map_json(tokenizer.config());
  file["added_tokens_decoder"] = added_tokens_decoder_json(tokenizer.definition());
  // decode() does not apply transformers' clean-up of spaces before
  // punctuation, so tell transformers not to either.
  file["clean_up_tokenization_spaces"] = false;
  file["tokenizer_class"] = "PreTrainedTokenizerFast";
  if (tokenizer.model_max_length())
    file["model_max_length"] = *tokenizer.model_max_length();
  return file;
}

/// The definition in a tokenizer.json file; errors are prefixed with the path.
TokenizerDefinition read_definition(const std::string &path) {
  const std::string text = detail::read_text_file(path);
  try {
    return parse_tokenizer_json(text);
  } catch (const TokenizerError &error) {
    throw TokenizerError(path + ": " + error.what());
  }
}

/// Builds a tokenizer; construction errors are prefixed with `source`.
Tokenizer build(TokenizerDefinition definition, TokenizerConfig config, const std::string &source) {
  try {
    return Tokenizer(std::move(definition), std::move(config));
  } catch (const TokenizerError &error) {
    throw TokenizerError(source + ": " + error.what());
  }
}

} // namespace

Tokenizer Tokenizer::from_file(const std::string &path) { return build(read_definition(path), {}, path); }

void Tokenizer::save(const std::string &path) const { detail::write_text_file(path, to_tokenizer_json(definition())); }

void Tokenizer::save_pretrained(const std::string &directory) const {
  std::error_code error;
  fs::create_directories(directory, error);
  if (error)
    throw TokenizerError(directory + ": cannot create directory: " + error.message());
  const fs::path dir(directory);
  save((dir / kTokenizerFile).string());
  detail::write_text_file((dir / kConfigFile).string(), tokenizer_config_json(*this).dump(2) + "\n");
  detail::write_text_file((dir / kSpecialTokensMapFile).string(), special_tokens_map_json(config()).dump(2) + "\n");
}

Tokenizer Tokenizer::from_pretrained(const std::string &directory) {
  const fs::path dir(directory);
  return build(read_definition((dir / kTokenizerFile).string()), read_config(dir), directory);
}

} // namespace fgrt::tokenizer
