//===- transformer_layer_base.hpp - What the layer modules share -*- C++ -*-===//
//
// PreLNLayer, PostLNLayer and DeepnetLayer differ only in how forward()
// combines the residual stream with the blocks; their options name the same
// factories and dropouts, and they build, register and hold the same six
// submodules. That common part lives here once, as a base in LibTorch's own
// style for module families (ConvNdImpl, NormImplBase): a template over the
// concrete Impl, for Cloneable, and over its options.
//
// The options structs stay separate, each with its own TORCH_ARGs: a
// TORCH_ARG setter returns its own struct, so setters inherited from a
// shared options base would return the base and break chained calls such
// as `PreLNLayerOptions(f, a, n).dropout(0.0)` passed to PreLNLayer.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "module_utils.hpp"

#include <torch/torch.h>

namespace fgcc::nn::detail {

/// The state and set-up of a transformer layer whose options `Options` have
/// feedforward_factory, attention_factory, norm_factory, dropout and
/// residual_dropout. `Derived` adds its constructor and forward().
template <typename Derived, typename Options>
class TransformerLayerImplBase : public torch::nn::Cloneable<Derived> {
public:
  /// Builds and registers the blocks (see the member list for the order).
  void reset() override {
    // Registration order fixes the order of parameters(), which the weight
    // initialisers walk while drawing random numbers: keep the reference's
    // (its _Layer). The deepnet init map finds the feedforward weights by
    // the "feedforward." prefix.
    feedforward = build_block(*this, "feedforward", options.feedforward_factory(), layer_name_);
    attention = build_block(*this, "attention", options.attention_factory(), layer_name_);
    norm1 = build_block(*this, "norm1", options.norm_factory(), layer_name_);
    norm2 = build_block(*this, "norm2", options.norm_factory(), layer_name_);
    dropout = this->register_module("dropout", torch::nn::Dropout(options.dropout()));
    residual_dropout = this->register_module("residual_dropout", torch::nn::Dropout(options.residual_dropout()));
  }

  Options options;
  /// The feedforward block, forward(x).
  torch::nn::AnyModule feedforward;
  /// The attention block, forward(x, attn_mask, position_ids).
  torch::nn::AnyModule attention;
  /// The norm of the attention step and that of the feedforward step.
  torch::nn::AnyModule norm1;
  torch::nn::AnyModule norm2;
  /// Dropout on each block's output (D in the layer formulas).
  torch::nn::Dropout dropout{nullptr};
  /// Dropout on the residual stream before each block (RD).
  torch::nn::Dropout residual_dropout{nullptr};

protected:
  /// `layer_name` ("PreLNLayer" ...) names the layer in the errors about a
  /// missing or empty block. Derived constructors call reset(), as every
  /// module of the library does, once the object is complete.
  TransformerLayerImplBase(const Options &options_, const char *layer_name)
      : options(options_), layer_name_(layer_name) {}

  // Lets an AnyModule holding the layer (LayerStack does) be called with
  // `x` alone; every layer's forward is (x, attn_mask = {}, position_ids = {}).
  FORWARD_HAS_DEFAULT_ARGS({1, torch::nn::AnyValue(torch::Tensor())}, {2, torch::nn::AnyValue(torch::Tensor())})

private:
  const char *layer_name_;
};

} // namespace fgcc::nn::detail
