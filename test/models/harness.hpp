//===- harness.hpp - Numerics harness for the model library ----*- C++ -*-===//
//
// The harness runs every component of stdlib-templates/modelsrc on small,
// preset-like configurations and writes one safetensors file per case:
//
//   param.<name>        parameters, as the module was run
//   buffer.<name>       buffers (tables the reference recomputes and checks)
//   input.<name>        inputs, in call order
//   output.<name>       outputs of forward
//   cotangent.<name>    the fixed random R_i of loss = sum_i sum(output_i * R_i)
//   grad.param.<name>   d loss / d parameter
//   grad.input.<name>   d loss / d input, for floating inputs not named *mask
//
// and a "case" metadata entry (JSON) naming the component, its config, the
// training flag and the seed drawn before forward (so that dropout masks can
// be reproduced). test/reference/check_models.py rebuilds each case with
// the PyTorch reference and compares.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "builders.hpp"

#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace fgcc::models_test {

/// Tensors by name, in order.
using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

/// One case: a component, its config, and how to make its inputs.
struct Case {
  std::string name;
  /// The component (or "CausalLM", "CausalMask", "CausalLoss" pseudo-components).
  std::string component;
  json config;
  /// Run in training mode (dropout active).
  bool train = false;
  /// Seed before construction and inputs; forward runs after seed + 1.
  uint64_t seed = 0;
  /// Makes the inputs (after construction, from the seeded generator).
  std::function<NamedTensors()> inputs;
};

/// A file's worth of tensors and metadata.
struct CaseData {
  std::string name;
  std::map<std::string, torch::Tensor> tensors;
  std::map<std::string, std::string> metadata;
};

/// Runs a case: build, perturb parameters, forward, backward, record.
CaseData run_case(const Case &c);

/// The forward/backward cases of components and of whole models.
std::vector<Case> component_cases();
std::vector<Case> model_cases();
/// The preset configs shared by model cases, init cases and self-tests, by
/// name ("causal_lm", "llama", "mistral", "qwen3", "deepone" ...), with
/// every dropout set to `dropout`.
json preset_config(const std::string &preset, double dropout = 0.0);
/// Init-scheme cases: weights after init with a fixed seed.
std::vector<CaseData> init_cases();

/// Checks that need no reference (activation checkpointing, clone, edge
/// cases). Prints PASS/FAIL lines; returns the number of failures.
int run_selftests();

/// KV cache and generate() checks that need no reference: cached decoding
/// against the full forward, cache against recomputation, seeding, eos.
/// Prints PASS/FAIL lines with the largest error; returns the failures.
int run_kv_cache_checks();
/// Cases for test/reference/check_generation.py: the logits processors on
/// fixed scores, and generate() on preset models (weights, prompt, tokens
/// and per-step logits).
std::vector<CaseData> generation_cases();
/// The configs of the generation cases: a preset_config name, or
/// "llama_gqa" (llama with 2 key/value heads).
json generation_preset(const std::string &name);
/// `config` built from `seed`, every parameter moved off its init as the
/// forward cases do, in eval mode.
nn::CausalLM eval_model(const json &config, uint64_t seed);

//===--- Input makers -------------------------------------------------------===//

/// Standard normal [shape].
torch::Tensor normal(torch::IntArrayRef shape);
/// Uniform token ids in [0, vocab) [batch, seq_len].
torch::Tensor token_ids(int64_t batch, int64_t seq_len, int64_t vocab);
/// Position ids [batch, seq_len] for rows packed with documents of the
/// given lengths (row r uses lengths[r]; each restarts at 0).
torch::Tensor packed_positions(const std::vector<std::vector<int64_t>> &lengths);
/// Padding mask [batch, seq_len]: row r has `pad[r]` zeros on the left.
torch::Tensor left_padding_mask(int64_t seq_len, const std::vector<int64_t> &pad);

} // namespace fgcc::models_test
