//===- layer_stack.hpp - The stack of transformer layers -------*- C++ -*-===//
//
// num_hidden_layers layers built by one factory, kept in a ModuleDict under
// the keys "0" .. "N-1" so that parameter names are `layers.<i>.<...>` as in
// the reference (whose pipeline splitter deletes layers by key), followed by
// an optional final norm `layer_norm` for pre-LN models.
//
// A heterogeneous stack (the reference's ExplicitLayerStack) is built from
// an explicit list of factories instead, one per layer, in order: layer i
// comes from layer_factories[i] and may differ from the others in type and
// size (as long as each maps [B, T, d_model] to itself). Keys, checkpointing
// and the KV cache work the same for both.
//
// With enable_activation_checkpoint, every layer whose index is a multiple
// of checkpoint_stride runs under activation checkpointing while training:
// its activations are recomputed in backward, with the random state
// replayed, so gradients do not change (see activation_checkpoint.hpp).
//
// A pipeline stage holds a range of the layers: with first_layer and
// end_layer the stack builds only layers [first_layer, end_layer), under
// their global keys, so their parameter names are those of the whole
// model. With init_seed every layer (and the final norm) is built after
// seed_piece(init_seed, "layers.<i>" / "layer_norm"), so a range builds the
// same weights as the whole stack.
//
// forward_cached() runs the layers with a KVCache, layer i on the cache's
// entry i, for incremental decoding. It never checkpoints: recomputing a
// layer in backward would append its keys and values a second time.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "kv_cache.hpp"

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace fgcc::nn {

namespace detail {

/// The layers of a LayerStack, registered under the keys "0" .. "N-1" and
/// kept callable. The type-erased handles must live in the module that
/// registers the layers: clone() replaces a module's children by copy
/// assignment, which then carries the matching handles along (handles held
/// by a parent of a torch::nn::ModuleDict would be left pointing at the
/// pre-clone layers).
class LayerDictImpl : public torch::nn::Cloneable<LayerDictImpl> {
public:
  /// Layer first_key + i will be built by factories[i], after
  /// seed_piece(*init_seed, "layers.<key>") when init_seed is set.
  explicit LayerDictImpl(std::vector<std::function<torch::nn::AnyModule()>> factories, int64_t first_key = 0,
                         c10::optional<int64_t> init_seed = c10::nullopt);

  /// Builds the layers by calling each factory once, in order.
  void reset() override;

  /// The number of layers.
  size_t size() const { return layers_.size(); }
  /// Layer `i`, type-erased.
  torch::nn::AnyModule &at(size_t i) { return layers_.at(i); }

private:
  std::vector<std::function<torch::nn::AnyModule()>> factories_;
  int64_t first_key_;
  c10::optional<int64_t> init_seed_;
  std::vector<torch::nn::AnyModule> layers_;
};

TORCH_MODULE(LayerDict);

} // namespace detail

/// Options for `LayerStack`.
struct LayerStackOptions {
  /// `num_hidden_layers` layers, each built by `layer_factory`.
  LayerStackOptions(std::function<torch::nn::AnyModule()> layer_factory, int64_t num_hidden_layers);
  /// One layer per factory, in order (a heterogeneous stack): sets
  /// layer_factories and num_hidden_layers = its size.
  explicit LayerStackOptions(std::vector<std::function<torch::nn::AnyModule()>> layer_factories);

  /// Builds one layer: a module with forward(x, attn_mask, position_ids),
  /// such as PreLNLayer. Called once per layer. Unset when layer_factories
  /// is given.
  TORCH_ARG(std::function<torch::nn::AnyModule()>, layer_factory);
  /// Number of layers; with layer_factories, its size.
  TORCH_ARG(int64_t, num_hidden_layers);
  /// Explicit per-layer factories (the reference's ExplicitLayerStack
  /// factory_list): layer i is built by entry i, so layers may differ in
  /// type and size. Empty for a stack of one layer_factory.
  TORCH_ARG(std::vector<std::function<torch::nn::AnyModule()>>, layer_factories) = {};
  /// Builds the norm applied after the last layer (pre-LN models); unset
  /// for none.
  TORCH_ARG(std::function<torch::nn::AnyModule()>, post_norm_factory) = nullptr;
  /// Recompute the activations of checkpointed layers in backward instead
  /// of keeping them (HF's gradient_checkpointing).
  TORCH_ARG(bool, enable_activation_checkpoint) = false;
  /// Checkpoint the layers whose index is a multiple of this.
  TORCH_ARG(int64_t, checkpoint_stride) = 1;
  /// Build only layers [first_layer, end_layer) (a pipeline stage's share),
  /// keyed by their index in the whole stack; end_layer -1: to the end.
  TORCH_ARG(int64_t, first_layer) = 0;
  TORCH_ARG(int64_t, end_layer) = -1;
  /// Seed each layer and the final norm by name (seed_piece) before
  /// building it; unset: they draw from the generator in turn.
  TORCH_ARG(c10::optional<int64_t>, init_seed) = c10::nullopt;
};

/// A stack of transformer layers (identical, or one per explicit factory)
/// and an optional final norm.
class LayerStackImpl : public torch::nn::Cloneable<LayerStackImpl> {
public:
  /// Throws std::runtime_error when the options give no way to build the
  /// layers, or two conflicting ones.
  explicit LayerStackImpl(const LayerStackOptions &options_);

  void reset() override;
  void pretty_print(std::ostream &stream) const override;

  /// `x` [B, T, d_model] -> [B, T, d_model]; `attn_mask` and
  /// `position_ids` are handed to every layer.
  torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &attn_mask = {},
                        const torch::Tensor &position_ids = {});

  /// forward() for the tokens after those in `cache`: layer i reads and
  /// extends the cache's entry i (see detail::CachedForward for the
  /// arguments). Every layer must support a KV cache.
  torch::Tensor forward_cached(const torch::Tensor &x, const torch::Tensor &attn_mask,
                               const torch::Tensor &position_ids, KVCache &cache);

  /// Turns activation checkpointing on or off after construction.
  void set_activation_checkpointing(bool enabled) { options.enable_activation_checkpoint(enabled); }

  /// The number of layers this stack holds.
  size_t size() const { return layers->size(); }
  /// The i-th layer this stack holds (key first_layer + i), type-erased.
  torch::nn::AnyModule &layer(size_t i) { return layers->at(i); }

  LayerStackOptions options;
  /// The layers by key "0" .. "N-1" (or their range).
  detail::LayerDict layers{nullptr};
  /// The final norm; empty without a post_norm_factory.
  torch::nn::AnyModule layer_norm;

protected:
  FORWARD_HAS_DEFAULT_ARGS({1, torch::nn::AnyValue(torch::Tensor())}, {2, torch::nn::AnyValue(torch::Tensor())})

private:
  /// Whether layer `index` runs checkpointed in this call.
  bool checkpointed(size_t index) const;
  /// The factory of every layer of the whole stack, in order, from the
  /// options (checked).
  std::vector<std::function<torch::nn::AnyModule()>> layer_factories() const;
  /// [first, end) of the layers this stack holds (checked against `count`).
  std::pair<int64_t, int64_t> layer_range(int64_t count) const;
};

TORCH_MODULE(LayerStack);

} // namespace fgcc::nn
