//===- harness.cpp - Running one case -------------------------------------===//
#include "harness.hpp"

#include "causal_loss.hpp"
#include "causal_mask.hpp"
#include "chunked_causal_loss.hpp"
#include "sinusoidal_pe.hpp"

#include <memory>

namespace fgcc::models_test {

namespace {

using Inputs = std::map<std::string, torch::Tensor>;

/// The input called `name`, or an undefined tensor.
torch::Tensor input(const Inputs &inputs, const std::string &name) {
  auto found = inputs.find(name);
  return found == inputs.end() ? torch::Tensor() : found->second;
}

/// A component ready to run: its module (for parameters and train/eval)
/// and how to call it.
struct Runnable {
  std::shared_ptr<torch::nn::Module> module;
  std::function<NamedTensors(const Inputs &)> call;
};

bool is_one_of(const std::string &s, std::initializer_list<const char *> names) {
  for (const char *n : names)
    if (s == n)
      return true;
  return false;
}

Runnable make_runnable(const std::string &component, const json &config) {
  if (is_one_of(component, {"LayerNorm", "RMSNorm"})) {
    json norm = config;
    norm["type"] = component;
    auto m = std::make_shared<torch::nn::AnyModule>(build_norm(norm));
    return {m->ptr(), [m](const Inputs &in) { return NamedTensors{{"y", m->forward(input(in, "x"))}}; }};
  }
  if (component == "RotaryPE") {
    nn::RotaryPE rope = build_rope(config);
    return {rope.ptr(), [rope](const Inputs &in) mutable {
              auto [q, k] = rope->forward(input(in, "q"), input(in, "k"), input(in, "position_ids"));
              return NamedTensors{{"q", q}, {"k", k}};
            }};
  }
  if (component == "SinusoidalPE") {
    nn::SinusoidalPE pe(nn::SinusoidalPEOptions(config.at("d_model"), config.at("max_sequence_length")));
    return {pe.ptr(), [pe](const Inputs &in) mutable {
              return NamedTensors{{"y", pe(input(in, "x"), input(in, "position_ids"))}};
            }};
  }
  if (component == "InputEncoder") {
    nn::InputEncoder encoder = build_input_encoder(config);
    return {encoder.ptr(), [encoder](const Inputs &in) mutable {
              return NamedTensors{{"y", encoder(input(in, "input_ids"), input(in, "position_ids"))}};
            }};
  }
  if (is_one_of(component, {"FeedforwardLayer", "GLUFeedforwardLayer"})) {
    json ff = config;
    ff["type"] = component;
    auto m = std::make_shared<torch::nn::AnyModule>(build_feedforward(ff));
    return {m->ptr(), [m](const Inputs &in) { return NamedTensors{{"y", m->forward(input(in, "x"))}}; }};
  }
  if (is_one_of(component, {"CausalMultiheadAttn", "CausalAlibiAttn", "SingleHeadAttn", "SingleHeadAlibiAttn",
                            "PreLNLayer", "PostLNLayer", "DeepnetLayer"})) {
    json c = config;
    c["type"] = component;
    auto m = std::make_shared<torch::nn::AnyModule>(component.find("Layer") != std::string::npos ? build_layer(c)
                                                                                                  : build_attention(c));
    return {m->ptr(), [m](const Inputs &in) {
              return NamedTensors{
                  {"y", m->forward(input(in, "x"), input(in, "attn_mask"), input(in, "position_ids"))}};
            }};
  }
  if (component == "CausalLM") {
    nn::CausalLM model = build_causal_lm(config);
    return {model.ptr(), [model](const Inputs &in) mutable {
              torch::Tensor logits = model(input(in, "input_ids"), input(in, "attention_mask"), input(in, "position_ids"));
              torch::Tensor loss = nn::CausalLoss()(logits, input(in, "labels"));
              return NamedTensors{{"logits", logits}, {"loss", loss}};
            }};
  }
  if (component == "CausalMask") {
    auto holder = std::make_shared<torch::nn::Module>();
    return {holder, [config](const Inputs &in) {
              nn::CausalMaskOptions options;
              if (!config.at("sliding_window").is_null())
                options.sliding_window(config["sliding_window"].get<int64_t>());
              torch::Tensor mask = nn::causal_mask(config.at("batch_size"), config.at("seq_len"), options,
                                                   input(in, "padding_mask"), input(in, "position_ids"));
              return NamedTensors{{"mask", mask}};
            }};
  }
  if (component == "CausalLoss") {
    nn::CausalLoss loss(nn::CausalLossOptions().ignore_index(config.at("ignore_index")));
    return {loss.ptr(), [loss](const Inputs &in) mutable {
              return NamedTensors{{"loss", loss(input(in, "logits"), input(in, "labels"))}};
            }};
  }
  if (component == "ChunkedCausalLoss") {
    nn::ChunkedCausalLoss loss(
        nn::ChunkedCausalLossOptions().chunk_size(config.at("chunk_size")).ignore_index(config.at("ignore_index")));
    return {loss.ptr(), [loss](const Inputs &in) mutable {
              return NamedTensors{{"loss", loss(input(in, "logits"), input(in, "labels"))}};
            }};
  }
  TORCH_CHECK(false, "harness: unknown component ", component);
}

/// Inputs that get gradients: floating point and not a mask.
bool wants_grad(const std::string &name, const torch::Tensor &t) {
  return t.is_floating_point() && name.find("mask") == std::string::npos;
}

/// Moves every parameter off its constructor value (norm weights are all
/// ones, biases may be zeros), so that the test sees each one's effect.
void perturb_parameters(torch::nn::Module &module) {
  torch::NoGradGuard no_grad;
  for (torch::Tensor &p : module.parameters())
    p.add_(torch::randn_like(p) * 0.1);
}

std::vector<std::string> names_of(const NamedTensors &tensors) {
  std::vector<std::string> names;
  for (const auto &entry : tensors)
    names.push_back(entry.first);
  return names;
}

} // namespace

CaseData run_case(const Case &c) {
  CaseData data;
  data.name = c.name;
  torch::manual_seed(c.seed);
  Runnable runnable = make_runnable(c.component, c.config);
  torch::nn::Module &module = *runnable.module;
  perturb_parameters(module);
  module.train(c.train);

  // Inputs are drawn after construction and perturbation, from the same
  // seeded stream; only their saved values matter to the reference.
  NamedTensors inputs = c.inputs ? c.inputs() : NamedTensors{};
  Inputs by_name;
  std::vector<std::string> grad_inputs;
  for (auto &[name, tensor] : inputs) {
    data.tensors["input." + name] = tensor.clone();
    if (wants_grad(name, tensor)) {
      tensor.requires_grad_(true);
      grad_inputs.push_back(name);
    }
    by_name[name] = tensor;
  }
  std::vector<std::string> param_names;
  for (const auto &p : module.named_parameters()) {
    data.tensors["param." + p.key()] = p.value().detach().clone();
    param_names.push_back(p.key());
  }
  for (const auto &b : module.named_buffers())
    data.tensors["buffer." + b.key()] = b.value().clone();

  // Forward from a known RNG state, so the reference draws the same
  // dropout masks.
  const uint64_t forward_seed = c.seed + 1;
  torch::manual_seed(forward_seed);
  NamedTensors outputs = runnable.call(by_name);

  // Cotangents come from their own seed, after forward, so that they do not
  // shift the dropout masks; the reference reads them from the file.
  torch::manual_seed(c.seed + 2);
  torch::Tensor loss;
  for (const auto &[name, out] : outputs) {
    data.tensors["output." + name] = out.detach().clone();
    if (!out.requires_grad())
      continue;
    torch::Tensor cotangent = torch::randn_like(out);
    data.tensors["cotangent." + name] = cotangent;
    torch::Tensor term = (out * cotangent).sum();
    loss = loss.defined() ? loss + term : term;
  }
  if (loss.defined())
    loss.backward();
  for (const auto &p : module.named_parameters())
    if (p.value().grad().defined())
      data.tensors["grad.param." + p.key()] = p.value().grad().clone();
  for (const std::string &name : grad_inputs)
    if (by_name[name].grad().defined())
      data.tensors["grad.input." + name] = by_name[name].grad().clone();

  json meta = {{"kind", "forward"},     {"name", c.name},           {"component", c.component},
               {"config", c.config},    {"train", c.train},         {"forward_seed", forward_seed},
               {"inputs", names_of(inputs)}, {"outputs", names_of(outputs)}, {"params", param_names}};
  data.metadata["case"] = meta.dump();
  return data;
}

//===--- Input makers -------------------------------------------------------===//

torch::Tensor normal(torch::IntArrayRef shape) { return torch::randn(shape); }

torch::Tensor token_ids(int64_t batch, int64_t seq_len, int64_t vocab) {
  return torch::randint(0, vocab, {batch, seq_len}, torch::kLong);
}

torch::Tensor packed_positions(const std::vector<std::vector<int64_t>> &lengths) {
  std::vector<torch::Tensor> rows;
  for (const auto &row : lengths) {
    std::vector<torch::Tensor> docs;
    for (int64_t length : row)
      docs.push_back(torch::arange(length, torch::kLong));
    rows.push_back(torch::cat(docs));
  }
  return torch::stack(rows);
}

torch::Tensor left_padding_mask(int64_t seq_len, const std::vector<int64_t> &pad) {
  torch::Tensor mask = torch::ones({int64_t(pad.size()), seq_len}, torch::kLong);
  for (size_t r = 0; r < pad.size(); ++r)
    mask[r].slice(0, 0, pad[r]).zero_();
  return mask;
}

} // namespace fgcc::models_test
