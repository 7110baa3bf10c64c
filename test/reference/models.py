"""models.py - PyTorch reference implementations of fgcc's model components.

Plain torch, written from the semantics in the ML feature inventory (spec
section 1.1), independently of the C++ code in stdlib-templates/modelsrc. The
C++ harness (test/models) saves weights, inputs, outputs and gradients of each
component; check_models.py rebuilds the component here from the same config,
loads the same weights and compares.

Parameter names and registration order match the C++ modules, so that state
dicts load by name and the weight initialisers (inits.py) visit parameters in
the same order. Where the spec leaves a choice, the comment says which.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import inits

# ---------------------------------------------------------------------------
# Small pieces

ACTIVATIONS = {
    "relu": F.relu,
    "silu": F.silu,
    "swish": F.silu,
    "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "identity": lambda x: x,
}


def wide_dtype(dtype):
    """float32, or the dtype itself when it is wider (float64)."""
    return torch.promote_types(dtype, torch.float32)


class RMSNorm(nn.Module):
    """x * rsqrt(mean(x^2) + eps) * weight over the last dimension; eps None
    means the machine epsilon of the input dtype (torch.nn.RMSNorm)."""

    def __init__(self, size, eps=None, elementwise_affine=True):
        super().__init__()
        self.eps = eps
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(size))
        else:
            self.register_parameter("weight", None)

    def forward(self, x):
        eps = self.eps if self.eps is not None else torch.finfo(x.dtype).eps
        wide = x.to(wide_dtype(x.dtype))
        normed = (wide * torch.rsqrt(wide.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)
        return normed if self.weight is None else normed * self.weight


# ---------------------------------------------------------------------------
# Position encodings

def rope_inverse_frequencies(d_head, theta):
    return 1.0 / (theta ** (torch.arange(0, d_head, 2, dtype=torch.int64).float() / d_head))


def rope_llama3(inv_freq, scaling):
    """Llama-3 scaling: wavelengths above L/low are divided by factor, those
    below L/high kept, and the band between interpolated."""
    if scaling["rope_type"] == "default":
        return inv_freq
    assert scaling["rope_type"] == "llama3"
    factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
    context = scaling["original_max_position_embeddings"]
    wavelen = 2 * math.pi / inv_freq
    out = inv_freq.clone()
    for i in range(len(inv_freq)):
        w, f = wavelen[i].item(), inv_freq[i]
        if w > context / low:
            out[i] = f / factor
        elif w >= context / high:
            s = (context / w - low) / (high - low)
            out[i] = (1 - s) * f / factor + s * f
    return out


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class RotaryPE:
    """Real RoPE in the rotate_half (NeoX) layout on [B, T, H, D] tensors.
    A plain object, not a module: shared by all layers, never in a state dict."""

    def __init__(self, hidden_size, num_attention_heads, max_position_embeddings=2048, rope_theta=10000.0,
                 rope_scaling=None):
        d_head = hidden_size // num_attention_heads
        inv_freq = rope_inverse_frequencies(d_head, rope_theta)
        if rope_scaling is not None:
            inv_freq = rope_llama3(inv_freq, rope_scaling)
        angles = torch.outer(torch.arange(max_position_embeddings, dtype=torch.int64).float(), inv_freq)
        doubled = torch.cat((angles, angles), dim=-1)
        self.cos, self.sin = doubled.cos(), doubled.sin()

    def rows(self, x, position_ids):
        if position_ids is None:
            seq_len = x.shape[1]
            return self.cos[:seq_len][None, :, None, :], self.sin[:seq_len][None, :, None, :]
        return self.cos[position_ids][:, :, None, :], self.sin[position_ids][:, :, None, :]

    def __call__(self, q, k, position_ids=None):
        cos, sin = self.rows(q, position_ids)
        return (q * cos.to(q.dtype) + rotate_half(q) * sin.to(q.dtype),
                k * cos.to(k.dtype) + rotate_half(k) * sin.to(k.dtype))


class SinusoidalPE(nn.Module):
    """weight[p, 2i] = sin(p / 10000^(2i/d)), weight[p, 2i+1] = cos(same); a
    persistent buffer, added to the embeddings."""

    def __init__(self, d_model, max_sequence_length):
        super().__init__()
        table = torch.zeros(max_sequence_length, d_model, dtype=torch.float64)
        for i in range(0, d_model, 2):
            angle = torch.arange(max_sequence_length, dtype=torch.float64) / (10000.0 ** (i / d_model))
            table[:, i] = torch.sin(angle)
            table[:, i + 1] = torch.cos(angle)
        self.register_buffer("weight", table.float())

    def forward(self, x, position_ids=None):
        if position_ids is None:
            return x + self.weight[: x.shape[1]].to(x.dtype)
        return x + self.weight[position_ids].to(x.dtype)


class NullPE(nn.Module):
    """No absolute position encoding: the input, unchanged."""

    def forward(self, x, position_ids=None):
        return x


# ---------------------------------------------------------------------------
# Masks and attention

def document_ids(position_ids):
    """A new document starts wherever a position is not its predecessor + 1."""
    docs = torch.zeros_like(position_ids)
    for b in range(position_ids.shape[0]):
        for t in range(1, position_ids.shape[1]):
            restart = position_ids[b, t] != position_ids[b, t - 1] + 1
            docs[b, t] = docs[b, t - 1] + int(restart)
    return docs


def causal_mask(batch_size, seq_len, sliding_window=None, padding_mask=None, position_ids=None,
                dtype=torch.float32):
    """Additive [B, 1, T, T] mask: 0 where query i may see key j, finfo.min elsewhere."""
    docs = document_ids(position_ids) if position_ids is not None else None
    allowed = torch.zeros(batch_size, seq_len, seq_len, dtype=torch.bool)
    for b in range(batch_size):
        for i in range(seq_len):
            for j in range(i + 1):
                ok = sliding_window is None or i - j < sliding_window
                ok = ok and (padding_mask is None or bool(padding_mask[b, j] != 0))
                ok = ok and (docs is None or bool(docs[b, i] == docs[b, j]))
                allowed[b, i, j] = ok
    mask = torch.zeros(batch_size, 1, seq_len, seq_len, dtype=dtype)
    return mask.masked_fill(~allowed[:, None], torch.finfo(dtype).min)


def eager_attention(q, k, v, mask, scale, dropout, training):
    """q [B, H, T, D], k and v [B, Hkv, T, D]: GQA by repeat_interleave, softmax
    in float32, dropout on the probabilities; returns [B, T, H, D]."""
    n_rep = q.shape[1] // k.shape[1]
    k = torch.repeat_interleave(k, n_rep, dim=1)
    v = torch.repeat_interleave(v, n_rep, dim=1)
    scores = torch.matmul(q, k.transpose(-1, -2)) * scale
    if mask is not None:
        scores = scores + mask[..., : k.shape[-2]].to(scores.dtype)
    probs = F.softmax(scores, dim=-1, dtype=wide_dtype(q.dtype)).to(q.dtype)
    probs = F.dropout(probs, p=dropout, training=training)
    return torch.matmul(probs, v).transpose(1, 2)


class _GroupedQueryAttention(nn.Module):
    """What the two causal attentions share: the projections, registered in
    the order query, key, value, output before anything of a subclass's
    own, and the grouped-query attention through them."""

    def __init__(self, d_model, num_heads, num_kv_heads, bias, dropout):
        super().__init__()
        self.num_heads = num_heads
        self.num_kv_heads = num_kv_heads or num_heads
        self.d_head = d_model // num_heads
        self.dropout = dropout
        self.query_linear = nn.Linear(d_model, num_heads * self.d_head, bias=bias)
        self.key_linear = nn.Linear(d_model, self.num_kv_heads * self.d_head, bias=bias)
        self.value_linear = nn.Linear(d_model, self.num_kv_heads * self.d_head, bias=bias)
        self.output_linear = nn.Linear(num_heads * self.d_head, d_model, bias=bias)

    def project_heads(self, x):
        """q [B, T, H, D], k and v [B, T, Hkv, D]."""
        B, T, _ = x.shape
        return (self.query_linear(x).view(B, T, self.num_heads, self.d_head),
                self.key_linear(x).view(B, T, self.num_kv_heads, self.d_head),
                self.value_linear(x).view(B, T, self.num_kv_heads, self.d_head))

    def attend(self, q, k, v, mask):
        """output_linear of the attention of q over k and v, all [B, T, heads, D]."""
        B, T = q.shape[:2]
        out = eager_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), mask,
                              1.0 / math.sqrt(self.d_head), self.dropout, self.training)
        return self.output_linear(out.reshape(B, T, -1))


class CausalMultiheadAttn(_GroupedQueryAttention):
    def __init__(self, d_model, num_heads, num_kv_heads=None, bias=False, dropout=0.0, qk_norm_factory=None,
                 pos_encoder=None):
        super().__init__(d_model, num_heads, num_kv_heads, bias, dropout)
        if qk_norm_factory is not None:
            self.q_norm = qk_norm_factory(self.d_head)
            self.k_norm = qk_norm_factory(self.d_head)
        else:
            self.q_norm = self.k_norm = None
        self.pos_encoder = pos_encoder  # a plain object: not a submodule

    def forward(self, x, attn_mask=None, position_ids=None):
        q, k, v = self.project_heads(x)
        if self.q_norm is not None:
            q, k = self.q_norm(q), self.k_norm(k)
        if self.pos_encoder is not None:
            q, k = self.pos_encoder(q, k, position_ids)
        if attn_mask is None:
            attn_mask = causal_mask(x.shape[0], x.shape[1], dtype=x.dtype)
        return self.attend(q, k, v, attn_mask)


def alibi_slopes(num_heads, alt_alibi_init):
    """2^(-7h/(H-1)); the alternative is 2^-(1+7h/(H-1)) with heads h >= H//2 zeroed."""
    slopes = []
    for h in range(num_heads):
        e = 7.0 * h / (num_heads - 1) if num_heads > 1 else 0.0
        slopes.append(2.0 ** -(1.0 + e) if alt_alibi_init else 2.0 ** -e)
    slopes = torch.tensor(slopes, dtype=torch.float32)
    if alt_alibi_init:
        slopes[num_heads // 2:] = 0.0
    return slopes


class CausalAlibiAttn(_GroupedQueryAttention):
    def __init__(self, d_model, num_heads, num_kv_heads=None, bias=True, dropout=0.0, trainable_alibi=False,
                 alt_alibi_init=False):
        super().__init__(d_model, num_heads, num_kv_heads, bias, dropout)
        slopes = alibi_slopes(num_heads, alt_alibi_init)
        if trainable_alibi:
            self.alibi_slopes = nn.Parameter(slopes)
        else:
            self.register_buffer("alibi_slopes", slopes)

    def forward(self, x, attn_mask=None, position_ids=None):
        q, k, v = self.project_heads(x)
        pos = torch.arange(x.shape[1], dtype=torch.float32)
        distance = pos[None, :] - pos[:, None]  # j - i
        bias = self.alibi_slopes[:, None, None] * distance
        bias = bias.masked_fill(distance > 0, float("-inf"))
        return self.attend(q, k, v, bias[None].to(x.dtype))


class SingleHeadAttn(nn.Module):
    """scores = x W x^T / sqrt(d) with W the QK linear's weight (its bias unused),
    causal -inf, softmax clamped at 1e-10, dropout, times value_linear(x)."""

    def __init__(self, d_model, bias=True, dropout=0.0):
        super().__init__()
        self.d_model = d_model
        self.dropout = dropout
        self.query_key_linear = nn.Linear(d_model, d_model, bias=bias)
        self.value_linear = nn.Linear(d_model, d_model, bias=bias)

    def forward(self, x, attn_mask=None, position_ids=None):
        T = x.shape[1]
        scores = x @ self.query_key_linear.weight @ x.transpose(1, 2) / math.sqrt(self.d_model)
        future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        scores = scores.masked_fill(future, float("-inf"))
        probs = torch.softmax(scores, dim=-1).clamp(min=1e-10)
        probs = F.dropout(probs, p=self.dropout, training=self.training)
        return probs @ self.value_linear(x)


class SingleHeadAlibiAttn(nn.Module):
    """scores = x W x^T / sqrt(d) + slope * (j - i), causal -inf, softmax (no
    clamp), dropout, times value_linear(x). A trainable slope is a parameter
    of shape [1] named alibi_slope; a fixed one a plain float."""

    def __init__(self, d_model, bias=False, dropout=0.0, slope_init=0.5, trainable_alibi=True):
        super().__init__()
        self.d_model = d_model
        self.dropout = dropout
        self.query_key_linear = nn.Linear(d_model, d_model, bias=bias)
        self.value_linear = nn.Linear(d_model, d_model, bias=bias)
        if trainable_alibi:
            self.alibi_slope = nn.Parameter(torch.full((1,), float(slope_init)))
        else:
            self.alibi_slope = float(slope_init)

    def forward(self, x, attn_mask=None, position_ids=None):
        T = x.shape[1]
        pos = torch.arange(T, dtype=x.dtype)
        distance = pos[None, :] - pos[:, None]  # j - i
        scores = x @ self.query_key_linear.weight @ x.transpose(1, 2) / math.sqrt(self.d_model)
        scores = scores + distance * self.alibi_slope
        scores = scores.masked_fill(distance > 0, float("-inf"))
        probs = F.dropout(torch.softmax(scores, dim=-1), p=self.dropout, training=self.training)
        return probs @ self.value_linear(x)


# ---------------------------------------------------------------------------
# Feedforward blocks

class FeedforwardLayer(nn.Module):
    """linear2(act(dropout(linear1(x)))): dropout before the activation."""

    def __init__(self, d_model, d_feedforward, activation="relu", dropout=0.1, bias=True):
        super().__init__()
        self.linear1 = nn.Linear(d_model, d_feedforward, bias=bias)
        self.linear2 = nn.Linear(d_feedforward, d_model, bias=bias)
        self.dropout = nn.Dropout(dropout)
        self.activation = ACTIVATIONS[activation]

    def forward(self, x):
        return self.linear2(self.activation(self.dropout(self.linear1(x))))


class GLUFeedforwardLayer(nn.Module):
    """down(dropout(up(x) * act(gate(x)))), no biases."""

    def __init__(self, d_model, d_feedforward, activation="silu", dropout=0.1):
        super().__init__()
        self.up_proj = nn.Linear(d_model, d_feedforward, bias=False)
        self.gate_proj = nn.Linear(d_model, d_feedforward, bias=False)
        self.down_proj = nn.Linear(d_feedforward, d_model, bias=False)
        self.dropout = nn.Dropout(dropout)
        self.activation = ACTIVATIONS[activation]

    def forward(self, x):
        return self.down_proj(self.dropout(self.up_proj(x) * self.activation(self.gate_proj(x))))


# ---------------------------------------------------------------------------
# Layers

class _Layer(nn.Module):
    """Blocks from factories, in the order feedforward, attention, norm1, norm2."""

    def __init__(self, feedforward_factory, attention_factory, norm_factory, dropout=0.1, residual_dropout=0.0):
        super().__init__()
        self.feedforward = feedforward_factory()
        self.attention = attention_factory()
        self.norm1 = norm_factory()
        self.norm2 = norm_factory()
        self.dropout = nn.Dropout(dropout)
        self.residual_dropout = nn.Dropout(residual_dropout)


class PreLNLayer(_Layer):
    def forward(self, x, attn_mask=None, position_ids=None):
        residual = self.residual_dropout(x)
        x = residual + self.dropout(self.attention(self.norm1(x), attn_mask, position_ids))
        residual = self.residual_dropout(x)
        return residual + self.dropout(self.feedforward(self.norm2(x)))


class PostLNLayer(_Layer):
    def forward(self, x, attn_mask=None, position_ids=None):
        residual = self.residual_dropout(x)
        x = self.norm1(residual + self.dropout(self.attention(x, attn_mask, position_ids)))
        residual = self.residual_dropout(x)
        return self.norm2(residual + self.dropout(self.feedforward(x)))


class DeepnetLayer(_Layer):
    def __init__(self, feedforward_factory, attention_factory, norm_factory, alpha=1.0, dropout=0.1,
                 residual_dropout=0.0):
        super().__init__(feedforward_factory, attention_factory, norm_factory, dropout, residual_dropout)
        self.alpha = alpha

    def forward(self, x, attn_mask=None, position_ids=None):
        residual = self.residual_dropout(x)
        x = self.norm1(self.alpha * residual + self.dropout(self.attention(x, attn_mask, position_ids)))
        residual = self.residual_dropout(x)
        return self.norm2(self.alpha * residual + self.dropout(self.feedforward(x)))


def deepnet_alpha(encoder_layers, decoder_layers):
    n = encoder_layers if decoder_layers == 0 else decoder_layers
    return (2 * n) ** 0.25 if encoder_layers == 0 or decoder_layers == 0 else (3 * decoder_layers) ** 0.25


def deepnet_beta(encoder_layers, decoder_layers):
    n = encoder_layers if decoder_layers == 0 else decoder_layers
    return (8 * n) ** -0.25 if encoder_layers == 0 or decoder_layers == 0 else (12 * decoder_layers) ** -0.25


# ---------------------------------------------------------------------------
# Whole model

class InputEncoder(nn.Module):
    def __init__(self, d_model, vocab_size, dropout=0.1, positional_encoder=None, scale=1.0,
                 scale_sqrt_d_model=False, padding_idx=None):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model, padding_idx=padding_idx)
        self.positional_encoder = positional_encoder
        self.dropout = nn.Dropout(dropout)
        self.scale = math.sqrt(d_model) if scale_sqrt_d_model else scale

    def forward(self, input_ids, position_ids=None):
        x = self.embedding(input_ids)
        if self.scale != 1.0:
            x = x * self.scale
        if self.positional_encoder is not None:
            x = self.positional_encoder(x, position_ids)
        return self.dropout(x)


class LayerStack(nn.Module):
    """Layers keyed "0".."N-1": num_hidden_layers from layer_factory, or one
    from each of layer_factories (the reference's ExplicitLayerStack
    factory_list), then the optional final norm."""

    def __init__(self, layer_factory=None, num_hidden_layers=0, post_norm_factory=None, layer_factories=None):
        super().__init__()
        if layer_factories is None:
            layer_factories = [layer_factory] * num_hidden_layers
        self.layers = nn.ModuleDict({str(i): factory() for i, factory in enumerate(layer_factories)})
        self.layer_norm = post_norm_factory() if post_norm_factory is not None else None

    def forward(self, x, attn_mask=None, position_ids=None):
        for layer in self.layers.values():
            x = layer(x, attn_mask, position_ids)
        return x if self.layer_norm is None else self.layer_norm(x)


class CausalLM(nn.Module):
    """The encoder, the stack and an untied or tied head. init_weights names
    the scheme (inits.py) applied after construction to the encoder and the
    stack, and with init_lm_head to the head too; "default" keeps the
    constructors' init."""

    def __init__(self, input_encoder, layer_stack, tie_word_embeddings=False, sliding_window=None,
                 init_weights="default", init_std=0.02, init_beta=None, init_lm_head=False):
        super().__init__()
        self.input_encoder = input_encoder
        self.layer_stack = layer_stack
        self.tie_word_embeddings = tie_word_embeddings
        self.sliding_window = sliding_window
        if not tie_word_embeddings:
            emb = input_encoder.embedding
            self.lm_head = nn.Linear(emb.embedding_dim, emb.num_embeddings, bias=False)
        self.initialize_weights(init_weights, init_std, init_beta, init_lm_head)

    def initialize_weights(self, scheme, std, beta, with_head):
        if scheme == "default":
            return
        target = nn.ModuleDict({"input_encoder": self.input_encoder, "layer_stack": self.layer_stack})
        if with_head and not self.tie_word_embeddings:
            target["lm_head"] = self.lm_head
        layers = len(self.layer_stack.layers)
        emb = self.input_encoder.embedding
        if scheme == "simple":
            inits.simple_weight_init(target)
        elif scheme == "llama":
            inits.init_by_regex(target, inits.llama_rules(layers, emb.embedding_dim))
        elif scheme == "deepnet":
            beta = deepnet_beta(layers, 0) if beta is None else beta
            inits.init_by_regex(target, inits.deepnet_rules(beta, emb.embedding_dim, emb.padding_idx))
        elif scheme == "hf":
            inits.hf_llama_weight_init(target, std)
        else:
            raise ValueError(f"unknown init_weights {scheme!r}")

    def forward(self, input_ids, attention_mask=None, position_ids=None):
        B, T = input_ids.shape
        h = self.input_encoder(input_ids, position_ids)
        mask = causal_mask(B, T, self.sliding_window, attention_mask, position_ids, dtype=h.dtype)
        h = self.layer_stack(h, mask, position_ids)
        if self.tie_word_embeddings:
            return F.linear(h, self.input_encoder.embedding.weight)
        return self.lm_head(h)


def causal_loss(logits, labels, ignore_index=-100):
    """Cross-entropy of logits[:, :-1] against labels[:, 1:], mean over kept labels."""
    logits = logits[:, :-1].reshape(-1, logits.shape[-1])
    logits = logits.to(wide_dtype(logits.dtype))
    return F.cross_entropy(logits, labels[:, 1:].reshape(-1), ignore_index=ignore_index)


def chunked_causal_loss(logits, labels, chunk_size=4096, ignore_index=-100):
    """causal_loss by a two-pass log-sum-exp over vocabulary chunks: the row
    maxima over all chunks first, then the sums of exp(x - max) chunk by
    chunk, and the target logit gathered; autograd differentiates through
    the chunks."""
    logits = logits[:, :-1].reshape(-1, logits.shape[-1])
    logits = logits.to(wide_dtype(logits.dtype))
    labels = labels[:, 1:].reshape(-1)
    chunks = torch.split(logits, chunk_size, dim=1)
    row_max = torch.stack([c.max(dim=1).values for c in chunks]).max(dim=0).values.detach()
    sums = sum(torch.exp(c - row_max[:, None]).sum(dim=1) for c in chunks)
    lse = row_max + torch.log(sums)
    kept = labels != ignore_index
    target = logits.gather(1, labels.masked_fill(~kept, 0)[:, None]).squeeze(1)
    return ((lse - target) * kept).sum() / kept.sum()
