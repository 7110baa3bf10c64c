//===- hf_llama.cpp - Hugging Face llama/mistral/qwen3 export and import --===//
#include "hf_llama.hpp"

#include "causal_multihead_attn.hpp"
#include "glu_feedforward.hpp"
#include "pre_ln_layer.hpp"
#include "rms_norm.hpp"
#include "safetensors.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace fgcc::nn {

namespace {

[[noreturn]] void fail_hf_llama(const std::string &what) { throw std::runtime_error("hf_llama: " + what); }

/// What HF's config describes, gathered from the modules' options while
/// checking that the model is llama-shaped (describe()).
struct LlamaShape {
  int64_t vocab_size = 0, hidden_size = 0, intermediate_size = 0, num_layers = 0;
  int64_t num_heads = 0, num_kv_heads = 0, head_dim = 0;
  /// One eps for every RMSNorm (HF has a single rms_norm_eps); unset means
  /// the machine epsilon of the activations' dtype.
  c10::optional<double> eps;
  c10::optional<RotaryPEOptions> rope;
  bool qk_norm = false;
  double attention_dropout = 0.0;
  bool tie_word_embeddings = false;
  c10::optional<int64_t> sliding_window;
  torch::ScalarType dtype = torch::kFloat;
};

/// `module` as an RMSNorm with a weight, or an error naming `path`.
std::shared_ptr<RMSNormImpl> rms_norm_at(const torch::nn::AnyModule &module, const std::string &path) {
  if (module.is_empty())
    fail_hf_llama(path + " is missing; a llama model has an RMSNorm there");
  auto norm = std::dynamic_pointer_cast<RMSNormImpl>(module.ptr());
  if (!norm)
    fail_hf_llama(path + " is " + module.ptr()->name() + ", not an RMSNorm: the model is not llama-shaped");
  if (!norm->weight.defined())
    fail_hf_llama(path + " is an RMSNorm without elementwise_affine; HF's llama norms have weights");
  return norm;
}

/// Checks that `model` is llama-shaped and reads its dimensions. Every
/// error names the module that breaks the shape, so that a user can tell
/// which part of the config to change.
LlamaShape describe(CausalLM &model) {
  LlamaShape shape;
  const InputEncoderImpl &encoder = *model->input_encoder;
  if (encoder.has_absolute_positions())
    fail_hf_llama("input_encoder has an absolute positional encoder; HF's llama uses RoPE only");
  if (encoder.effective_scale() != 1.0)
    fail_hf_llama("input_encoder scales the embeddings; HF's llama does not");
  shape.vocab_size = encoder.options.vocab_size();
  shape.hidden_size = encoder.options.d_model();
  shape.dtype = encoder.embedding->weight.scalar_type();
  shape.tie_word_embeddings = model->options.tie_word_embeddings();
  shape.sliding_window = model->options.sliding_window();

  bool eps_seen = false;
  auto check_eps = [&](const std::shared_ptr<RMSNormImpl> &norm, const std::string &path) {
    if (!eps_seen) {
      shape.eps = norm->options.eps();
      eps_seen = true;
    } else if (shape.eps != norm->options.eps()) {
      fail_hf_llama(path + " has another eps than the other norms; HF's llama has one rms_norm_eps");
    }
  };

  LayerStackImpl &stack = *model->layer_stack;
  shape.num_layers = static_cast<int64_t>(stack.size());
  if (shape.num_layers == 0)
    fail_hf_llama("layer_stack has no layers");
  for (size_t i = 0; i < stack.size(); ++i) {
    const std::string path = "layer_stack.layers." + std::to_string(i);
    auto layer = std::dynamic_pointer_cast<PreLNLayerImpl>(stack.layer(i).ptr());
    if (!layer)
      fail_hf_llama(path + " is " + stack.layer(i).ptr()->name() + ", not a PreLNLayer: the model is not llama-shaped");

    auto attention = std::dynamic_pointer_cast<CausalMultiheadAttnImpl>(layer->attention.ptr());
    if (!attention)
      fail_hf_llama(path + ".attention is " + layer->attention.ptr()->name() +
           ", not a CausalMultiheadAttn: the model is not llama-shaped");
    const auto &attn = attention->options;
    if (attn.bias())
      fail_hf_llama(path + ".attention has biases (attention_bias); the llama export supports none");
    if (attn.pos_encoder().is_empty())
      fail_hf_llama(path + ".attention has no rotary position encoder; HF's llama uses RoPE");
    const int64_t heads = attn.num_heads(), kv_heads = attn.num_kv_heads().value_or(heads);
    const int64_t head_dim = attn.d_model() / heads;
    const RotaryPEOptions &rope = attn.pos_encoder()->options;
    if (rope.hidden_size() / rope.num_attention_heads() != head_dim)
      fail_hf_llama(path + ".attention: the rotary encoder's head width differs from the attention's");
    const bool qk_norm = !attention->q_norm.is_empty();
    if (qk_norm) {
      check_eps(rms_norm_at(attention->q_norm, path + ".attention.q_norm"), path + ".attention.q_norm");
      check_eps(rms_norm_at(attention->k_norm, path + ".attention.k_norm"), path + ".attention.k_norm");
    }

    auto feedforward = std::dynamic_pointer_cast<GLUFeedforwardLayerImpl>(layer->feedforward.ptr());
    if (!feedforward)
      fail_hf_llama(path + ".feedforward is " + layer->feedforward.ptr()->name() +
           ", not a GLUFeedforwardLayer: the model is not llama-shaped");
    if (feedforward->options.activation() != "silu")
      fail_hf_llama(path + ".feedforward uses activation '" + feedforward->options.activation() +
           "'; HF's llama MLP is silu-gated");
    check_eps(rms_norm_at(layer->norm1, path + ".norm1"), path + ".norm1");
    check_eps(rms_norm_at(layer->norm2, path + ".norm2"), path + ".norm2");

    if (i == 0) {
      shape.num_heads = heads;
      shape.num_kv_heads = kv_heads;
      shape.head_dim = head_dim;
      shape.intermediate_size = feedforward->options.d_feedforward();
      shape.qk_norm = qk_norm;
      shape.rope = rope;
      shape.attention_dropout = attn.dropout();
    } else if (heads != shape.num_heads || kv_heads != shape.num_kv_heads ||
               feedforward->options.d_feedforward() != shape.intermediate_size || qk_norm != shape.qk_norm ||
               rope.rope_theta() != shape.rope->rope_theta()) {
      // HF's config has one value of each for all layers.
      fail_hf_llama(path + " differs in shape from layer 0; HF's llama layers are identical");
    }
  }
  check_eps(rms_norm_at(stack.layer_norm, "layer_stack.layer_norm"), "layer_stack.layer_norm");
  return shape;
}

bool starts_with(const std::string &s, const std::string &prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

/// HF's name for the fgcc parameter `name`, or "" for none.
std::string hf_name_of(const std::string &name) {
  static const std::map<std::string, std::string> top = {
      {"input_encoder.embedding.weight", "model.embed_tokens.weight"},
      {"layer_stack.layer_norm.weight", "model.norm.weight"},
      {"lm_head.weight", "lm_head.weight"},
  };
  if (auto it = top.find(name); it != top.end())
    return it->second;
  static const std::string layers = "layer_stack.layers.";
  if (!starts_with(name, layers))
    return "";
  const size_t dot = name.find('.', layers.size());
  if (dot == std::string::npos)
    return "";
  const std::string index = name.substr(layers.size(), dot - layers.size());
  const std::string rest = name.substr(dot + 1);
  static const std::map<std::string, std::string> in_layer = {
      {"attention.query_linear.weight", "self_attn.q_proj.weight"},
      {"attention.key_linear.weight", "self_attn.k_proj.weight"},
      {"attention.value_linear.weight", "self_attn.v_proj.weight"},
      {"attention.output_linear.weight", "self_attn.o_proj.weight"},
      {"attention.q_norm.weight", "self_attn.q_norm.weight"},
      {"attention.k_norm.weight", "self_attn.k_norm.weight"},
      {"feedforward.gate_proj.weight", "mlp.gate_proj.weight"},
      {"feedforward.up_proj.weight", "mlp.up_proj.weight"},
      {"feedforward.down_proj.weight", "mlp.down_proj.weight"},
      {"norm1.weight", "input_layernorm.weight"},
      {"norm2.weight", "post_attention_layernorm.weight"},
  };
  auto it = in_layer.find(rest);
  return it == in_layer.end() ? "" : "model.layers." + index + "." + it->second;
}

/// fgcc parameter -> (HF name, tensor) for a llama-shaped model.
std::vector<std::tuple<std::string, std::string, torch::Tensor>> mapped_parameters(CausalLM &model) {
  describe(model);
  std::vector<std::tuple<std::string, std::string, torch::Tensor>> mapped;
  for (const auto &item : model->named_parameters(/*recurse=*/true)) {
    std::string hf = hf_name_of(item.key());
    if (hf.empty())
      fail_hf_llama("parameter '" + item.key() + "' has no Hugging Face llama counterpart");
    mapped.emplace_back(item.key(), std::move(hf), item.value());
  }
  return mapped;
}

std::string shape_text(at::IntArrayRef sizes) {
  std::ostringstream out;
  out << sizes;
  return out.str();
}

//===--- JSON ---------------------------------------------------------------===//

/// The shortest decimal text that reads back as `value` (Python's repr),
/// so that config.json holds 1e-05, not 1.0000000000000001e-05.
std::string number(double value) {
  char buffer[32];
  // Whole numbers as Python prints floats: 1000000.0, not 1e+06.
  if (std::isfinite(value) && std::floor(value) == value && std::fabs(value) < 1e16) {
    std::snprintf(buffer, sizeof buffer, "%.1f", value);
    return buffer;
  }
  for (int precision = 1; precision <= std::numeric_limits<double>::max_digits10; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value)
      break;
  }
  std::string text = buffer;
  // JSON readers give a float type to numbers with a point or exponent;
  // keep floats floats (rope_theta 10000 -> 10000.0, as HF writes it).
  if (text.find_first_of(".eEn") == std::string::npos)
    text += ".0";
  return text;
}

std::string quoted(const std::string &text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

/// Just enough of a JSON reader for a shard index: it walks any document
/// and hands back the string-to-string object stored under a top-level key.
class JsonReader {
public:
  JsonReader(std::string text, std::string path) : text_(std::move(text)), path_(std::move(path)) {}

  /// The top-level object's `key`, which must be an object of strings.
  std::map<std::string, std::string> string_map(const std::string &key) {
    std::map<std::string, std::string> result;
    bool found = false;
    expect('{');
    if (!consume('}')) {
      do {
        std::string name = string();
        expect(':');
        if (name == key) {
          found = true;
          expect('{');
          if (!consume('}')) {
            do {
              std::string entry = string();
              expect(':');
              result[entry] = string();
            } while (consume(','));
            expect('}');
          }
        } else {
          skip_value();
        }
      } while (consume(','));
      expect('}');
    }
    if (!found)
      error("no \"" + key + "\" object");
    return result;
  }

  /// The top-level object's scalar members as text (strings unquoted;
  /// numbers, true, false, null as written); objects and arrays skipped.
  std::map<std::string, std::string> scalars() {
    std::map<std::string, std::string> result;
    expect('{');
    if (!consume('}')) {
      do {
        std::string name = string();
        expect(':');
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == '"') {
          result[name] = string();
        } else {
          const size_t start = pos_;
          skip_value();
          if (text_[start] != '{' && text_[start] != '[')
            result[name] = text_.substr(start, pos_ - start);
        }
      } while (consume(','));
      expect('}');
    }
    return result;
  }

private:
  [[noreturn]] void error(const std::string &what) const {
    fail_hf_llama(path_ + ": " + what + " (at byte " + std::to_string(pos_) + ")");
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
      ++pos_;
  }
  bool consume(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!consume(c))
      error(std::string("expected '") + c + "'");
  }
  std::string string() {
    expect('"');
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size())
        break;
      char e = text_[pos_++];
      switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        // Tensor and file names are ASCII in practice; encode the code
        // unit as UTF-8 (surrogate pairs are not combined).
        if (pos_ + 4 > text_.size())
          error("truncated \\u escape");
        unsigned code = std::stoul(text_.substr(pos_, 4), nullptr, 16);
        pos_ += 4;
        if (code < 0x80) {
          out += char(code);
        } else if (code < 0x800) {
          out += char(0xC0 | (code >> 6));
          out += char(0x80 | (code & 0x3F));
        } else {
          out += char(0xE0 | (code >> 12));
          out += char(0x80 | ((code >> 6) & 0x3F));
          out += char(0x80 | (code & 0x3F));
        }
        break;
      }
      default: out += e; // \" \\ \/
      }
    }
    expect('"');
    return out;
  }
  void skip_value() {
    skip_space();
    if (pos_ >= text_.size())
      error("unexpected end");
    char c = text_[pos_];
    if (c == '"') {
      string();
    } else if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++pos_;
      if (consume(close))
        return;
      do {
        if (c == '{') {
          string();
          expect(':');
        }
        skip_value();
      } while (consume(','));
      expect(close);
    } else {
      // number, true, false, null
      size_t start = pos_;
      while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                     text_[pos_] == '-' || text_[pos_] == '+' || text_[pos_] == '.'))
        ++pos_;
      if (pos_ == start)
        error("unexpected character");
    }
  }

  std::string text_;
  std::string path_;
  size_t pos_ = 0;
};

std::string read_text(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail_hf_llama(path.string() + ": cannot open");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const char *dtype_name(torch::ScalarType dtype) {
  switch (dtype) {
  case torch::kBFloat16: return "bfloat16";
  case torch::kHalf: return "float16";
  case torch::kDouble: return "float64";
  case torch::kFloat: return "float32";
  default: return c10::toString(dtype);
  }
}

/// `requested` if it is a dtype HF checkpoints are exported in, else an
/// error; unset gives `parameters`, the model's own.
torch::ScalarType export_dtype(c10::optional<torch::ScalarType> requested, torch::ScalarType parameters) {
  if (!requested)
    return parameters;
  if (*requested != torch::kFloat && *requested != torch::kBFloat16)
    fail_hf_llama(std::string("cannot export in ") + dtype_name(*requested) + "; the export dtype is float32 or bfloat16");
  return *requested;
}

/// Checks the checkpoint's config.json against the model's own: the
/// weights' shapes are checked on loading, but a different rope_theta,
/// rms_norm_eps or window would load silently into a model that computes
/// something else. Fields the checkpoint omits (HF's defaults) are skipped.
void check_config(CausalLM &model, const std::string &text, const std::string &path) {
  std::map<std::string, std::string> theirs = JsonReader(text, path).scalars();
  auto type = theirs.find("model_type");
  if (type == theirs.end())
    fail_hf_llama(path + ": no model_type");
  if (type->second != "llama" && type->second != "mistral" && type->second != "qwen3")
    fail_hf_llama(path + ": model_type '" + type->second + "' is not llama, mistral or qwen3");
  std::map<std::string, std::string> ours =
      JsonReader(hf_llama_config_json(model, type->second), "the model's config").scalars();
  std::vector<std::string> keys = {"hidden_size",         "intermediate_size", "num_hidden_layers",
                                   "num_attention_heads", "num_key_value_heads", "vocab_size",
                                   "rope_theta",          "rms_norm_eps",       "tie_word_embeddings"};
  if (type->second == "mistral")
    keys.push_back("sliding_window");
  if (type->second == "qwen3") {
    keys.push_back("use_sliding_window");
    if (theirs["use_sliding_window"] == "true")
      keys.insert(keys.end(), {"sliding_window", "max_window_layers"});
  }
  for (const std::string &key : keys) {
    auto it = theirs.find(key);
    if (it == theirs.end())
      continue;
    const std::string &a = it->second, &b = ours.at(key);
    char *end_a = nullptr, *end_b = nullptr;
    const double x = std::strtod(a.c_str(), &end_a), y = std::strtod(b.c_str(), &end_b);
    const bool numbers = !a.empty() && !b.empty() && *end_a == '\0' && *end_b == '\0';
    const bool same = numbers ? std::fabs(x - y) <= 1e-9 * std::max(std::fabs(x), std::fabs(y)) : a == b;
    if (!same)
      fail_hf_llama(path + ": " + key + " is " + a + ", the model's is " + b);
  }
}

} // namespace

std::map<std::string, torch::Tensor> to_hf_llama_state(CausalLM &model) {
  std::map<std::string, torch::Tensor> state;
  for (auto &[name, hf, tensor] : mapped_parameters(model))
    state[hf] = tensor.detach();
  return state;
}

void load_hf_llama_state(CausalLM &model, const std::map<std::string, torch::Tensor> &hf) {
  const auto mapped = mapped_parameters(model);
  std::vector<std::string> problems;
  std::set<std::string> used;
  for (const auto &[name, hf_name, param] : mapped) {
    auto it = hf.find(hf_name);
    if (it == hf.end()) {
      problems.push_back("missing tensor '" + hf_name + "' (for " + name + ")");
      continue;
    }
    used.insert(hf_name);
    if (it->second.sizes() != param.sizes())
      problems.push_back("tensor '" + hf_name + "' has shape " + shape_text(it->second.sizes()) + ", " + name +
                         " has " + shape_text(param.sizes()));
  }
  const bool tied = model->options.tie_word_embeddings();
  for (const auto &[hf_name, tensor] : hf) {
    if (used.count(hf_name))
      continue;
    // Buffers HF recomputes (RoPE frequencies), and the head a tied
    // checkpoint may store redundantly, carry no information the model
    // lacks.
    const std::string inv_freq = "inv_freq";
    if (hf_name.size() >= inv_freq.size() &&
        hf_name.compare(hf_name.size() - inv_freq.size(), inv_freq.size(), inv_freq) == 0)
      continue;
    if (tied && hf_name == "lm_head.weight")
      continue;
    problems.push_back("unknown tensor '" + hf_name + "' (no parameter of the model maps to it)");
  }
  if (!problems.empty()) {
    std::string message = "cannot load the Hugging Face state";
    for (const std::string &p : problems)
      message += "\n  " + p;
    fail_hf_llama(message);
  }
  torch::NoGradGuard no_grad;
  for (const auto &[name, hf_name, param] : mapped) {
    torch::Tensor value = hf.at(hf_name);
    param.copy_(value.to(param.device(), param.scalar_type()));
  }
}

std::string hf_llama_model_type(CausalLM &model) {
  LlamaShape shape = describe(model);
  return shape.qk_norm ? "qwen3" : shape.sliding_window ? "mistral" : "llama";
}

torch::ScalarType hf_export_dtype(const std::string &name) {
  if (name == "float32" || name == "f32")
    return torch::kFloat;
  if (name == "bfloat16" || name == "bf16")
    return torch::kBFloat16;
  fail_hf_llama("unknown export dtype '" + name + "' (expected float32, f32, bfloat16 or bf16)");
}

std::string hf_llama_config_json(CausalLM &model, const std::string &requested_type,
                                 c10::optional<torch::ScalarType> dtype) {
  const LlamaShape shape = describe(model);
  const torch::ScalarType weights_dtype = export_dtype(dtype, shape.dtype);
  const std::string type =
      requested_type.empty() ? (shape.qk_norm ? "qwen3" : shape.sliding_window ? "mistral" : "llama") : requested_type;
  std::string architecture;
  if (type == "llama")
    architecture = "LlamaForCausalLM";
  else if (type == "mistral")
    architecture = "MistralForCausalLM";
  else if (type == "qwen3")
    architecture = "Qwen3ForCausalLM";
  else
    fail_hf_llama("unknown model_type '" + type + "' (expected llama, mistral or qwen3)");
  if (shape.qk_norm && type != "qwen3")
    fail_hf_llama("the model has QK-norm (q_norm/k_norm), which only HF's qwen3 has; export it as qwen3");
  if (shape.sliding_window && type == "llama")
    fail_hf_llama("the model has a sliding window, which HF's llama lacks; export it as mistral or qwen3");

  // An unset eps means torch.finfo(dtype).eps of the activations; the
  // exported model runs in float32.
  const double eps = shape.eps.value_or(std::numeric_limits<float>::epsilon());
  const RotaryPEOptions &rope = *shape.rope;
  std::ostringstream j;
  j << "{\n";
  j << "  \"architectures\": [" << quoted(architecture) << "],\n";
  j << "  \"model_type\": " << quoted(type) << ",\n";
  j << "  \"attention_bias\": false,\n";
  j << "  \"attention_dropout\": " << number(shape.attention_dropout) << ",\n";
  j << "  \"head_dim\": " << shape.head_dim << ",\n";
  j << "  \"hidden_act\": \"silu\",\n";
  j << "  \"hidden_size\": " << shape.hidden_size << ",\n";
  j << "  \"intermediate_size\": " << shape.intermediate_size << ",\n";
  j << "  \"max_position_embeddings\": " << rope.max_position_embeddings() << ",\n";
  if (type == "llama")
    j << "  \"mlp_bias\": false,\n";
  j << "  \"num_attention_heads\": " << shape.num_heads << ",\n";
  j << "  \"num_hidden_layers\": " << shape.num_layers << ",\n";
  j << "  \"num_key_value_heads\": " << shape.num_kv_heads << ",\n";
  j << "  \"rms_norm_eps\": " << number(eps) << ",\n";
  if (rope.rope_scaling()) {
    const RopeScaling &s = *rope.rope_scaling();
    j << "  \"rope_scaling\": {\"rope_type\": " << quoted(s.rope_type()) << ", \"factor\": " << number(s.factor())
      << ", \"low_freq_factor\": " << number(s.low_freq_factor())
      << ", \"high_freq_factor\": " << number(s.high_freq_factor())
      << ", \"original_max_position_embeddings\": " << s.original_max_position_embeddings() << "},\n";
  } else {
    j << "  \"rope_scaling\": null,\n";
  }
  j << "  \"rope_theta\": " << number(rope.rope_theta()) << ",\n";
  const std::string window = shape.sliding_window ? std::to_string(*shape.sliding_window) : "null";
  if (type == "mistral")
    j << "  \"sliding_window\": " << window << ",\n";
  if (type == "qwen3") {
    // Qwen3 slides in the layers from max_window_layers on: 0 makes every
    // layer slide, as fgcc's model-wide window does.
    j << "  \"use_sliding_window\": " << (shape.sliding_window ? "true" : "false") << ",\n";
    j << "  \"sliding_window\": " << window << ",\n";
    j << "  \"max_window_layers\": " << (shape.sliding_window ? 0 : shape.num_layers) << ",\n";
  }
  j << "  \"tie_word_embeddings\": " << (shape.tie_word_embeddings ? "true" : "false") << ",\n";
  j << "  \"torch_dtype\": " << quoted(dtype_name(weights_dtype)) << ",\n";
  j << "  \"use_cache\": true,\n";
  j << "  \"vocab_size\": " << shape.vocab_size << "\n";
  j << "}\n";
  return j.str();
}

void export_hf_llama(CausalLM &model, const std::string &dir, const std::string &model_type,
                     c10::optional<torch::ScalarType> dtype) {
  // Both are computed before anything is written, so that a model that is
  // not llama-shaped (or a bad dtype) leaves no half-written directory.
  const std::string config = hf_llama_config_json(model, model_type, dtype);
  std::map<std::string, torch::Tensor> state = to_hf_llama_state(model);
  for (auto &[name, tensor] : state)
    tensor = tensor.to(torch::kCPU, export_dtype(dtype, tensor.scalar_type())).contiguous();
  std::filesystem::create_directories(dir);
  // transformers refuses safetensors files whose metadata lacks format=pt.
  safetensors::save((std::filesystem::path(dir) / "model.safetensors").string(), state, {{"format", "pt"}});
  const std::filesystem::path config_path = std::filesystem::path(dir) / "config.json";
  std::ofstream out(config_path, std::ios::binary | std::ios::trunc);
  out << config;
  out.close();
  if (!out)
    fail_hf_llama(config_path.string() + ": cannot write");
}

void import_hf_llama(CausalLM &model, const std::string &dir) {
  const std::filesystem::path root(dir);
  const std::filesystem::path single = root / "model.safetensors";
  const std::filesystem::path index = root / "model.safetensors.index.json";
  std::map<std::string, torch::Tensor> state;
  if (std::filesystem::exists(index)) {
    // A sharded checkpoint: weight_map names the file of every tensor.
    const std::map<std::string, std::string> weight_map =
        JsonReader(read_text(index), index.string()).string_map("weight_map");
    std::set<std::string> files;
    for (const auto &[name, file] : weight_map)
      files.insert(file);
    for (const std::string &file : files) {
      if (file.find("..") != std::string::npos || (!file.empty() && file[0] == '/'))
        fail_hf_llama(index.string() + ": shard '" + file + "' is outside the checkpoint directory");
      safetensors::File shard = safetensors::load((root / file).string());
      for (auto &[name, tensor] : shard.tensors) {
        auto where = weight_map.find(name);
        if (where != weight_map.end() && where->second != file)
          continue; // the index is authoritative about which copy counts
        state[name] = tensor;
      }
    }
    for (const auto &[name, file] : weight_map)
      if (!state.count(name))
        fail_hf_llama(index.string() + ": tensor '" + name + "' is not in its shard '" + file + "'");
  } else if (std::filesystem::exists(single)) {
    state = safetensors::load(single.string()).tensors;
  } else {
    fail_hf_llama(dir + ": neither model.safetensors nor model.safetensors.index.json");
  }
  const std::filesystem::path config = root / "config.json";
  if (std::filesystem::exists(config))
    check_config(model, read_text(config), config.string());
  load_hf_llama_state(model, state);
}

} // namespace fgcc::nn
