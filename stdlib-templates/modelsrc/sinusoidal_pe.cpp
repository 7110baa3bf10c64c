//===- sinusoidal_pe.cpp - Absolute sinusoidal position encoding ----------===//
#include "sinusoidal_pe.hpp"

#include <cmath>

namespace fgcc::nn {

namespace {

/// The [max_len, d_model] table. The frequencies are exp(-2i ln(10000) / d),
/// the usual numerically friendly spelling of 10000^(-2i/d).
torch::Tensor sinusoidal_table(int64_t max_len, int64_t d_model) {
  torch::Tensor position = torch::arange(max_len, torch::kFloat).unsqueeze(1);
  torch::Tensor div_term =
      torch::exp(torch::arange(0, d_model, 2, torch::kFloat) * (-std::log(10000.0) / static_cast<double>(d_model)));
  torch::Tensor table = torch::zeros({max_len, d_model});
  using torch::indexing::None;
  using torch::indexing::Slice;
  table.index_put_({Slice(), Slice(0, None, 2)}, torch::sin(position * div_term));
  table.index_put_({Slice(), Slice(1, None, 2)}, torch::cos(position * div_term));
  return table;
}

} // namespace

SinusoidalPEOptions::SinusoidalPEOptions(int64_t d_model, int64_t max_sequence_length)
    : d_model_(d_model), max_sequence_length_(max_sequence_length) {}

SinusoidalPEImpl::SinusoidalPEImpl(const SinusoidalPEOptions &options_) : options(options_) { reset(); }

void SinusoidalPEImpl::reset() {
  TORCH_CHECK(options.d_model() > 0 && options.d_model() % 2 == 0, "SinusoidalPE: d_model must be positive and even, got ",
              options.d_model());
  TORCH_CHECK(options.max_sequence_length() > 0, "SinusoidalPE: max_sequence_length must be positive");
  weight = register_buffer("weight", sinusoidal_table(options.max_sequence_length(), options.d_model()));
}

void SinusoidalPEImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::SinusoidalPE(d_model=" << options.d_model()
         << ", max_sequence_length=" << options.max_sequence_length() << ")";
}

torch::Tensor SinusoidalPEImpl::forward(const torch::Tensor &x, const torch::Tensor &position_ids) {
  TORCH_CHECK(x.dim() == 3 && x.size(-1) == options.d_model(), "SinusoidalPE: expected [B, T, ", options.d_model(),
              "], got ", x.sizes());
  const int64_t seq_len = x.size(1);
  if (position_ids.defined())
    return x + weight.index_select(0, position_ids.reshape({-1}).to(torch::kLong))
                   .view({position_ids.size(0), position_ids.size(1), options.d_model()})
                   .to(x.scalar_type());
  TORCH_CHECK(seq_len <= options.max_sequence_length(), "SinusoidalPE: sequence length ", seq_len,
              " exceeds max_sequence_length ", options.max_sequence_length());
  return x + weight.slice(0, 0, seq_len).to(x.scalar_type());
}

} // namespace fgcc::nn
