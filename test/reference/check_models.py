#!/usr/bin/env python3
"""check_models.py - compare fgcc's C++ model components with the PyTorch reference.

    check_models.py DIR

DIR holds the files of `fgcc-models-harness dump DIR`, one .safetensors per
case (layout in test/models/harness.hpp). For each case this script builds
the reference component (models.py) from the case's JSON config, loads the
C++ parameters (and, after checking them, buffers), runs the same inputs
from the same seed, backpropagates the same cotangents and compares every
output and every gradient; init cases re-run the init scheme (inits.py).

A value a (C++) agrees with its reference b when, elementwise,

    |a - b| <= 1e-5 * max(1, |b|)

(an absolute tolerance of 1e-5 for values up to 1, relative beyond), in
float32. Integer and boolean tensors must be equal. One line per case, then
"models: N cases, M comparisons, K failed, max error E", where E is the
largest |a - b| / max(1, |b|) seen. Exit status 1 if anything failed.
"""

import functools
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import inits  # noqa: E402
import models  # noqa: E402
from safetensors_io import load  # noqa: E402

TOLERANCE = 1e-5


# ---------------------------------------------------------------------------
# Building the reference from a case config (the vocabulary of
# test/models/builders.hpp)

def build_norm(c):
    if c["type"] == "LayerNorm":
        return torch.nn.LayerNorm(c["size"], eps=c.get("eps", 1e-5))
    return models.RMSNorm(c["size"], eps=c.get("eps"), elementwise_affine=c.get("elementwise_affine", True))


def build_rope(c):
    return models.RotaryPE(c["hidden_size"], c["num_attention_heads"], c["max_position_embeddings"],
                           c["rope_theta"], c.get("rope_scaling"))


def build_attention(c, rope=None):
    if c["type"] == "SingleHeadAttn":
        return models.SingleHeadAttn(c["d_model"], c["bias"], c["dropout"])
    if c["type"] == "SingleHeadAlibiAttn":
        return models.SingleHeadAlibiAttn(c["d_model"], c["bias"], c["dropout"], c["slope_init"],
                                          c["trainable_alibi"])
    if c["type"] == "CausalAlibiAttn":
        return models.CausalAlibiAttn(c["d_model"], c["num_heads"], c.get("num_kv_heads"), c["bias"], c["dropout"],
                                      c["trainable_alibi"], c["alt_alibi_init"])
    assert c["type"] == "CausalMultiheadAttn", c["type"]
    if rope is None and c.get("rope") is not None:
        rope = build_rope(c["rope"])
    qk_norm = c.get("qk_norm")
    qk_norm_factory = None if qk_norm is None else (lambda size: build_norm(dict(qk_norm, size=size)))
    return models.CausalMultiheadAttn(c["d_model"], c["num_heads"], c.get("num_kv_heads"), c["bias"], c["dropout"],
                                      qk_norm_factory, rope)


def build_feedforward(c):
    if c["type"] == "GLUFeedforwardLayer":
        return models.GLUFeedforwardLayer(c["d_model"], c["d_feedforward"], c["activation"], c["dropout"])
    return models.FeedforwardLayer(c["d_model"], c["d_feedforward"], c["activation"], c["dropout"], c["bias"])


def build_layer(c, rope=None):
    if rope is None and c["attention"].get("rope") is not None:
        rope = build_rope(c["attention"]["rope"])  # one per standalone layer, as in the C++ builder
    factories = (lambda: build_feedforward(c["feedforward"]), lambda: build_attention(c["attention"], rope),
                 lambda: build_norm(c["norm"]))
    if c["type"] == "DeepnetLayer":
        return models.DeepnetLayer(*factories, alpha=c["alpha"], dropout=c["dropout"],
                                   residual_dropout=c["residual_dropout"])
    cls = {"PreLNLayer": models.PreLNLayer, "PostLNLayer": models.PostLNLayer}[c["type"]]
    return cls(*factories, dropout=c["dropout"], residual_dropout=c["residual_dropout"])


def build_positional_encoder(c, d_model):
    if c.get("type", "SinusoidalPE") == "NullPE":
        return models.NullPE()
    return models.SinusoidalPE(d_model, c["max_sequence_length"])


def build_input_encoder(c):
    pe = c.get("positional_encoder")
    pe = None if pe is None else build_positional_encoder(pe, c["d_model"])
    return models.InputEncoder(c["d_model"], c["vocab_size"], c["dropout"], pe, c["scale"], c["scale_sqrt_d_model"],
                               c.get("padding_idx"))


def build_causal_lm(c):
    encoder = build_input_encoder(c["input_encoder"])
    post_norm = c.get("post_norm")
    post_norm_factory = None if post_norm is None else (lambda: build_norm(post_norm))
    if "layers" in c:
        # A heterogeneous stack: one factory per layer, each layer config
        # with its own rope (as the C++ builder does).
        factories = [functools.partial(build_layer, layer) for layer in c["layers"]]
        stack = models.LayerStack(post_norm_factory=post_norm_factory, layer_factories=factories)
    else:
        layer = c["layer"]
        rope = build_rope(layer["attention"]["rope"]) if layer["attention"].get("rope") is not None else None
        stack = models.LayerStack(lambda: build_layer(layer, rope), c["num_hidden_layers"], post_norm_factory)
    return models.CausalLM(encoder, stack, c["tie_word_embeddings"], c.get("sliding_window"),
                           c.get("init_weights", "default"), c.get("init_std", 0.02), c.get("init_beta"),
                           c.get("init_lm_head", False))


class Runnable:
    """A reference component and how to call it with inputs by name."""

    def __init__(self, module, call):
        self.module, self.call = module, call


def make_runnable(component, c):
    if component in ("LayerNorm", "RMSNorm"):
        m = build_norm(dict(c, type=component))
        return Runnable(m, lambda i: {"y": m(i["x"])})
    if component == "RotaryPE":
        rope = build_rope(c)

        def call(i):
            q, k = rope(i["q"], i["k"], i.get("position_ids"))
            return {"q": q, "k": k}
        return Runnable(torch.nn.Module(), call)
    if component == "SinusoidalPE":
        m = models.SinusoidalPE(c["d_model"], c["max_sequence_length"])
        return Runnable(m, lambda i: {"y": m(i["x"], i.get("position_ids"))})
    if component == "InputEncoder":
        m = build_input_encoder(c)
        return Runnable(m, lambda i: {"y": m(i["input_ids"], i.get("position_ids"))})
    if component in ("FeedforwardLayer", "GLUFeedforwardLayer"):
        m = build_feedforward(dict(c, type=component))
        return Runnable(m, lambda i: {"y": m(i["x"])})
    if component in ("CausalMultiheadAttn", "CausalAlibiAttn", "SingleHeadAttn", "SingleHeadAlibiAttn"):
        m = build_attention(dict(c, type=component))
        return Runnable(m, lambda i: {"y": m(i["x"], i.get("attn_mask"), i.get("position_ids"))})
    if component in ("PreLNLayer", "PostLNLayer", "DeepnetLayer"):
        m = build_layer(dict(c, type=component))
        return Runnable(m, lambda i: {"y": m(i["x"], i.get("attn_mask"), i.get("position_ids"))})
    if component == "CausalLM":
        m = build_causal_lm(c)

        def call(i):
            logits = m(i["input_ids"], i.get("attention_mask"), i.get("position_ids"))
            return {"logits": logits, "loss": models.causal_loss(logits, i["labels"])}
        return Runnable(m, call)
    if component == "CausalMask":
        return Runnable(torch.nn.Module(), lambda i: {"mask": models.causal_mask(
            c["batch_size"], c["seq_len"], c["sliding_window"], i.get("padding_mask"), i.get("position_ids"))})
    if component == "CausalLoss":
        return Runnable(torch.nn.Module(), lambda i: {"loss": models.causal_loss(i["logits"], i["labels"],
                                                                                 c["ignore_index"])})
    if component == "ChunkedCausalLoss":
        return Runnable(torch.nn.Module(), lambda i: {"loss": models.chunked_causal_loss(
            i["logits"], i["labels"], c["chunk_size"], c["ignore_index"])})
    raise ValueError(f"unknown component {component}")


# ---------------------------------------------------------------------------
# Comparing

class Report:
    """Comparisons of one case."""

    def __init__(self):
        self.count = 0
        self.failures = []
        self.max_error = 0.0

    def fail(self, what):
        self.failures.append(what)

    def compare(self, what, actual, expected):
        """actual from C++, expected from the reference."""
        self.count += 1
        if actual is None or expected is None:
            self.fail(f"{what}: {'missing in C++' if actual is None else 'missing in the reference'}")
            return
        if actual.shape != expected.shape:
            self.fail(f"{what}: shape {list(actual.shape)} vs reference {list(expected.shape)}")
            return
        if not actual.is_floating_point():
            if not torch.equal(actual, expected.to(actual.dtype)):
                self.fail(f"{what}: integer values differ")
            return
        # Compared in float64 so that the check adds no rounding of its own;
        # masks hold finfo.min and -inf, which must match in kind, not value.
        a, b = actual.double(), expected.detach().double()
        if not torch.equal(torch.isfinite(a), torch.isfinite(b)):
            self.fail(f"{what}: non-finite values differ")
            return
        finite = torch.isfinite(b)
        scaled = (a - b).abs()[finite] / b.abs()[finite].clamp(min=1.0)
        error = scaled.max().item() if scaled.numel() else 0.0
        self.max_error = max(self.max_error, error)
        if error > TOLERANCE:
            self.fail(f"{what}: error {error:.3g} > {TOLERANCE:g}")


def select(tensors, prefix):
    return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}


def check_forward_case(meta, tensors, report):
    runnable = make_runnable(meta["component"], meta["config"])
    module = runnable.module
    # Same parameter names, in the same order (the order matters to inits).
    names = [n for n, _ in module.named_parameters()]
    if names != meta["params"]:
        report.fail(f"parameter names/order differ: C++ {meta['params']} vs reference {names}")
        return
    # Buffers are recomputed here (tables, fixed slopes); check them, then
    # use the C++ values like any state.
    for name, value in module.named_buffers():
        report.compare(f"buffer {name}", tensors.get("buffer." + name), value)
    state = {**select(tensors, "param."), **select(tensors, "buffer.")}
    module.load_state_dict(state, strict=True)
    module.train(meta["train"])

    # The same rule as the harness: floating inputs that are not masks get
    # gradients.
    inputs = {}
    for name in meta["inputs"]:
        t = tensors["input." + name].clone()
        if t.is_floating_point() and "mask" not in name:
            t.requires_grad_(True)
        inputs[name] = t

    # Dropout masks come from the default generator: seeded as the harness
    # seeded it, the reference draws the same ones as long as both run the
    # same random operations in the same order.
    torch.manual_seed(meta["forward_seed"])
    outputs = runnable.call(inputs)
    if list(outputs) != meta["outputs"]:
        report.fail(f"outputs {list(outputs)} vs C++ {meta['outputs']}")
        return
    loss = None
    for name, out in outputs.items():
        report.compare(f"output {name}", tensors.get("output." + name), out)
        cotangent = tensors.get("cotangent." + name)
        if out.requires_grad and cotangent is not None:
            term = (out * cotangent).sum()
            loss = term if loss is None else loss + term
    if loss is not None:
        loss.backward()
    # A gradient on one side only is a failure (compare() reports which).
    for name, p in module.named_parameters():
        if p.grad is not None or "grad.param." + name in tensors:
            report.compare(f"grad {name}", tensors.get("grad.param." + name), p.grad)
    for name, t in inputs.items():
        if t.requires_grad:
            report.compare(f"grad input {name}", tensors.get("grad.input." + name), t.grad)


def check_init_case(meta, tensors, report):
    if meta["kind"] == "trunc_normal":
        torch.manual_seed(meta["seed"])
        expected = torch.nn.init.trunc_normal_(torch.empty(meta["shape"]), meta["mean"], meta["std"], meta["a"],
                                               meta["b"])
        report.compare("trunc_normal_ values", tensors.get("value"), expected)
        return
    config = meta["config"]
    # Parameters the scheme leaves alone keep their constructor init, which
    # matches LibTorch's when the model is built from the same seed.
    torch.manual_seed(meta["build_seed"])
    model = build_causal_lm(config)
    names = [n for n, _ in model.named_parameters()]
    if names != meta["params"]:
        report.fail(f"parameter names/order differ: C++ {meta['params']} vs reference {names}")
        return
    layers, d_model = config["num_hidden_layers"], config["input_encoder"]["d_model"]
    torch.manual_seed(meta["init_seed"])
    scheme = meta["scheme"]
    if scheme == "simple":
        inits.simple_weight_init(model)
    elif scheme == "llama":
        inits.init_by_regex(model, inits.llama_rules(layers, d_model))
    elif scheme == "deepnet":
        inits.init_by_regex(model, inits.deepnet_rules(models.deepnet_beta(layers, 0), d_model))
    elif scheme == "hf_llama":
        inits.hf_llama_weight_init(model)
    else:
        raise ValueError(f"unknown init scheme {scheme}")
    for name, p in model.named_parameters():
        report.compare(f"param {name}", tensors.get("param." + name), p)


def check_init_option_case(meta, tensors, report):
    """The init_weights option of CausalLM: the scheme runs in construction,
    so building the same config from the same seed must give the same
    parameters."""
    torch.manual_seed(meta["build_seed"])
    model = build_causal_lm(meta["config"])
    names = [n for n, _ in model.named_parameters()]
    if names != meta["params"]:
        report.fail(f"parameter names/order differ: C++ {meta['params']} vs reference {names}")
        return
    for name, p in model.named_parameters():
        report.compare(f"param {name}", tensors.get("param." + name), p)


def run_cases(argv, label, checkers, doc):
    """Checks every case file of the directory argv[1] with the checker its
    kind names (checkers: kind -> function(meta, tensors, report)); prints a
    line per case and "<label>: N cases, M comparisons, K failed, max error
    E". Returns the exit status: 1 if a case failed or there were none, 2
    (after the usage line of the script's docstring `doc`) on bad arguments."""
    if len(argv) != 2:
        print(doc.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    directory = argv[1]
    files = sorted(f for f in os.listdir(directory) if f.endswith(".safetensors"))
    cases = comparisons = failed_cases = 0
    worst = 0.0
    for file in files:
        tensors, metadata = load(os.path.join(directory, file))
        meta = json.loads(metadata["case"])
        report = Report()
        try:
            checker = checkers.get(meta["kind"])
            if checker is None:
                report.fail(f"unknown case kind {meta['kind']}")
            else:
                checker(meta, tensors, report)
        except Exception as e:  # a crash in one case should not hide the others
            report.fail(f"exception {type(e).__name__}: {e}")
        cases += 1
        comparisons += report.count
        worst = max(worst, report.max_error)
        if report.failures:
            failed_cases += 1
            print(f"FAIL {meta['name']}: " + "; ".join(report.failures[:5]))
        else:
            print(f"PASS {meta['name']} ({report.count} comparisons, max error {report.max_error:.2e})")
    print(f"{label}: {cases} cases, {comparisons} comparisons, {failed_cases} failed, max error {worst:.2e}")
    return 1 if failed_cases or cases == 0 else 0


def main(argv):
    return run_cases(argv, "models",
                     {"forward": check_forward_case, "init": check_init_case, "trunc_normal": check_init_case,
                      "init_option": check_init_option_case},
                     __doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
