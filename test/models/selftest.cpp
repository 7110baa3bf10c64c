//===- selftest.cpp - Checks that need no PyTorch reference ---------------===//
//
// Above all: activation checkpointing must not change anything. A model run
// with every (or every other) layer checkpointed, dropout on, must give
// bit-identical logits, loss and gradients, and leave the random generator
// in the same state, as the same model run plainly.
//
//===----------------------------------------------------------------------===//
#include "harness.hpp"

#include "causal_loss.hpp"
#include "causal_multihead_attn.hpp"
#include "chunked_causal_loss.hpp"
#include "feedforward_layer.hpp"
#include "init_weights.hpp"
#include "rms_norm.hpp"

#include <cmath>
#include <functional>
#include <iostream>
#include <set>
#include <sstream>

namespace fgcc::models_test {

namespace {

/// A check returns "" on success and the reason otherwise.
using Check = std::function<std::string()>;

/// Autograd nodes reachable from `t` whose name contains `what`.
int count_nodes(const torch::Tensor &t, const std::string &what) {
  std::vector<std::shared_ptr<torch::autograd::Node>> stack{t.grad_fn()};
  std::set<torch::autograd::Node *> seen;
  int count = 0;
  while (!stack.empty()) {
    std::shared_ptr<torch::autograd::Node> node = stack.back();
    stack.pop_back();
    if (!node || !seen.insert(node.get()).second)
      continue;
    count += node->name().find(what) != std::string::npos;
    for (const torch::autograd::Edge &edge : node->next_edges())
      stack.push_back(edge.function);
  }
  return count;
}

/// Everything one training step of `model` produces.
struct StepResult {
  torch::Tensor logits, loss, after;
  std::vector<std::pair<std::string, torch::Tensor>> grads;
  int checkpoint_nodes = 0;
};

StepResult training_step(nn::CausalLM model, const torch::Tensor &ids, const torch::Tensor &positions,
                         const torch::Tensor &labels) {
  StepResult r;
  model->train();
  model->zero_grad();
  torch::manual_seed(77);
  r.logits = model->forward(ids, {}, positions);
  r.loss = nn::CausalLoss()(r.logits, labels);
  r.checkpoint_nodes = count_nodes(r.loss, "CheckpointFunction");
  r.loss.backward();
  // The next draw shows whether backward left the generator where the
  // plain run leaves it.
  r.after = torch::rand({8});
  for (const auto &p : model->named_parameters())
    r.grads.emplace_back(p.key(), p.value().grad().clone());
  return r;
}

/// Checkpointing every `stride`-th layer of `preset` with dropout 0.1
/// changes no bit of the result.
std::string checkpoint_is_exact(const std::string &preset, int64_t stride) {
  json config = preset_config(preset, 0.1);
  config["num_hidden_layers"] = 3;
  torch::manual_seed(5);
  nn::CausalLM plain = build_causal_lm(config, false);
  torch::manual_seed(5);
  nn::CausalLM checkpointed = build_causal_lm(config, true);
  checkpointed->layer_stack->options.checkpoint_stride(stride);

  torch::manual_seed(6);
  torch::Tensor ids = token_ids(2, 12, config["input_encoder"]["vocab_size"]);
  torch::Tensor positions = packed_positions({{5, 7}, {12}});
  StepResult a = training_step(plain, ids, positions, ids);
  StepResult b = training_step(checkpointed, ids, positions, ids);

  const int expected_nodes = static_cast<int>((3 + stride - 1) / stride);
  if (a.checkpoint_nodes != 0 || b.checkpoint_nodes != expected_nodes)
    return "expected 0 and " + std::to_string(expected_nodes) + " checkpointed layers in the graphs, found " +
           std::to_string(a.checkpoint_nodes) + " and " + std::to_string(b.checkpoint_nodes);
  if (!torch::equal(a.logits, b.logits) || !torch::equal(a.loss, b.loss))
    return "forward differs";
  if (!torch::equal(a.after, b.after))
    return "the random generator ends in a different state";
  for (size_t i = 0; i < a.grads.size(); ++i)
    if (!torch::equal(a.grads[i].second, b.grads[i].second))
      return "gradient of " + a.grads[i].first + " differs by up to " +
             std::to_string((a.grads[i].second - b.grads[i].second).abs().max().item<double>());
  return "";
}

/// Dropout must really be on, or the test above proves little: two
/// training forwards with different seeds differ.
std::string dropout_is_active() {
  torch::manual_seed(5);
  nn::CausalLM model = build_causal_lm(preset_config("llama", 0.1));
  model->train();
  torch::Tensor ids = token_ids(2, 12, 61);
  torch::manual_seed(1);
  torch::Tensor a = model(ids);
  torch::manual_seed(2);
  torch::Tensor b = model(ids);
  return torch::equal(a, b) ? "two seeds gave the same logits" : "";
}

/// Checkpointing is a training-time feature: no CheckpointFunction in eval
/// mode or without grad mode.
std::string checkpoint_only_when_training() {
  torch::manual_seed(5);
  nn::CausalLM model = build_causal_lm(preset_config("llama"), true);
  torch::Tensor ids = token_ids(2, 12, 61);
  model->eval();
  if (count_nodes(model(ids), "CheckpointFunction") != 0)
    return "checkpointed in eval mode";
  model->train();
  torch::NoGradGuard no_grad;
  torch::Tensor out = model(ids);
  return out.requires_grad() ? "graph built under NoGradGuard" : "";
}

/// clone() of a whole model: same outputs, separate parameters (the copy's
/// layers are its own, not the original's), and the original's parameters
/// keep their identity.
std::string clone_is_deep(const std::string &preset) {
  torch::manual_seed(5);
  nn::CausalLM model = build_causal_lm(preset_config(preset));
  model->eval();
  std::vector<void *> before;
  std::vector<torch::Tensor> values;
  for (const torch::Tensor &p : model->parameters()) {
    before.push_back(p.data_ptr());
    values.push_back(p.detach().clone());
  }
  auto copy = std::dynamic_pointer_cast<nn::CausalLMImpl>(model->clone());
  torch::Tensor ids = token_ids(2, 12, 61);
  if (!torch::equal(model(ids), copy->forward(ids)))
    return "the copy computes something else";
  {
    torch::NoGradGuard no_grad;
    for (torch::Tensor &p : copy->parameters())
      p.fill_(0.5);
  }
  std::vector<torch::Tensor> params = model->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].data_ptr() != before[i])
      return "clone() replaced a parameter of the original";
    if (!torch::equal(params[i], values[i]))
      return "changing the copy changed the original";
  }
  // And the copy's forward runs on the copy's own parameters.
  return torch::equal(model(ids), copy->forward(ids)) ? "the copy still computes with the original's weights" : "";
}

/// Left-padded rows have queries that see nothing; the mask's finite
/// "-inf" keeps their softmax finite.
std::string padded_rows_are_finite() {
  torch::manual_seed(5);
  nn::CausalLM model = build_causal_lm(preset_config("mistral"));
  torch::Tensor logits = model(token_ids(2, 12, 61), left_padding_mask(12, {0, 5}));
  return torch::isfinite(logits).all().item<bool>() ? "" : "non-finite logits";
}

/// Tied embeddings: one matrix, listed once, and the head uses it.
std::string tied_head_shares_embedding() {
  torch::manual_seed(5);
  nn::CausalLM model = build_causal_lm(preset_config("tied"));
  for (const auto &p : model->named_parameters())
    if (p.key().find("lm_head") != std::string::npos)
      return "lm_head has its own parameter " + p.key();
  torch::Tensor h = torch::randn({1, 3, 32});
  torch::Tensor expected = torch::matmul(h, model->input_encoder->embedding->weight.t());
  return torch::allclose(model->head(h), expected) ? "" : "head is not the embedding";
}

/// RMSNorm in a bf16 model keeps bf16 and matches float32 closely.
std::string rms_norm_bf16() {
  nn::RMSNorm norm(nn::RMSNormOptions(32).eps(1e-6));
  torch::Tensor x = torch::randn({4, 32});
  torch::Tensor expected = norm(x);
  norm->to(torch::kBFloat16);
  torch::Tensor y = norm(x.to(torch::kBFloat16));
  if (y.scalar_type() != torch::kBFloat16)
    return "dtype changed";
  double error = (y.to(torch::kFloat) - expected).abs().max().item<double>();
  return error < 0.05 ? "" : "bf16 error " + std::to_string(error);
}

/// trunc_normal_ on a large sample: within bounds, with the analytic mean
/// and standard deviation of the truncated distribution.
std::string trunc_normal_moments() {
  const double mean = 0.3, std = 1.5, a = -1.0, b = 2.0;
  torch::manual_seed(3);
  torch::Tensor x = nn::init::trunc_normal_(torch::empty({400000}), mean, std, a, b);
  if (x.min().item<double>() < a || x.max().item<double>() > b)
    return "sample outside [a, b]";
  auto pdf = [](double z) { return std::exp(-z * z / 2) / std::sqrt(2 * M_PI); };
  auto cdf = [](double z) { return 0.5 * (1 + std::erf(z / std::sqrt(2.0))); };
  const double alpha = (a - mean) / std, beta = (b - mean) / std, z = cdf(beta) - cdf(alpha);
  const double true_mean = mean + std * (pdf(alpha) - pdf(beta)) / z;
  const double true_var =
      std * std * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - std::pow((pdf(alpha) - pdf(beta)) / z, 2));
  const double m = x.mean().item<double>(), s = x.std().item<double>();
  std::ostringstream why;
  if (std::abs(m - true_mean) > 0.01 || std::abs(s - std::sqrt(true_var)) > 0.01)
    why << "mean " << m << " (expected " << true_mean << "), std " << s << " (expected " << std::sqrt(true_var) << ")";
  return why.str();
}

/// Layers call their blocks through AnyModule; a block called with `x`
/// alone gets undefined mask and position ids (FORWARD_HAS_DEFAULT_ARGS).
std::string any_module_default_args() {
  torch::manual_seed(5);
  torch::nn::AnyModule attention(nn::CausalMultiheadAttn(nn::CausalMultiheadAttnOptions(32, 4)));
  torch::Tensor x = torch::randn({2, 5, 32});
  torch::Tensor full = attention.forward(x, torch::Tensor(), torch::Tensor());
  return torch::equal(attention.forward(x), full) ? "" : "forward(x) differs from forward(x, {}, {})";
}

/// Misconfigurations fail at construction with a message naming the problem.
std::string bad_options_throw() {
  auto throws = [](const std::function<void()> &f, const std::string &needle) {
    try {
      f();
    } catch (const c10::Error &e) {
      return std::string(e.what()).find(needle) != std::string::npos;
    }
    return false;
  };
  if (!throws([] { nn::CausalMultiheadAttn(nn::CausalMultiheadAttnOptions(32, 4).num_kv_heads(3)); },
              "not divisible by num_kv_heads"))
    return "GQA with 4 heads and 3 kv heads was accepted";
  if (!throws([] { nn::FeedforwardLayer(nn::FeedforwardLayerOptions(32, 64).activation("relu6")); },
              "unknown activation 'relu6'"))
    return "an unknown activation was accepted";
  return "";
}

/// The largest |a - b| / max(1, |b|) over two tensors of the same shape.
double relative_error(const torch::Tensor &a, const torch::Tensor &b) {
  torch::Tensor wide_b = b.to(torch::kDouble);
  return ((a.to(torch::kDouble) - wide_b).abs() / wide_b.abs().clamp_min(1.0)).max().item<double>();
}

/// A loss of logits and labels, as CausalLoss and ChunkedCausalLoss compute.
using LossFn = std::function<torch::Tensor(const torch::Tensor &, const torch::Tensor &)>;

/// The loss of `loss_fn` on `logits` and `labels`, and its gradient.
std::pair<torch::Tensor, torch::Tensor> loss_and_grad(const LossFn &loss_fn, const torch::Tensor &logits,
                                                      const torch::Tensor &labels) {
  torch::Tensor x = logits.detach().clone().requires_grad_(true);
  torch::Tensor loss = loss_fn(x, labels);
  loss.backward();
  return {loss.detach(), x.grad()};
}

/// ChunkedCausalLoss equals CausalLoss within 1e-6 * max(1, |CausalLoss|),
/// value and gradient, on random logits with a quarter of the labels
/// ignored, for chunk sizes that divide the vocabulary, leave a remainder,
/// or exceed it; with every label ignored both give NaN and zero gradients.
std::string chunked_loss_equals_causal_loss() {
  torch::manual_seed(11);
  const int64_t vocab = 1000;
  torch::Tensor logits = torch::randn({3, 17, vocab}) * 4;
  torch::Tensor labels = torch::randint(0, vocab, {3, 17}, torch::kLong);
  labels.masked_fill_(torch::rand({3, 17}) < 0.25, -100);
  nn::CausalLoss plain;
  // float32 logits, and bfloat16 ones (which both losses compute in float32).
  for (const torch::Tensor &x : {logits, logits.to(torch::kBFloat16)}) {
    auto [expected, expected_grad] = loss_and_grad(plain, x, labels);
    for (int64_t chunk : {1, 100, 333, 4096}) {
      auto [loss, grad] =
          loss_and_grad(nn::ChunkedCausalLoss(nn::ChunkedCausalLossOptions().chunk_size(chunk)), x, labels);
      const double error = std::max(relative_error(loss, expected), relative_error(grad, expected_grad));
      if (!(error <= 1e-6) || grad.scalar_type() != x.scalar_type())
        return std::string(c10::toString(x.scalar_type())) + " chunk_size " + std::to_string(chunk) + ": error " +
               std::to_string(error);
    }
  }
  try {
    nn::ChunkedCausalLoss(nn::ChunkedCausalLossOptions().chunk_size(0));
    return "chunk_size 0 was accepted";
  } catch (const std::runtime_error &e) {
    if (std::string(e.what()).find("chunk_size must be positive") == std::string::npos)
      return std::string("unexpected message: ") + e.what();
  }
  torch::Tensor ignored = torch::full({3, 17}, -100, torch::kLong);
  auto [nan_loss, zero_grad] =
      loss_and_grad(nn::ChunkedCausalLoss(nn::ChunkedCausalLossOptions().chunk_size(64)), logits, ignored);
  if (!std::isnan(nan_loss.item<double>()) || zero_grad.abs().max().item<double>() != 0.0)
    return "every label ignored: expected NaN and zero gradients";
  return "";
}

/// Runs `f`, which must throw std::runtime_error with `needle` in its
/// message; returns "" or what went wrong.
std::string expect_runtime_error(const std::function<void()> &f, const std::string &needle) {
  try {
    f();
  } catch (const std::runtime_error &e) {
    return std::string(e.what()).find(needle) != std::string::npos ? "" : std::string("message: ") + e.what();
  }
  return "no error for '" + needle + "'";
}

/// Bad values of the options configs set (an init scheme's name, explicit
/// layer factories) throw std::runtime_error naming the option.
std::string option_errors_throw() {
  json config = preset_config("llama");
  config["init_weights"] = "xavier";
  std::string why = expect_runtime_error([&] { build_causal_lm(config); },
                                         "CausalLM: unknown init_weights 'xavier' (expected one of 'default'");
  auto layer = [] { return build_layer(preset_config("llama").at("layer")); };
  nn::LayerStackOptions both({layer, layer});
  both.layer_factory(layer);
  nn::LayerStackOptions miscounted({layer, layer});
  miscounted.num_hidden_layers(3);
  nn::LayerStackOptions hole({layer, nullptr});
  for (const auto &[options, needle] : std::vector<std::pair<nn::LayerStackOptions, std::string>>{
           {both, "give layer_factory or layer_factories, not both"},
           {miscounted, "num_hidden_layers is 3 but layer_factories has 2 entries"},
           {hole, "layer_factories[1] is empty"}})
    if (why.empty())
      why = expect_runtime_error([options = options] { nn::LayerStack stack(options); }, needle);
  return why;
}

/// An explicit stack keeps the keys "0" .. "N-1" with each layer of its own
/// type, and a NullPE changes neither the state dict nor the encoding.
std::string explicit_stack_and_null_pe() {
  torch::manual_seed(5);
  nn::CausalLM model = build_causal_lm(preset_config("heterogeneous"));
  const std::vector<std::string> types = {"PreLNLayer", "DeepnetLayer", "PostLNLayer"};
  for (size_t i = 0; i < types.size(); ++i) {
    const std::string key = "layer_stack.layers." + std::to_string(i);
    if (!model->named_modules().contains(key))
      return "no module " + key;
    if (model->layer_stack->layer(i).ptr()->name().find(types[i]) == std::string::npos)
      return key + " is " + model->layer_stack->layer(i).ptr()->name() + ", not " + types[i];
  }
  json with_null = preset_config("llama"), without = preset_config("llama");
  with_null["input_encoder"]["positional_encoder"] = {{"type", "NullPE"}};
  torch::manual_seed(6);
  nn::CausalLM a = build_causal_lm(with_null);
  torch::manual_seed(6);
  nn::CausalLM b = build_causal_lm(without);
  if (a->named_parameters().keys() != b->named_parameters().keys() ||
      a->named_buffers().keys() != b->named_buffers().keys())
    return "a NullPE changed the state dict";
  torch::Tensor ids = token_ids(2, 12, 61);
  return torch::equal(a(ids), b(ids)) ? "" : "a NullPE changed the logits";
}

} // namespace

int run_selftests() {
  std::vector<std::pair<std::string, Check>> checks = {
      {"dropout_is_active", dropout_is_active},
      {"checkpoint_exact_llama_stride1", [] { return checkpoint_is_exact("llama", 1); }},
      {"checkpoint_exact_llama_stride2", [] { return checkpoint_is_exact("llama", 2); }},
      {"checkpoint_exact_causal_lm_stride1", [] { return checkpoint_is_exact("causal_lm", 1); }},
      {"checkpoint_exact_qwen3_stride1", [] { return checkpoint_is_exact("qwen3", 1); }},
      {"checkpoint_exact_deepone_stride3", [] { return checkpoint_is_exact("deepone", 3); }},
      {"checkpoint_exact_heterogeneous_stride1", [] { return checkpoint_is_exact("heterogeneous", 1); }},
      {"checkpoint_exact_heterogeneous_stride2", [] { return checkpoint_is_exact("heterogeneous", 2); }},
      {"checkpoint_only_when_training", checkpoint_only_when_training},
      {"clone_is_deep", [] { return clone_is_deep("causal_lm"); }},
      {"clone_is_deep_heterogeneous", [] { return clone_is_deep("heterogeneous"); }},
      {"padded_rows_are_finite", padded_rows_are_finite},
      {"tied_head_shares_embedding", tied_head_shares_embedding},
      {"rms_norm_bf16", rms_norm_bf16},
      {"trunc_normal_moments", trunc_normal_moments},
      {"any_module_default_args", any_module_default_args},
      {"bad_options_throw", bad_options_throw},
      {"chunked_loss_equals_causal_loss", chunked_loss_equals_causal_loss},
      {"option_errors_throw", option_errors_throw},
      {"explicit_stack_and_null_pe", explicit_stack_and_null_pe},
  };
  int failures = 0;
  for (const auto &[name, check] : checks) {
    std::string why;
    try {
      why = check();
    } catch (const std::exception &e) {
      why = std::string("exception: ") + e.what();
    }
    if (why.empty()) {
      std::cout << "PASS " << name << "\n";
    } else {
      std::cout << "FAIL " << name << ": " << why << "\n";
      ++failures;
    }
  }
  std::cout << "selftest: " << checks.size() - failures << " passed, " << failures << " failed\n";
  return failures;
}

} // namespace fgcc::models_test
