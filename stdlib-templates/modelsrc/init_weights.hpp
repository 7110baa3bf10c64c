//===- init_weights.hpp - Weight initialisation schemes --------*- C++ -*-===//
//
// The reference initialises models in one of three ways, all here:
//
//   simple_weight_init   by module type (arXiv 2407.17465): Linear weights
//                        U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with zero bias,
//                        Embedding rows N(0, 1/sqrt(d)) with the padding row
//                        zeroed; norms keep their ones.
//   llama_weight_init    by parameter name (torchtitan style, regex map)
//   deepnet_weight_init  by parameter name (DeepNet's beta-scaled Xavier)
//
// A regex map is an ordered list: each parameter, in named_parameters()
// order, is initialised by the first rule whose pattern occurs in its name
// (std::regex_search, like Python's re.search); no match leaves it as it is.
// Because the initialisers draw from the default generator in that order,
// the same seed and the same parameter order give the same weights as
// PyTorch's own init functions.
//
// LibTorch 1.13 has no trunc_normal_; init::trunc_normal_ below is the
// inverse-CDF method (exact truncation, one uniform draw per element).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

namespace fgcc::nn {

namespace init {

/// Fills `tensor` with N(mean, std^2) truncated to [a, b] (absolute bounds,
/// not multiples of std) and returns it. Draws a uniform number per element
/// in the CDF range of [a, b] and maps it back through the inverse normal
/// CDF, so no draw is rejected; bounds further than a few std from the mean
/// lose nothing but time.
torch::Tensor trunc_normal_(torch::Tensor tensor, double mean = 0.0, double std = 1.0, double a = -2.0,
                            double b = 2.0);

} // namespace init

/// Initialises one parameter in place; it runs without autograd.
using ParamInit = std::function<void(torch::Tensor &)>;

/// One entry of a regex init map. A null `init` claims the matching
/// parameters and leaves them as they are (e.g. norms).
struct RegexInitRule {
  std::string pattern;
  ParamInit init;
};

/// Walks module.named_parameters() in order; the first rule whose pattern
/// is found in a name initialises that parameter. Returns the names of the
/// parameters that a rule with an init function changed, in order.
std::vector<std::string> init_weights_by_regex(torch::nn::Module &module, const std::vector<RegexInitRule> &rules);

/// Linear weights U(-1/sqrt(fan_in), 1/sqrt(fan_in)), Linear biases 0,
/// Embedding weights N(0, 1/sqrt(embedding_dim)) with the padding row 0,
/// visiting module.modules() in order. Everything else is left alone.
void simple_weight_init(torch::nn::Module &module);

/// The torchtitan-style map of the llama presets:
///
///   norm                              left as is (ones)
///   bias                              0
///   embedding.weight                  N(0, 1)
///   up_proj, query/key/value_linear   trunc. normal, std 0.02, cut at +-2
///   gate_proj, down_proj, output_linear  std 0.02 / sqrt(2 num_layers), cut at +-2
///   lm_head.weight                    std d_model^-0.5, cut at +-3 std
///
/// In the reference the map is applied to the model without its head, so
/// the head keeps PyTorch's default Linear init there; pass the whole
/// CausalLM here to apply the lm_head rule, or a model without head to
/// match the reference.
std::vector<RegexInitRule> llama_init_rules(int64_t num_layers, int64_t d_model);
void llama_weight_init(torch::nn::Module &module, int64_t num_layers, int64_t d_model);

/// The DeepNet map of the deepone preset (beta from deepnet_beta()):
///
///   norm, alibi_slopes                left as is
///   bias                              0
///   embedding.weight                  N(0, 1/sqrt(d_model)), padding row 0
///   feedforward.*, value_linear, output_linear weights  xavier_uniform(gain = beta)
///   query_linear, key_linear weights  xavier_uniform(gain = 1)
std::vector<RegexInitRule> deepnet_init_rules(double beta, int64_t d_model,
                                              c10::optional<int64_t> padding_idx = c10::nullopt);
void deepnet_weight_init(torch::nn::Module &module, double beta, int64_t d_model,
                         c10::optional<int64_t> padding_idx = c10::nullopt);

/// HF's llama init: every Linear and Embedding weight N(0, std^2), Linear
/// biases 0, padding rows 0.
void hf_llama_weight_init(torch::nn::Module &module, double std = 0.02);

} // namespace fgcc::nn
