//===- kv_cache.hpp - Key/value cache for incremental decoding -*- C++ -*-===//
//
// Generating text one token at a time with a causal model recomputes, at
// every step, the keys and values of all earlier tokens, although they
// cannot change: a token only attends to what came before it. A KV cache
// keeps them instead. Per layer it holds
//
//   keys, values   [B, Hkv, T_past, D]    after QK-norm and RoPE, before
//                                         the grouped-query repeat
//
// and each step appends the new tokens' keys and values (HF's DynamicCache).
// Attention then runs the new queries against everything in the cache.
//
// The cache travels beside the ordinary forward(x, attn_mask, position_ids)
// of the layers and attentions, which stays as it is: LayerStack holds its
// layers, and the layers their attention blocks, as type-erased
// torch::nn::AnyModule, whose forward has a fixed argument list. The cached
// path asks the held module for the `detail::CachedForward` interface
// instead (a dynamic_cast); blocks that do not implement it, such as ALiBi
// and single-head attention (whose reference has no cache either), make it
// fail with "... does not support a KV cache".
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <string>
#include <tuple>
#include <vector>

namespace fgcc::nn {

/// The keys and values of the tokens a model has already seen, one entry
/// per layer, grown by each decoding step.
class KVCache {
public:
  /// An empty cache; layers are added by their first update().
  KVCache() = default;

  /// Appends `keys` and `values` [B, Hkv, T_new, D] to the entries of
  /// `layer` and returns the entries afterwards, [B, Hkv, T_past + T_new, D].
  std::tuple<torch::Tensor, torch::Tensor> update(int64_t layer, const torch::Tensor &keys,
                                                  const torch::Tensor &values);

  /// The number of cached tokens of `layer` (0 for a layer not seen yet).
  int64_t length(int64_t layer = 0) const;
  /// The number of layers with entries.
  int64_t num_layers() const { return static_cast<int64_t>(keys_.size()); }
  /// The cached keys and values of `layer`, [B, Hkv, T_past, D].
  const torch::Tensor &keys(int64_t layer) const;
  const torch::Tensor &values(int64_t layer) const;

  /// Drops every entry, for a new prompt.
  void clear();
  /// Keeps only the first `length` tokens of every layer (to undo steps,
  /// e.g. after rejected speculative tokens).
  void crop(int64_t length);
  /// Keeps only the batch rows `rows` (an index tensor) of every layer, as
  /// when finished sequences leave the batch.
  void select_rows(const torch::Tensor &rows);

private:
  std::vector<torch::Tensor> keys_;
  std::vector<torch::Tensor> values_;
};

namespace detail {

/// A block that can run with a KV cache: attention that reads and extends
/// it, or a layer that hands it to its attention. CausalMultiheadAttn and
/// the transformer layers implement it.
///
/// It lives in `detail` because it is no component a config can build: the
/// manifest scanner lists every public class of fgcc::nn as one.
class CachedForward {
public:
  virtual ~CachedForward() = default;

  /// Like forward(x, attn_mask, position_ids) for `x` [B, T, d_model], the
  /// T tokens that follow the `cache.length(layer)` tokens already in the
  /// cache of `layer`, whose keys and values are appended to it.
  /// `attn_mask` is an additive mask [B or 1, 1, T, T_past + T] (see
  /// cached_causal_mask); undefined means plainly causal. `position_ids`
  /// [B, T] holds absolute positions; undefined means T_past .. T_past+T-1.
  virtual torch::Tensor forward_cached(const torch::Tensor &x, const torch::Tensor &attn_mask,
                                       const torch::Tensor &position_ids, KVCache &cache, int64_t layer) = 0;
};

/// The cached forward of the module `block` holds, or an error that names
/// `owner` and the block's type when the block has none.
torch::Tensor forward_cached(torch::nn::AnyModule &block, const char *owner, const torch::Tensor &x,
                             const torch::Tensor &attn_mask, const torch::Tensor &position_ids, KVCache &cache,
                             int64_t layer);

} // namespace detail

} // namespace fgcc::nn
