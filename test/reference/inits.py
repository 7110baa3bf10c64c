"""inits.py - PyTorch reference of fgcc's weight initialisation schemes.

Written from spec section 1.3 with PyTorch's own torch.nn.init functions
(trunc_normal_, xavier_uniform_, normal_ ...). Seeded like the C++ harness
and run over parameters in the same order, these must reproduce the C++
weights: that checks both the rule tables (which parameter gets which
distribution) and fgcc's hand-written trunc_normal_.
"""

import math
import re

import torch
import torch.nn as nn


def init_by_regex(model, rules):
    """rules: ordered (pattern, fn or None); the first pattern re.search finds
    in a parameter's name decides; None leaves the parameter alone."""
    with torch.no_grad():
        for name, param in model.named_parameters():
            for pattern, fn in rules:
                if re.search(pattern, name):
                    if fn is not None:
                        fn(param)
                    break


def _embedding_init(std, padding_idx=None):
    def init(p):
        nn.init.normal_(p, 0.0, std)
        if padding_idx is not None:
            p[padding_idx].zero_()
    return init


def simple_weight_init(model):
    """Linear: U(+-1/sqrt(fan_in)), bias 0. Embedding: N(0, d^-1/2), padding row 0."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                bound = 1.0 / math.sqrt(m.in_features)
                nn.init.uniform_(m.weight, -bound, bound)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Embedding):
                _embedding_init(m.embedding_dim ** -0.5, m.padding_idx)(m.weight)


def llama_rules(num_layers, d_model):
    depth_std = 0.02 / math.sqrt(2 * num_layers)
    head_std = d_model ** -0.5
    return [
        ("norm", None),
        ("bias", nn.init.zeros_),
        (r"embedding\.weight", lambda p: nn.init.normal_(p, 0.0, 1.0)),
        (r"(up_proj|query_linear|key_linear|value_linear)\.weight",
         lambda p: nn.init.trunc_normal_(p, 0.0, 0.02, -2.0, 2.0)),
        (r"(gate_proj|down_proj|output_linear)\.weight",
         lambda p: nn.init.trunc_normal_(p, 0.0, depth_std, -2.0, 2.0)),
        (r"lm_head\.weight", lambda p: nn.init.trunc_normal_(p, 0.0, head_std, -3 * head_std, 3 * head_std)),
    ]


def deepnet_rules(beta, d_model, padding_idx=None):
    return [
        ("norm", None),
        ("alibi_slopes", None),
        ("bias", nn.init.zeros_),
        (r"embedding\.weight", _embedding_init(d_model ** -0.5, padding_idx)),
        (r"(feedforward\..*|value_linear|output_linear)\.weight", lambda p: nn.init.xavier_uniform_(p, gain=beta)),
        (r"(query_linear|key_linear)\.weight", lambda p: nn.init.xavier_uniform_(p, gain=1.0)),
    ]


def hf_llama_weight_init(model, std=0.02):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, std)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Embedding):
                _embedding_init(std, m.padding_idx)(m.weight)
