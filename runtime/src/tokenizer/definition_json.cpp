//===- definition_json.cpp - Read and write tokenizer.json -*- C++ -*-===//
//
// The reader walks the JSON with small typed accessors that carry the dotted
// field path ("model.merges[12]", "pre_tokenizer.pretokenizers[0].pattern"),
// so every error says which field is wrong and how. Defaults for missing
// optional fields are the reference's serde defaults (e.g. ByteLevel's flags
// default to true).
//
// The writer uses nlohmann::ordered_json so fields come out in the
// reference's order and the vocab in id order; see append_member() for why
// the vocab bypasses ordered_json's own insertion.
//
//===----------------------------------------------------------------------===//
#include "fgrt/tokenizer/definition.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace fgrt::tokenizer {

// Contractions, letter runs, digit runs and punctuation runs, each with at
// most one leading space; whitespace before a word is left for that word
// (\s+(?!\S)), so "a  b" splits as "a", " ", " b".
const char *const kGpt2SplitPattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

//===-- Reading: typed accessors that name the field on error ------------===//

/// Throws "<field>: <problem>"; the file path is prefixed by the caller.
[[noreturn]] void fail(const std::string &field, const std::string &problem) {
  throw TokenizerError(field + ": " + problem);
}

/// "parent.key" (just "key" at the top level).
std::string member_field(const std::string &parent, const std::string &key) {
  return parent.empty() ? key : parent + "." + key;
}

/// "parent[index]".
std::string element_field(const std::string &parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

/// `value` if `ok`, else an error naming the expected and actual JSON types.
const json &expect(const json &value, bool ok, const char *expected, const std::string &field) {
  if (!ok)
    fail(field, std::string("expected ") + expected + ", got " + value.type_name());
  return value;
}

/// `value`, which must be a JSON object.
const json &expect_object(const json &value, const std::string &field) {
  return expect(value, value.is_object(), "an object", field);
}

/// `value`, which must be a JSON array.
const json &expect_array(const json &value, const std::string &field) {
  return expect(value, value.is_array(), "an array", field);
}

/// The string `value`.
std::string as_string(const json &value, const std::string &field) {
  return expect(value, value.is_string(), "a string", field).get<std::string>();
}

/// The integer `value`; unsigned values above INT64_MAX are rejected rather
/// than wrapped to negative ids.
int64_t as_int(const json &value, const std::string &field) {
  expect(value, value.is_number_integer(), "an integer", field);
  if (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t(INT64_MAX))
    fail(field, "integer out of range");
  return value.get<int64_t>();
}

/// object[key], or a JSON null when the key is absent.
const json &member_or_null(const json &object, const char *key) {
  static const json null_value;
  const auto it = object.find(key);
  return it == object.end() ? null_value : *it;
}

/// object[key]; absent and null are both "missing" (the reference writes
/// null for unset optional fields, never for required ones).
const json &require_member(const json &object, const char *key, const std::string &parent) {
  const json &value = member_or_null(object, key);
  if (value.is_null())
    fail(member_field(parent, key), "missing");
  return value;
}

/// object[key] as a boolean, `fallback` when absent or null.
bool optional_bool(const json &object, const char *key, const std::string &parent, bool fallback) {
  const json &value = member_or_null(object, key);
  if (value.is_null())
    return fallback;
  return expect(value, value.is_boolean(), "a boolean", member_field(parent, key)).get<bool>();
}

/// object[key] as a string, nullopt when absent or null.
std::optional<std::string> optional_string(const json &object, const char *key, const std::string &parent) {
  const json &value = member_or_null(object, key);
  if (value.is_null())
    return std::nullopt;
  return as_string(value, member_field(parent, key));
}

/// The "type" of a component object.
std::string component_type(const json &component, const std::string &field) {
  expect_object(component, field);
  return as_string(require_member(component, "type", field), member_field(field, "type"));
}

/// The error for a component type the runtime cannot run, listing the ones
/// it can so the user knows what to change.
[[noreturn]] void fail_unsupported_type(const std::string &field, const std::string &type, const char *supported) {
  fail(member_field(field, "type"), "'" + type + "' is not supported (supported: " + supported + ")");
}

//===-- Reading: components ----------------------------------------------===//

/// ByteLevel's flags; missing ones default to true as in the reference.
ByteLevelSpec parse_byte_level(const json &object, const std::string &field) {
  ByteLevelSpec spec;
  spec.add_prefix_space = optional_bool(object, "add_prefix_space", field, true);
  spec.trim_offsets = optional_bool(object, "trim_offsets", field, true);
  spec.use_regex = optional_bool(object, "use_regex", field, true);
  return spec;
}

/// The JSON names of the split behaviors (read and written).
const std::pair<const char *, SplitBehavior> kSplitBehaviors[] = {
    {"Removed", SplitBehavior::Removed},
    {"Isolated", SplitBehavior::Isolated},
    {"MergedWithPrevious", SplitBehavior::MergedWithPrevious},
    {"MergedWithNext", SplitBehavior::MergedWithNext},
    {"Contiguous", SplitBehavior::Contiguous},
};

/// A Split pre-tokenizer: pattern {"Regex"|"String": text}, behavior, invert.
SplitSpec parse_split(const json &object, const std::string &field) {
  SplitSpec spec;
  const std::string pattern_field = member_field(field, "pattern");
  const json &pattern = expect_object(require_member(object, "pattern", field), pattern_field);
  spec.pattern_is_regex = pattern.contains("Regex");
  const char *kind = spec.pattern_is_regex ? "Regex" : "String";
  if (!pattern.contains(kind))
    fail(pattern_field, "expected {\"Regex\": ...} or {\"String\": ...}");
  spec.pattern = as_string(pattern[kind], member_field(pattern_field, kind));
  const std::string behavior_field = member_field(field, "behavior");
  const std::string behavior = as_string(require_member(object, "behavior", field), behavior_field);
  const auto *found = std::find_if(std::begin(kSplitBehaviors), std::end(kSplitBehaviors),
                                   [&](const auto &entry) { return behavior == entry.first; });
  if (found == std::end(kSplitBehaviors))
    fail(behavior_field, "unknown behavior '" + behavior + "'");
  spec.behavior = found->second;
  spec.invert = optional_bool(object, "invert", field, false);
  return spec;
}

/// One pre-tokenizer that is not a Sequence.
PreTokenizerSpec parse_pre_tokenizer_step(const json &object, const std::string &field) {
  const std::string type = component_type(object, field);
  PreTokenizerSpec spec;
  if (type == "ByteLevel") {
    spec.kind = PreTokenizerSpec::Kind::ByteLevel;
    spec.byte_level = parse_byte_level(object, field);
  } else if (type == "Split") {
    spec.kind = PreTokenizerSpec::Kind::Split;
    spec.split = parse_split(object, field);
  } else {
    fail_unsupported_type(field, type, "ByteLevel, Split, Sequence of those, null");
  }
  return spec;
}

/// A component that may be null, one step, or {"type": "Sequence", list_key: [steps]}.
template <typename Step, typename ParseStep>
std::vector<Step> parse_step_list(const json &value, const std::string &field, const char *list_key,
                                  ParseStep parse_step) {
  std::vector<Step> steps;
  if (value.is_null())
    return steps;
  if (component_type(value, field) != "Sequence") {
    steps.push_back(parse_step(value, field));
    return steps;
  }
  const std::string list_field = member_field(field, list_key);
  const json &list = expect_array(require_member(value, list_key, field), list_field);
  for (std::size_t i = 0; i < list.size(); ++i)
    steps.push_back(parse_step(list[i], element_field(list_field, i)));
  return steps;
}

/// {"SpecialToken": {"id": name, "type_id": n}} or {"Sequence": {"id": "A"|"B", ...}}.
TemplatePieceSpec parse_template_piece(const json &object, const std::string &field) {
  expect_object(object, field);
  TemplatePieceSpec piece;
  const bool special = object.contains("SpecialToken");
  if (!special && !object.contains("Sequence"))
    fail(field, "expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
  const std::string body_field = member_field(field, special ? "SpecialToken" : "Sequence");
  const json &body = expect_object(object[special ? "SpecialToken" : "Sequence"], body_field);
  const std::string id = as_string(require_member(body, "id", body_field), member_field(body_field, "id"));
  const json &type_id = member_or_null(body, "type_id");
  piece.type_id = type_id.is_null() ? 0 : as_int(type_id, member_field(body_field, "type_id"));
  if (special) {
    piece.kind = TemplatePieceSpec::Kind::SpecialToken;
    piece.special_token = id;
  } else if (id == "A" || id == "B") {
    piece.kind = id == "A" ? TemplatePieceSpec::Kind::SequenceA : TemplatePieceSpec::Kind::SequenceB;
  } else {
    fail(member_field(body_field, "id"), "expected \"A\" or \"B\", got '" + id + "'");
  }
  return piece;
}

/// The template at object[key] (absent: empty).
std::vector<TemplatePieceSpec> parse_template(const json &object, const char *key, const std::string &parent) {
  std::vector<TemplatePieceSpec> pieces;
  const json &list = member_or_null(object, key);
  if (list.is_null())
    return pieces;
  const std::string field = member_field(parent, key);
  expect_array(list, field);
  for (std::size_t i = 0; i < list.size(); ++i)
    pieces.push_back(parse_template_piece(list[i], element_field(field, i)));
  return pieces;
}

/// One entry of special_tokens: {"id": name, "ids": [...], "tokens": [...]}.
TemplateSpecialTokenSpec parse_template_special_token(const std::string &name, const json &value,
                                                      const std::string &field) {
  expect_object(value, field);
  TemplateSpecialTokenSpec token;
  token.id = name;
  const std::string ids_field = member_field(field, "ids"), tokens_field = member_field(field, "tokens");
  const json &ids = expect_array(require_member(value, "ids", field), ids_field);
  for (std::size_t i = 0; i < ids.size(); ++i)
    token.ids.push_back(as_int(ids[i], element_field(ids_field, i)));
  const json &tokens = expect_array(require_member(value, "tokens", field), tokens_field);
  for (std::size_t i = 0; i < tokens.size(); ++i)
    token.tokens.push_back(as_string(tokens[i], element_field(tokens_field, i)));
  if (token.ids.size() != token.tokens.size())
    fail(field, "'ids' and 'tokens' must have the same length");
  return token;
}

/// The single template must only name listed special tokens and must not use
/// $B: encode() would otherwise have nothing to insert.
void check_template_references(const TemplateSpec &spec, const std::string &field) {
  for (std::size_t i = 0; i < spec.single.size(); ++i) {
    const TemplatePieceSpec &piece = spec.single[i];
    const std::string piece_field = element_field(member_field(field, "single"), i);
    if (piece.kind == TemplatePieceSpec::Kind::SequenceB)
      fail(piece_field, "the single template cannot use sequence B");
    const bool known = std::any_of(spec.special_tokens.begin(), spec.special_tokens.end(),
                                   [&](const auto &token) { return token.id == piece.special_token; });
    if (piece.kind == TemplatePieceSpec::Kind::SpecialToken && !known)
      fail(piece_field, "special token '" + piece.special_token + "' is not listed in special_tokens");
  }
}

/// A TemplateProcessing post-processor.
TemplateSpec parse_template_processing(const json &object, const std::string &field) {
  TemplateSpec spec;
  spec.single = parse_template(object, "single", field);
  spec.pair = parse_template(object, "pair", field);
  const json &special_tokens = member_or_null(object, "special_tokens");
  const std::string tokens_field = member_field(field, "special_tokens");
  if (!special_tokens.is_null())
    for (const auto &[name, value] : expect_object(special_tokens, tokens_field).items())
      spec.special_tokens.push_back(parse_template_special_token(name, value, member_field(tokens_field, name)));
  check_template_references(spec, field);
  return spec;
}

/// One post-processor that is not a Sequence.
PostProcessorSpec parse_post_processor_step(const json &object, const std::string &field) {
  const std::string type = component_type(object, field);
  PostProcessorSpec spec;
  if (type == "ByteLevel") {
    spec.kind = PostProcessorSpec::Kind::ByteLevel;
    spec.byte_level = parse_byte_level(object, field);
  } else if (type == "TemplateProcessing") {
    spec.kind = PostProcessorSpec::Kind::Template;
    spec.templ = parse_template_processing(object, field);
  } else {
    fail_unsupported_type(field, type, "ByteLevel, TemplateProcessing, Sequence of those, null");
  }
  return spec;
}

/// One entry of added_tokens. An entry without "normalized" gets the
/// reference's AddedToken default: special tokens match the raw text.
AddedTokenSpec parse_added_token(const json &object, const std::string &field) {
  expect_object(object, field);
  AddedTokenSpec token;
  token.id = as_int(require_member(object, "id", field), member_field(field, "id"));
  token.content = as_string(require_member(object, "content", field), member_field(field, "content"));
  token.single_word = optional_bool(object, "single_word", field, false);
  token.lstrip = optional_bool(object, "lstrip", field, false);
  token.rstrip = optional_bool(object, "rstrip", field, false);
  token.special = optional_bool(object, "special", field, false);
  token.normalized = optional_bool(object, "normalized", field, !token.special);
  return token;
}

/// added_tokens, sorted by id as the reference writes them.
std::vector<AddedTokenSpec> parse_added_tokens(const json &list) {
  std::vector<AddedTokenSpec> tokens;
  if (list.is_null())
    return tokens;
  expect_array(list, "added_tokens");
  for (std::size_t i = 0; i < list.size(); ++i)
    tokens.push_back(parse_added_token(list[i], element_field("added_tokens", i)));
  std::stable_sort(tokens.begin(), tokens.end(), [](const auto &a, const auto &b) { return a.id < b.id; });
  return tokens;
}

/// true for {"type": "NFC"}, false for null.
bool parse_normalizer(const json &value) {
  if (value.is_null())
    return false;
  const std::string type = component_type(value, "normalizer");
  if (type != "NFC")
    fail_unsupported_type("normalizer", type, "NFC, null");
  return true;
}

/// The ByteLevel decoder's flags, or nullopt for null.
std::optional<ByteLevelSpec> parse_decoder(const json &value) {
  if (value.is_null())
    return std::nullopt;
  const std::string type = component_type(value, "decoder");
  if (type != "ByteLevel")
    fail_unsupported_type("decoder", type, "ByteLevel, null");
  return parse_byte_level(value, "decoder");
}

/// A merge in either form: "left right" (tokenizers < 0.20; a token with a
/// space cannot be written this way) or ["left", "right"].
std::pair<std::string, std::string> parse_merge(const json &value, const std::string &field) {
  if (value.is_array()) {
    if (value.size() != 2)
      fail(field, "expected a pair [left, right]");
    return {as_string(value[0], element_field(field, 0)), as_string(value[1], element_field(field, 1))};
  }
  const std::string text = as_string(value, field);
  const std::size_t space = text.find(' ');
  if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos)
    fail(field, "expected \"left right\" (exactly one space), got '" + text + "'");
  return {text.substr(0, space), text.substr(space + 1)};
}

/// Fields that change BPE output in ways this encoder does not implement.
void reject_unsupported_bpe_options(const json &model) {
  const json &dropout = member_or_null(model, "dropout");
  if (!dropout.is_null() && !(dropout.is_number() && dropout.get<double>() == 0.0))
    fail("model.dropout", "BPE dropout is not supported (must be null or 0)");
  for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const auto value = optional_string(model, key, "model");
    if (value && !value->empty())
      fail(member_field("model", key), "'" + *value + "' is not supported (must be null or empty)");
  }
}

/// The BPE model: flags, vocab (sorted by id here; JSON objects are
/// unordered) and merges in rank order.
BpeModelSpec parse_model(const json &model) {
  const std::string type = component_type(model, "model");
  if (type != "BPE")
    fail("model.type", "'" + type + "' is not supported (only BPE)");
  reject_unsupported_bpe_options(model);
  BpeModelSpec spec;
  spec.unk_token = optional_string(model, "unk_token", "model");
  spec.byte_fallback = optional_bool(model, "byte_fallback", "model", false);
  spec.fuse_unk = optional_bool(model, "fuse_unk", "model", false);
  spec.ignore_merges = optional_bool(model, "ignore_merges", "model", false);
  for (const auto &[token, id] : expect_object(require_member(model, "vocab", "model"), "model.vocab").items())
    spec.vocab.emplace_back(token, as_int(id, member_field("model.vocab", token)));
  std::stable_sort(spec.vocab.begin(), spec.vocab.end(),
                   [](const auto &a, const auto &b) { return a.second < b.second; });
  const json &merges = member_or_null(model, "merges");
  if (!merges.is_null()) {
    expect_array(merges, "model.merges");
    for (std::size_t i = 0; i < merges.size(); ++i)
      spec.merges.push_back(parse_merge(merges[i], element_field("model.merges", i)));
  }
  return spec;
}

/// Top-level features whose non-null value would change encode() output.
void reject_non_null(const json &root, const char *key, const char *why) {
  if (!member_or_null(root, key).is_null())
    fail(key, std::string("not supported (") + why + "); set it to null");
}

//===-- Writing ------------------------------------------------------------===//

/// Appends a member to an ordered_json object without ordered_map's
/// duplicate-key search, which is linear per insertion and so quadratic for
/// a 100k-token vocab. Keys written this way are unique by construction.
void append_member(ordered_json &object, std::string key, ordered_json value) {
  auto &members = object.get_ref<ordered_json::object_t &>();
  static_cast<ordered_json::object_t::Container &>(members).emplace_back(std::move(key), std::move(value));
}

/// ByteLevel in the reference's field order (shared by the pre-tokenizer,
/// post-processor and decoder, which have the same JSON shape).
ordered_json byte_level_json(const ByteLevelSpec &spec) {
  return {{"type", "ByteLevel"},
          {"add_prefix_space", spec.add_prefix_space},
          {"trim_offsets", spec.trim_offsets},
          {"use_regex", spec.use_regex}};
}

/// The JSON name of `behavior`.
const char *split_behavior_name(SplitBehavior behavior) {
  for (const auto &[name, value] : kSplitBehaviors)
    if (value == behavior)
      return name;
  return "Isolated";
}

/// One pre-tokenizer step.
ordered_json pre_tokenizer_step_json(const PreTokenizerSpec &spec) {
  if (spec.kind == PreTokenizerSpec::Kind::ByteLevel)
    return byte_level_json(spec.byte_level);
  const SplitSpec &split = spec.split;
  return {{"type", "Split"},
          {"pattern", {{split.pattern_is_regex ? "Regex" : "String", split.pattern}}},
          {"behavior", split_behavior_name(split.behavior)},
          {"invert", split.invert}};
}

/// A template as a list of SpecialToken/Sequence pieces.
ordered_json template_json(const std::vector<TemplatePieceSpec> &pieces) {
  ordered_json list = ordered_json::array();
  for (const TemplatePieceSpec &piece : pieces) {
    const bool special = piece.kind == TemplatePieceSpec::Kind::SpecialToken;
    const std::string id =
        special ? piece.special_token : (piece.kind == TemplatePieceSpec::Kind::SequenceA ? "A" : "B");
    list.push_back({{special ? "SpecialToken" : "Sequence", {{"id", id}, {"type_id", piece.type_id}}}});
  }
  return list;
}

/// One post-processor step.
ordered_json post_processor_step_json(const PostProcessorSpec &spec) {
  if (spec.kind == PostProcessorSpec::Kind::ByteLevel)
    return byte_level_json(spec.byte_level);
  ordered_json special_tokens = ordered_json::object();
  for (const TemplateSpecialTokenSpec &token : spec.templ.special_tokens)
    special_tokens[token.id] = {{"id", token.id}, {"ids", token.ids}, {"tokens", token.tokens}};
  return {{"type", "TemplateProcessing"},
          {"single", template_json(spec.templ.single)},
          {"pair", template_json(spec.templ.pair)},
          {"special_tokens", special_tokens}};
}

/// null, the single step, or a Sequence of the steps.
template <typename Step, typename StepJson>
ordered_json step_list_json(const std::vector<Step> &steps, const char *list_key, StepJson step_json) {
  if (steps.empty())
    return nullptr;
  if (steps.size() == 1)
    return step_json(steps.front());
  ordered_json list = ordered_json::array();
  for (const Step &step : steps)
    list.push_back(step_json(step));
  return {{"type", "Sequence"}, {list_key, list}};
}

/// added_tokens with every flag spelled out, as the reference writes them.
ordered_json added_tokens_json(const std::vector<AddedTokenSpec> &tokens) {
  ordered_json list = ordered_json::array();
  for (const AddedTokenSpec &token : tokens)
    list.push_back({{"id", token.id},
                    {"content", token.content},
                    {"single_word", token.single_word},
                    {"lstrip", token.lstrip},
                    {"rstrip", token.rstrip},
                    {"normalized", token.normalized},
                    {"special", token.special}});
  return list;
}

/// Merges as "a b" strings, which every tokenizers version reads, unless a
/// token contains a space and the string form would be ambiguous.
ordered_json merges_json(const std::vector<std::pair<std::string, std::string>> &merges) {
  const bool needs_pairs = std::any_of(merges.begin(), merges.end(), [](const auto &merge) {
    return merge.first.find(' ') != std::string::npos || merge.second.find(' ') != std::string::npos;
  });
  ordered_json list = ordered_json::array();
  for (const auto &[left, right] : merges)
    list.push_back(needs_pairs ? ordered_json::array({left, right}) : ordered_json(left + " " + right));
  return list;
}

/// The BPE model in the reference's field order, vocab in id order.
ordered_json model_json(const BpeModelSpec &spec) {
  ordered_json vocab = ordered_json::object();
  for (const auto &[token, id] : spec.vocab)
    append_member(vocab, token, id);
  ordered_json model = {{"type", "BPE"},
                        {"dropout", nullptr},
                        {"unk_token", spec.unk_token ? ordered_json(*spec.unk_token) : ordered_json(nullptr)},
                        {"continuing_subword_prefix", nullptr},
                        {"end_of_word_suffix", nullptr},
                        {"fuse_unk", spec.fuse_unk},
                        {"byte_fallback", spec.byte_fallback},
                        {"ignore_merges", spec.ignore_merges}};
  model["vocab"] = std::move(vocab);
  model["merges"] = merges_json(spec.merges);
  return model;
}

} // namespace

TokenizerDefinition parse_tokenizer_json(std::string_view json_text) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error &error) {
    throw TokenizerError(std::string("malformed JSON: ") + error.what());
  }
  expect_object(root, "(top level)");
  reject_non_null(root, "truncation", "encode() never truncates");
  reject_non_null(root, "padding", "encode() never pads");
  TokenizerDefinition definition;
  definition.added_tokens = parse_added_tokens(member_or_null(root, "added_tokens"));
  definition.nfc_normalizer = parse_normalizer(member_or_null(root, "normalizer"));
  definition.pre_tokenizer = parse_step_list<PreTokenizerSpec>(member_or_null(root, "pre_tokenizer"), "pre_tokenizer",
                                                               "pretokenizers", parse_pre_tokenizer_step);
  definition.post_processor = parse_step_list<PostProcessorSpec>(
      member_or_null(root, "post_processor"), "post_processor", "processors", parse_post_processor_step);
  definition.decoder = parse_decoder(member_or_null(root, "decoder"));
  definition.model = parse_model(require_member(root, "model", ""));
  return definition;
}

std::string to_tokenizer_json(const TokenizerDefinition &definition) {
  ordered_json root = {{"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr}};
  root["added_tokens"] = added_tokens_json(definition.added_tokens);
  root["normalizer"] = definition.nfc_normalizer ? ordered_json{{"type", "NFC"}} : ordered_json(nullptr);
  root["pre_tokenizer"] = step_list_json(definition.pre_tokenizer, "pretokenizers", pre_tokenizer_step_json);
  root["post_processor"] = step_list_json(definition.post_processor, "processors", post_processor_step_json);
  root["decoder"] = definition.decoder ? byte_level_json(*definition.decoder) : ordered_json(nullptr);
  root["model"] = model_json(definition.model);
  try {
    return root.dump(2) + "\n";
  } catch (const ordered_json::exception &error) {
    throw TokenizerError(std::string("cannot write tokenizer.json: ") + error.what());
  }
}

} // namespace fgrt::tokenizer
