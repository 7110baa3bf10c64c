//===- init_weights.cpp - Weight initialisation schemes -------------------===//
#include "init_weights.hpp"

#include <cmath>
#include <regex>

namespace fgcc::nn {

namespace init {

namespace {

/// The standard normal CDF.
double normal_cdf(double x) { return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); }

} // namespace

torch::Tensor trunc_normal_(torch::Tensor tensor, double mean, double std, double a, double b) {
  TORCH_CHECK(std > 0 && a < b, "trunc_normal_: need std > 0 and a < b, got std=", std, ", a=", a, ", b=", b);
  torch::NoGradGuard no_grad;
  // If U is uniform on [cdf(lo), cdf(hi)], cdf^-1(U) is a standard normal
  // truncated to [lo, hi]. The inverse CDF is sqrt(2) erfinv(2u - 1), so
  // the draw is made directly on [2 cdf(lo) - 1, 2 cdf(hi) - 1].
  const double lo = normal_cdf((a - mean) / std), hi = normal_cdf((b - mean) / std);
  tensor.uniform_(2 * lo - 1, 2 * hi - 1);
  tensor.erfinv_();
  tensor.mul_(std * std::sqrt(2.0)).add_(mean);
  // erfinv of a value rounded to +-1 is +-inf; the clamp keeps the bounds.
  return tensor.clamp_(a, b);
}

} // namespace init

namespace {

/// A ParamInit for a plain normal distribution.
ParamInit normal_init(double mean, double std) {
  return [mean, std](torch::Tensor &p) { torch::nn::init::normal_(p, mean, std); };
}

ParamInit zeros_init() {
  return [](torch::Tensor &p) { torch::nn::init::zeros_(p); };
}

ParamInit trunc_normal_init(double std, double a, double b) {
  return [std, a, b](torch::Tensor &p) { init::trunc_normal_(p, 0.0, std, a, b); };
}

ParamInit xavier_uniform_init(double gain) {
  return [gain](torch::Tensor &p) { torch::nn::init::xavier_uniform_(p, gain); };
}

/// N(0, std^2) with the padding row, if any, zeroed afterwards.
ParamInit embedding_init(double std, c10::optional<int64_t> padding_idx) {
  return [std, padding_idx](torch::Tensor &p) {
    torch::nn::init::normal_(p, 0.0, std);
    if (padding_idx)
      p[*padding_idx].zero_();
  };
}

} // namespace

std::vector<std::string> init_weights_by_regex(torch::nn::Module &module, const std::vector<RegexInitRule> &rules) {
  // Compiled once: std::regex construction costs far more than a search.
  std::vector<std::regex> patterns;
  for (const RegexInitRule &rule : rules)
    patterns.emplace_back(rule.pattern);
  torch::NoGradGuard no_grad;
  std::vector<std::string> initialised;
  for (auto &item : module.named_parameters()) {
    for (size_t r = 0; r < rules.size(); ++r) {
      if (!std::regex_search(item.key(), patterns[r]))
        continue;
      if (rules[r].init) {
        rules[r].init(item.value());
        initialised.push_back(item.key());
      }
      break;
    }
  }
  return initialised;
}

void simple_weight_init(torch::nn::Module &module) {
  torch::NoGradGuard no_grad;
  // modules() is a pre-order walk in registration order, the same order as
  // Python's Module.modules(), so both draw their random numbers alike.
  for (const std::shared_ptr<torch::nn::Module> &m : module.modules()) {
    if (auto *linear = dynamic_cast<torch::nn::LinearImpl *>(m.get())) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(linear->options.in_features()));
      torch::nn::init::uniform_(linear->weight, -bound, bound);
      if (linear->bias.defined())
        torch::nn::init::zeros_(linear->bias);
    } else if (auto *embedding = dynamic_cast<torch::nn::EmbeddingImpl *>(m.get())) {
      const double std = 1.0 / std::sqrt(static_cast<double>(embedding->options.embedding_dim()));
      embedding_init(std, embedding->options.padding_idx())(embedding->weight);
    }
  }
}

// "norm" comes first so that QK-norms and final norms, whose names also
// contain "weight", are never re-initialised by a later rule.
std::vector<RegexInitRule> llama_init_rules(int64_t num_layers, int64_t d_model) {
  const double depth_std = 0.02 / std::sqrt(2.0 * static_cast<double>(num_layers));
  const double head_std = 1.0 / std::sqrt(static_cast<double>(d_model));
  return {
      {"norm", nullptr},
      {"bias", zeros_init()},
      {R"(embedding\.weight)", normal_init(0.0, 1.0)},
      {R"((up_proj|query_linear|key_linear|value_linear)\.weight)", trunc_normal_init(0.02, -2.0, 2.0)},
      {R"((gate_proj|down_proj|output_linear)\.weight)", trunc_normal_init(depth_std, -2.0, 2.0)},
      {R"(lm_head\.weight)", trunc_normal_init(head_std, -3.0 * head_std, 3.0 * head_std)},
  };
}

void llama_weight_init(torch::nn::Module &module, int64_t num_layers, int64_t d_model) {
  init_weights_by_regex(module, llama_init_rules(num_layers, d_model));
}

std::vector<RegexInitRule> deepnet_init_rules(double beta, int64_t d_model, c10::optional<int64_t> padding_idx) {
  return {
      {"norm", nullptr},
      {"alibi_slopes", nullptr},
      {"bias", zeros_init()},
      {R"(embedding\.weight)", embedding_init(1.0 / std::sqrt(static_cast<double>(d_model)), padding_idx)},
      {R"((feedforward\..*|value_linear|output_linear)\.weight)", xavier_uniform_init(beta)},
      {R"((query_linear|key_linear)\.weight)", xavier_uniform_init(1.0)},
  };
}

void deepnet_weight_init(torch::nn::Module &module, double beta, int64_t d_model, c10::optional<int64_t> padding_idx) {
  init_weights_by_regex(module, deepnet_init_rules(beta, d_model, padding_idx));
}

void hf_llama_weight_init(torch::nn::Module &module, double std) {
  torch::NoGradGuard no_grad;
  for (const std::shared_ptr<torch::nn::Module> &m : module.modules()) {
    if (auto *linear = dynamic_cast<torch::nn::LinearImpl *>(m.get())) {
      torch::nn::init::normal_(linear->weight, 0.0, std);
      if (linear->bias.defined())
        torch::nn::init::zeros_(linear->bias);
    } else if (auto *embedding = dynamic_cast<torch::nn::EmbeddingImpl *>(m.get())) {
      embedding_init(std, embedding->options.padding_idx())(embedding->weight);
    }
  }
}

} // namespace fgcc::nn
