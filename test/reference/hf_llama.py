#!/usr/bin/env python3
"""hf_llama.py - Hugging Face's LlamaForCausalLM / MistralForCausalLM /
Qwen3ForCausalLM forward pass, written from its documented semantics.

The transformers package is not installed here, and the point is to check
fgcc's export against HF's model, not against fgcc's own reference, so this
is an independent implementation of HF's modeling code (modeling_llama.py,
modeling_mistral.py, modeling_qwen3.py) in eval mode, eager attention:

    h = embed_tokens[ids]
    per layer:
        x = input_layernorm(h)                       RMSNorm, in float32
        q, k, v = q_proj(x), k_proj(x), v_proj(x)    [B, T, heads, head_dim]
        q, k = q_norm(q), k_norm(k)                  qwen3 only, per head
        q, k = RoPE(q), RoPE(k)                      rotate_half, cos/sin of
                                                     cat(freqs, freqs)
        k, v = repeat_kv(k), repeat_kv(v)            grouped-query attention
        w = softmax(q k^T / sqrt(head_dim) + mask, float32)
                                                     causal; sliding window:
                                                     q - k < sliding_window
        h = h + o_proj(w v)
        h = h + down_proj(silu(gate_proj(x2)) * up_proj(x2)),
            x2 = post_attention_layernorm(h)
    logits = lm_head(norm(h))                        lm_head = embed_tokens
                                                     with tie_word_embeddings

    python3 hf_llama.py DIR IDS...    print the logits of one sequence
"""

import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402


def load_pretrained(path):
    """(config dict, weights dict) of an HF checkpoint directory: config.json
    and model.safetensors, or the shards of model.safetensors.index.json."""
    with open(os.path.join(path, "config.json")) as f:
        config = json.load(f)
    return config, load_weights(path)


def load_weights(path):
    """The tensors of an HF checkpoint directory by name: model.safetensors,
    or the shards named by model.safetensors.index.json."""
    index = os.path.join(path, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            weight_map = json.load(f)["weight_map"]
        weights = {}
        for shard in sorted(set(weight_map.values())):
            tensors, _ = safetensors_io.load(os.path.join(path, shard))
            weights.update({k: v for k, v in tensors.items() if weight_map.get(k) == shard})
    else:
        weights, _ = safetensors_io.load(os.path.join(path, "model.safetensors"))
    return weights


def head_dim(config):
    # LlamaConfig: head_dim defaults to hidden_size // num_attention_heads.
    return config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]


def rope_inv_freq(config):
    """HF's ROPE_INIT_FUNCTIONS: "default" and "llama3" (the attention
    scaling factor of both is 1)."""
    dim = head_dim(config)
    base = config.get("rope_theta", 10000.0)
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    scaling = config.get("rope_scaling")
    if not scaling:
        return inv_freq
    rope_type = scaling.get("rope_type", scaling.get("type"))
    if rope_type == "default":
        return inv_freq
    if rope_type != "llama3":
        raise ValueError(f"rope_scaling type {rope_type!r} is not implemented here")
    factor = scaling["factor"]
    low_freq_factor = scaling["low_freq_factor"]
    high_freq_factor = scaling["high_freq_factor"]
    old_context_len = scaling["original_max_position_embeddings"]
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium, smoothed, inv_freq_llama)


def rms_norm(x, weight, eps):
    # LlamaRMSNorm: statistics in float32, the weight applied in the input dtype.
    dtype = x.dtype
    h = x.to(torch.float32)
    h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)
    return weight * h.to(dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def repeat_kv(x, n_rep):
    # [B, kv_heads, T, D] -> [B, kv_heads * n_rep, T, D], each head repeated
    # n_rep times in place (query head h uses key head h // n_rep).
    b, kv, t, d = x.shape
    return x if n_rep == 1 else x[:, :, None].expand(b, kv, n_rep, t, d).reshape(b, kv * n_rep, t, d)


def layer_window(config, layer):
    """The sliding window of `layer`, or None for full causal attention."""
    model_type = config["model_type"]
    if model_type == "mistral":
        return config.get("sliding_window")
    if model_type == "qwen3":
        # Qwen3 slides in the layers from max_window_layers on.
        if config.get("use_sliding_window") and config.get("sliding_window") is not None \
                and layer >= config.get("max_window_layers", 0):
            return config["sliding_window"]
        return None
    return None


def causal_mask(seq_len, window, dtype):
    q = torch.arange(seq_len)[:, None]
    k = torch.arange(seq_len)[None, :]
    allowed = k <= q
    if window is not None:
        allowed = allowed & (q - k < window)
    # HF fills with the dtype's minimum, not -inf.
    return torch.zeros(seq_len, seq_len, dtype=dtype).masked_fill(~allowed, torch.finfo(dtype).min)


def forward(config, weights, input_ids):
    """input_ids [B, T] (int64) -> logits [B, T, vocab_size], float32."""
    if config.get("hidden_act", "silu") != "silu":
        raise ValueError("only hidden_act silu is implemented")
    if config.get("attention_bias") or config.get("mlp_bias"):
        raise ValueError("biases are not implemented")
    model_type = config["model_type"]
    heads = config["num_attention_heads"]
    kv_heads = config.get("num_key_value_heads") or heads
    dim = head_dim(config)
    eps = config["rms_norm_eps"]
    W = {k: v.to(torch.float32) for k, v in weights.items()}
    batch, seq_len = input_ids.shape

    h = torch.nn.functional.embedding(input_ids, W["model.embed_tokens.weight"])

    # LlamaRotaryEmbedding: freqs in float32, emb = cat(freqs, freqs).
    positions = torch.arange(seq_len, dtype=torch.float32)
    freqs = positions[:, None] * rope_inv_freq(config)[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]  # [1, 1, T, D]

    linear = torch.nn.functional.linear
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        x = rms_norm(h, W[p + "input_layernorm.weight"], eps)
        q = linear(x, W[p + "self_attn.q_proj.weight"]).view(batch, seq_len, heads, dim)
        k = linear(x, W[p + "self_attn.k_proj.weight"]).view(batch, seq_len, kv_heads, dim)
        v = linear(x, W[p + "self_attn.v_proj.weight"]).view(batch, seq_len, kv_heads, dim)
        if model_type == "qwen3":
            q = rms_norm(q, W[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, W[p + "self_attn.k_norm.weight"], eps)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k, v = repeat_kv(k, heads // kv_heads), repeat_kv(v, heads // kv_heads)
        scores = q @ k.transpose(2, 3) * dim ** -0.5
        scores = scores + causal_mask(seq_len, layer_window(config, i), scores.dtype)
        probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        attn = (probs @ v).transpose(1, 2).reshape(batch, seq_len, heads * dim)
        h = h + linear(attn, W[p + "self_attn.o_proj.weight"])

        x = rms_norm(h, W[p + "post_attention_layernorm.weight"], eps)
        mlp = torch.nn.functional.silu(linear(x, W[p + "mlp.gate_proj.weight"])) * linear(x, W[p + "mlp.up_proj.weight"])
        h = h + linear(mlp, W[p + "mlp.down_proj.weight"])

    h = rms_norm(h, W["model.norm.weight"], eps)
    head = W["model.embed_tokens.weight"] if config.get("tie_word_embeddings") else W["lm_head.weight"]
    return linear(h, head)


def main(argv):
    if len(argv) < 3:
        print("usage: hf_llama.py DIR IDS...", file=sys.stderr)
        return 2
    config, weights = load_pretrained(argv[1])
    ids = torch.tensor([[int(t) for t in argv[2:]]], dtype=torch.int64)
    with torch.no_grad():
        print(forward(config, weights, ids))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
