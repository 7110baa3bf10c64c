//===- causal_multihead_attn.cpp - Causal multi-head attention ------------===//
#include "causal_multihead_attn.hpp"

#include "causal_mask.hpp"

namespace fgcc::nn {

CausalMultiheadAttnOptions::CausalMultiheadAttnOptions(int64_t d_model, int64_t num_heads)
    : d_model_(d_model), num_heads_(num_heads) {}

CausalMultiheadAttnImpl::CausalMultiheadAttnImpl(const CausalMultiheadAttnOptions &options_)
    : MultiheadAttnImplBase(options_, "CausalMultiheadAttn") {
  reset();
}

void CausalMultiheadAttnImpl::reset() {
  reset_projections();
  q_norm = k_norm = torch::nn::AnyModule();
  if (options.qk_norm_factory()) {
    q_norm = options.qk_norm_factory()(d_head_);
    k_norm = options.qk_norm_factory()(d_head_);
    register_module("q_norm", q_norm.ptr());
    register_module("k_norm", k_norm.ptr());
  }
  // options.pos_encoder() is deliberately not registered: it is shared by
  // all layers and holds no state to save or train.
}

void CausalMultiheadAttnImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::CausalMultiheadAttn(d_model=" << options.d_model() << ", num_heads=" << options.num_heads()
         << ", num_kv_heads=" << kv_heads_ << ", bias=" << (options.bias() ? "true" : "false")
         << ", dropout=" << options.dropout() << ", rope=" << (options.pos_encoder() ? "true" : "false") << ")";
}

torch::Tensor CausalMultiheadAttnImpl::forward(const torch::Tensor &x, const torch::Tensor &attn_mask,
                                               const torch::Tensor &position_ids) {
  auto [q, k, v] = project_heads(x);
  if (!q_norm.is_empty()) {
    q = q_norm.forward(q);
    k = k_norm.forward(k);
  }
  if (!options.pos_encoder().is_empty())
    std::tie(q, k) = options.pos_encoder()->forward(q, k, position_ids);

  torch::Tensor mask = attn_mask.defined()
                           ? attn_mask
                           : causal_mask(x.size(0), x.size(1), {}, {}, {}, x.options().dtype(x.scalar_type()));
  return attend(q, k, v, mask);
}

torch::Tensor CausalMultiheadAttnImpl::forward_cached(const torch::Tensor &x, const torch::Tensor &attn_mask,
                                                      const torch::Tensor &position_ids, KVCache &cache,
                                                      int64_t layer) {
  auto [q, k, v] = project_heads(x);
  const int64_t batch = x.size(0), seq_len = x.size(1), past = cache.length(layer);
  if (!q_norm.is_empty()) {
    q = q_norm.forward(q);
    k = k_norm.forward(k);
  }
  if (!options.pos_encoder().is_empty()) {
    // The new tokens continue the cached ones: without explicit positions
    // their rows of the RoPE tables start at the cache length, not at 0.
    torch::Tensor positions =
        position_ids.defined()
            ? position_ids
            : torch::arange(past, past + seq_len, x.options().dtype(torch::kLong)).expand({batch, seq_len});
    std::tie(q, k) = options.pos_encoder()->forward(q, k, positions);
  }
  auto [keys, values] = cache.update(layer, k.transpose(1, 2), v.transpose(1, 2));
  torch::Tensor mask = attn_mask.defined()
                           ? attn_mask
                           : cached_causal_mask(batch, seq_len, past, {}, {}, x.options().dtype(x.scalar_type()));
  return attend_heads_first(q, keys, values, mask);
}

} // namespace fgcc::nn
