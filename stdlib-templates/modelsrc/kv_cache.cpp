//===- kv_cache.cpp - Key/value cache for incremental decoding ------------===//
#include "kv_cache.hpp"

namespace fgcc::nn {

std::tuple<torch::Tensor, torch::Tensor> KVCache::update(int64_t layer, const torch::Tensor &keys,
                                                         const torch::Tensor &values) {
  TORCH_CHECK(layer >= 0, "KVCache: negative layer index ", layer);
  TORCH_CHECK(keys.dim() == 4 && values.dim() == 4, "KVCache: keys and values must be [B, Hkv, T, D], got ",
              keys.sizes(), " and ", values.sizes());
  if (layer >= num_layers()) {
    keys_.resize(layer + 1);
    values_.resize(layer + 1);
  }
  torch::Tensor &k = keys_[layer], &v = values_[layer];
  if (!k.defined()) {
    // The first step stores the tensors as they are: nothing else holds
    // them, and a copy would only cost time.
    k = keys;
    v = values;
  } else {
    TORCH_CHECK(k.size(0) == keys.size(0) && k.size(1) == keys.size(1) && k.size(3) == keys.size(3),
                "KVCache: layer ", layer, " holds [B, Hkv, T, D] = ", k.sizes(), ", cannot append ", keys.sizes());
    // A fresh tensor per step, as HF's DynamicCache does; the entries are
    // small next to the weights at the lengths this library generates.
    k = torch::cat({k, keys}, 2);
    v = torch::cat({v, values}, 2);
  }
  return {k, v};
}

int64_t KVCache::length(int64_t layer) const {
  if (layer < 0 || layer >= num_layers() || !keys_[layer].defined())
    return 0;
  return keys_[layer].size(2);
}

const torch::Tensor &KVCache::keys(int64_t layer) const {
  TORCH_CHECK(layer >= 0 && layer < num_layers(), "KVCache: no layer ", layer);
  return keys_[layer];
}

const torch::Tensor &KVCache::values(int64_t layer) const {
  TORCH_CHECK(layer >= 0 && layer < num_layers(), "KVCache: no layer ", layer);
  return values_[layer];
}

void KVCache::clear() {
  keys_.clear();
  values_.clear();
}

void KVCache::crop(int64_t length) {
  TORCH_CHECK(length >= 0, "KVCache: cannot crop to a negative length");
  for (size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i].defined() && keys_[i].size(2) > length) {
      keys_[i] = keys_[i].slice(2, 0, length);
      values_[i] = values_[i].slice(2, 0, length);
    }
}

void KVCache::select_rows(const torch::Tensor &rows) {
  for (size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i].defined()) {
      torch::Tensor index = rows.to(keys_[i].device(), torch::kLong);
      keys_[i] = keys_[i].index_select(0, index);
      values_[i] = values_[i].index_select(0, index);
    }
}

namespace detail {

torch::Tensor forward_cached(torch::nn::AnyModule &block, const char *owner, const torch::Tensor &x,
                             const torch::Tensor &attn_mask, const torch::Tensor &position_ids, KVCache &cache,
                             int64_t layer) {
  // AnyModule erases the type; the interface is found on the module itself
  // (a cross-cast from torch::nn::Module to CachedForward).
  auto *cached = dynamic_cast<CachedForward *>(block.ptr().get());
  TORCH_CHECK(cached, owner, ": ", block.ptr()->name(), " does not support a KV cache");
  return cached->forward_cached(x, attn_mask, position_ids, cache, layer);
}

} // namespace detail

} // namespace fgcc::nn
