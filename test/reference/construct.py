"""construct.py - build the PyTorch reference of a generated model from its config.json.

A generated model directory (`fgcc CONFIG --emit-model -o DIR`) records the
whole construction of the model as data in DIR/model/config.json:

    "construction": {"root": "model", "locals": [
        {"name": "rope", "kind": "singleton", "component": ".rotary_embeddings:RotaryPE",
         "args": {"hidden_size": 256, ...}},
        {"name": "norm_factory", "kind": "partial", "params": ["normalized_shape"], ...},
        ...]}

with argument values that are JSON literals or references: {"local": name},
{"param": name} (an argument of the partial's call), {"factory": {...}}
(built anew at each use) and {"var": name}. This module interprets that
description with the reference components of models.py, the way the
reference framework materialises its config graph: a singleton is built
once and shared, a factory at each use, a partial is functools.partial.
So the reference is built from the same data the C++ was generated from,
not from a second hand-written description of each preset.
"""

import functools
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import models  # noqa: E402


def _rms_norm(normalized_shape, eps=None, elementwise_affine=True):
    # models.RMSNorm names its size as the C++ unit tests do.
    return models.RMSNorm(normalized_shape, eps=eps, elementwise_affine=elementwise_affine)


def _layer_stack(layer_factory=None, num_hidden_layers=0, post_norm_factory=None, enable_activation_checkpoint=False,
                 checkpoint_stride=1, layer_factories=None):
    # Activation checkpointing changes memory, not values (test/models
    # checks that the gradients are bit-identical), so the reference
    # ignores it.
    return models.LayerStack(layer_factory, num_hidden_layers, post_norm_factory, layer_factories or None)


# Config specs -> reference callables. Specs of the model library start with
# a dot (`.causal_lm:CausalLM`), LibTorch's with `torch.nn:`.
COMPONENTS = {
    "RMSNorm": _rms_norm,
    "LayerStack": _layer_stack,
    "torch.nn:LayerNorm": torch.nn.LayerNorm,
    "torch.nn:RMSNorm": _rms_norm,
}
for _name in ("RotaryPE", "SinusoidalPE", "NullPE", "CausalMultiheadAttn", "CausalAlibiAttn", "SingleHeadAttn", "SingleHeadAlibiAttn",
              "FeedforwardLayer", "GLUFeedforwardLayer", "PreLNLayer", "PostLNLayer", "DeepnetLayer",
              "InputEncoder", "CausalLM"):
    COMPONENTS[_name] = getattr(models, _name)


def component(spec):
    """The reference callable of a config spec."""
    key = spec if spec.startswith("torch.") else spec.rsplit(":", 1)[-1]
    if key not in COMPONENTS:
        raise KeyError(f"no reference component for '{spec}'")
    return COMPONENTS[key]


class Construction:
    """Interprets the `construction` section of a generated config.json."""

    def __init__(self, construction, variables=None):
        self.locals = {entry["name"]: entry for entry in construction["locals"]}
        self.root = construction["root"]
        self.variables = variables or {}
        self.built = {}

    def value(self, v, params):
        if isinstance(v, dict) and len(v) == 1:
            (kind, what), = v.items()
            if kind == "local":
                return self.local(what)
            if kind == "param":
                return params[what]
            if kind == "var":
                return self.variables[what]
            if kind == "factory":
                return self.call(what, params)
        return v

    def call(self, entry, params):
        args = {name: self.value(v, params) for name, v in entry["args"].items()}
        return component(entry["component"])(**args)

    def local(self, name):
        if name in self.built:
            return self.built[name]
        entry = self.locals[name]
        if entry["kind"] == "singleton":
            result = self.call(entry, {})
        else:
            # The receiver calls it with the open parameters, in order.
            def partial(*values, entry=entry):
                return self.call(entry, dict(zip(entry["params"], values)))
            result = functools.update_wrapper(partial, lambda: None)
        self.built[name] = result
        return result

    def build(self):
        return self.local(self.root)


def build_model(config):
    """The reference model described by a parsed config.json."""
    return Construction(config["construction"]).build()
