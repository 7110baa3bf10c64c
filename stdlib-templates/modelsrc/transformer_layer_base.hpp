//===- transformer_layer_base.hpp - What the layer modules share -*- C++ -*-===//
//
// PreLNLayer, PostLNLayer and DeepnetLayer differ only in how forward()
// combines the residual stream with the blocks; their options name the same
// factories and dropouts, and they build, register and hold the same six
// submodules. That common part lives here once, as a base in LibTorch's own
// style for module families (ConvNdImpl, NormImplBase): a template over the
// concrete Impl, for Cloneable, and over its options.
//
// The layers also share the KV-cache path: forward() and forward_cached()
// both run the derived layer's combine(), which is the layer formula with
// the attention step passed in, either the plain attention call or its
// cached variant (see kv_cache.hpp).
//
// The options structs stay separate, each with its own TORCH_ARGs: a
// TORCH_ARG setter returns its own struct, so setters inherited from a
// shared options base would return the base and break chained calls such
// as `PreLNLayerOptions(f, a, n).dropout(0.0)` passed to PreLNLayer.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "kv_cache.hpp"
#include "module_utils.hpp"

#include <torch/torch.h>

#include <functional>

namespace fgcc::nn::detail {

/// The state and set-up of a transformer layer whose options `Options` have
/// feedforward_factory, attention_factory, norm_factory, dropout and
/// residual_dropout. `Derived` adds its constructor, forward() (which calls
/// forward_plain()) and combine().
template <typename Derived, typename Options>
class TransformerLayerImplBase : public torch::nn::Cloneable<Derived>, public CachedForward {
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

  /// The layer with the attention block reading and extending `cache` at
  /// `layer` (see CachedForward); an attention block without a cached
  /// forward makes it throw "... does not support a KV cache".
  torch::Tensor forward_cached(const torch::Tensor &x, const torch::Tensor &attn_mask,
                               const torch::Tensor &position_ids, KVCache &cache, int64_t layer) override {
    return combine(x, [&](const torch::Tensor &h) {
      return detail::forward_cached(attention, layer_name_, h, attn_mask, position_ids, cache, layer);
    });
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

  /// The attention block applied to a (normed) input, with the mask and the
  /// positions already bound.
  using AttentionStep = std::function<torch::Tensor(const torch::Tensor &)>;
  /// The layer's formula on `x`, with `attention_step` standing for
  /// attention(., attn_mask, position_ids).
  virtual torch::Tensor combine(const torch::Tensor &x, const AttentionStep &attention_step) = 0;

  /// forward() of every layer: combine() with the plain attention call.
  torch::Tensor forward_plain(const torch::Tensor &x, const torch::Tensor &attn_mask,
                              const torch::Tensor &position_ids) {
    return combine(x, [&](const torch::Tensor &h) { return attention.forward(h, attn_mask, position_ids); });
  }

private:
  const char *layer_name_;
};

} // namespace fgcc::nn::detail
