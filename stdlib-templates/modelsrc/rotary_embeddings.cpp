//===- rotary_embeddings.cpp - Rotary position embeddings -----------------===//
#include "rotary_embeddings.hpp"

#include <cmath>

namespace fgcc::nn {

torch::Tensor rope_inverse_frequencies(int64_t d_head, double theta) {
  // Exponents are formed from int64 steps converted to float, so the values
  // are bit-for-bit those of the HF/PyTorch reference formula.
  torch::Tensor exponents = torch::arange(0, d_head, 2, torch::kLong).to(torch::kFloat) / static_cast<double>(d_head);
  return 1.0 / torch::pow(theta, exponents);
}

torch::Tensor rope_llama3_scaling(const torch::Tensor &inv_freq, const RopeScaling &scaling) {
  if (scaling.rope_type() == "default")
    return inv_freq;
  TORCH_CHECK(scaling.rope_type() == "llama3", "RotaryPE: unsupported rope_type '", scaling.rope_type(),
              "' (expected \"llama3\" or \"default\")");
  TORCH_CHECK(scaling.high_freq_factor() != scaling.low_freq_factor(),
              "RotaryPE: llama3 scaling needs high_freq_factor != low_freq_factor");
  const double context = static_cast<double>(scaling.original_max_position_embeddings());
  const double low_wavelen = context / scaling.low_freq_factor();
  const double high_wavelen = context / scaling.high_freq_factor();
  torch::Tensor wavelen = 2 * M_PI / inv_freq;

  // Long wavelengths (low frequencies) are slowed down by `factor`.
  torch::Tensor scaled = torch::where(wavelen > low_wavelen, inv_freq / scaling.factor(), inv_freq);
  // The band between the two thresholds blends the scaled and the original
  // frequency linearly in context / wavelength.
  torch::Tensor smooth = (context / wavelen - scaling.low_freq_factor()) /
                         (scaling.high_freq_factor() - scaling.low_freq_factor());
  torch::Tensor blended = (1 - smooth) * scaled / scaling.factor() + smooth * scaled;
  torch::Tensor medium = (wavelen >= high_wavelen).logical_and(wavelen <= low_wavelen);
  return torch::where(medium, blended, scaled);
}

torch::Tensor rotate_half(const torch::Tensor &x) {
  std::vector<torch::Tensor> halves = x.chunk(2, -1);
  return torch::cat({-halves[1], halves[0]}, -1);
}

RotaryPEOptions::RotaryPEOptions(int64_t hidden_size, int64_t num_attention_heads)
    : hidden_size_(hidden_size), num_attention_heads_(num_attention_heads) {}

RotaryPEImpl::RotaryPEImpl(const RotaryPEOptions &options_) : options(options_) { reset(); }

void RotaryPEImpl::reset() {
  const int64_t heads = options.num_attention_heads();
  TORCH_CHECK(heads > 0 && options.hidden_size() % heads == 0, "RotaryPE: hidden_size ", options.hidden_size(),
              " is not divisible by num_attention_heads ", heads);
  const int64_t d_head = options.hidden_size() / heads;
  TORCH_CHECK(d_head % 2 == 0, "RotaryPE: the head width must be even, got ", d_head);
  TORCH_CHECK(options.max_position_embeddings() > 0, "RotaryPE: max_position_embeddings must be positive");

  inv_freq_ = rope_inverse_frequencies(d_head, options.rope_theta());
  if (options.rope_scaling())
    inv_freq_ = rope_llama3_scaling(inv_freq_, *options.rope_scaling());

  // Angles of every (position, pair), with the frequency vector duplicated so
  // that feature i and feature i + d_head/2 share an angle.
  torch::Tensor positions = torch::arange(options.max_position_embeddings(), torch::kLong).to(torch::kFloat);
  torch::Tensor angles = torch::outer(positions, inv_freq_);
  torch::Tensor doubled = torch::cat({angles, angles}, -1);
  cos_ = doubled.cos();
  sin_ = doubled.sin();
}

void RotaryPEImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::RotaryPE(d_head=" << options.hidden_size() / options.num_attention_heads()
         << ", max_position_embeddings=" << options.max_position_embeddings() << ", rope_theta=" << options.rope_theta()
         << (options.rope_scaling() ? ", rope_scaling=" + options.rope_scaling()->rope_type() : std::string()) << ")";
}

std::tuple<torch::Tensor, torch::Tensor> RotaryPEImpl::tables_for(const torch::Tensor &x,
                                                                   const torch::Tensor &position_ids) {
  TORCH_CHECK(x.dim() == 4 && x.size(-1) == cos_.size(-1), "RotaryPE: expected [B, T, H, ", cos_.size(-1),
              "], got ", x.sizes());
  // The tables live where the model runs; moved once, on first use.
  if (cos_.device() != x.device()) {
    cos_ = cos_.to(x.device());
    sin_ = sin_.to(x.device());
  }
  const int64_t seq_len = x.size(1), d_head = x.size(-1);
  torch::Tensor cos, sin;
  if (position_ids.defined()) {
    TORCH_CHECK(position_ids.dim() == 2 && position_ids.size(1) == seq_len,
                "RotaryPE: position_ids must be [B, T] with T = ", seq_len, ", got ", position_ids.sizes());
    torch::Tensor rows = position_ids.reshape({-1}).to(x.device(), torch::kLong);
    cos = cos_.index_select(0, rows).view({position_ids.size(0), seq_len, 1, d_head});
    sin = sin_.index_select(0, rows).view({position_ids.size(0), seq_len, 1, d_head});
  } else {
    TORCH_CHECK(seq_len <= cos_.size(0), "RotaryPE: sequence length ", seq_len, " exceeds max_position_embeddings ",
                cos_.size(0));
    cos = cos_.slice(0, 0, seq_len).view({1, seq_len, 1, d_head});
    sin = sin_.slice(0, 0, seq_len).view({1, seq_len, 1, d_head});
  }
  return {cos.to(x.scalar_type()), sin.to(x.scalar_type())};
}

torch::Tensor RotaryPEImpl::rotate(const torch::Tensor &x, const torch::Tensor &position_ids) {
  auto [cos, sin] = tables_for(x, position_ids);
  return x * cos + rotate_half(x) * sin;
}

std::tuple<torch::Tensor, torch::Tensor> RotaryPEImpl::forward(const torch::Tensor &q, const torch::Tensor &k,
                                                               const torch::Tensor &position_ids) {
  return {rotate(q, position_ids), rotate(k, position_ids)};
}

} // namespace fgcc::nn
