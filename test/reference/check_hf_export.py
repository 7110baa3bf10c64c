#!/usr/bin/env python3
"""check_hf_export.py - compare fgcc's Hugging Face llama export with HF's forward.

    check_hf_export.py DIR

DIR holds the output of `fgcc-hf-export DIR`: one directory per case with
config.json and model.safetensors (the exported checkpoint) and
io.safetensors (the input ids and the logits fgcc's CausalLM computed), and
DIR/sharded/<case>/, the same weights as a two-shard checkpoint.

For each case this script checks the config (architectures, model_type and
the fields HF needs), that the checkpoint holds exactly the tensors HF's
model has, in the dtype config.json's torch_dtype names (float32, or
bfloat16 for a bfloat16 export, whose logits in io.safetensors come from
the float32 model with its weights rounded to bfloat16), runs HF's forward (hf_llama.py, in
float32 like from_pretrained(torch_dtype=float32)) on the exported
directory and requires, elementwise,

    |fgcc - hf| <= 1e-5 * max(1, |hf|)

as check_models.py does; the sharded checkpoint must load to the same
tensors. One line per case, then "hf-export: N cases, K failed, max error
E". Exit status 1 if anything failed.
"""

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_llama  # noqa: E402
import safetensors_io  # noqa: E402

TOLERANCE = 1e-5

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}

ARCHITECTURES = {"llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM", "qwen3": "Qwen3ForCausalLM"}
REQUIRED = ["architectures", "model_type", "hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads", "num_key_value_heads", "head_dim", "rms_norm_eps", "rope_theta",
            "max_position_embeddings", "vocab_size", "tie_word_embeddings", "hidden_act", "torch_dtype",
            "attention_bias"]


def expected_names(config):
    """The parameter names of HF's model for `config`."""
    names = {"model.embed_tokens.weight", "model.norm.weight"}
    if not config["tie_word_embeddings"]:
        names.add("lm_head.weight")
    per_layer = ["self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
                 "self_attn.o_proj.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight",
                 "input_layernorm.weight", "post_attention_layernorm.weight"]
    if config["model_type"] == "qwen3":
        per_layer += ["self_attn.q_norm.weight", "self_attn.k_norm.weight"]
    for i in range(config["num_hidden_layers"]):
        names.update(f"model.layers.{i}.{n}" for n in per_layer)
    return names


def check_case(root, name):
    """(failures, max error) of one case."""
    path = os.path.join(root, name)
    failures = []
    config, weights = hf_llama.load_pretrained(path)
    missing = [k for k in REQUIRED if k not in config]
    if missing:
        failures.append(f"config.json lacks {missing}")
    model_type = config.get("model_type")
    if config.get("architectures") != [ARCHITECTURES.get(model_type)]:
        failures.append(f"architectures {config.get('architectures')} for model_type {model_type}")
    if model_type == "mistral" and "sliding_window" not in config:
        failures.append("mistral config.json lacks sliding_window")
    expected = expected_names(config)
    if set(weights) != expected:
        failures.append(f"tensors: missing {sorted(expected - set(weights))}, extra {sorted(set(weights) - expected)}")
        return failures, float("inf")
    # Every tensor in the dtype config.json names (HF loads by it).
    dtype = DTYPES.get(config.get("torch_dtype"))
    if dtype is None:
        failures.append(f"torch_dtype {config.get('torch_dtype')!r} is not float32 or bfloat16")
    for n, t in weights.items():
        if t.dtype != dtype:
            failures.append(f"{n} is {t.dtype}, config says {config.get('torch_dtype')}")

    io, _ = safetensors_io.load(os.path.join(path, "io.safetensors"))
    with torch.no_grad():
        ref = hf_llama.forward(config, weights, io["input_ids"])
    got = io["logits"]
    if got.shape != ref.shape:
        failures.append(f"logits shape {tuple(got.shape)} vs {tuple(ref.shape)}")
        return failures, float("inf")
    error = ((got - ref).abs() / ref.abs().clamp(min=1.0)).max().item()
    if not error <= TOLERANCE:
        failures.append(f"logits differ: max error {error:.2e}")

    sharded = os.path.join(root, "sharded", name)
    if os.path.isdir(sharded):
        shards = hf_llama.load_weights(sharded)
        if set(shards) != set(weights) or any(not torch.equal(shards[k], weights[k]) for k in weights):
            failures.append("the sharded checkpoint holds other tensors")
    return failures, error


def main(argv):
    if len(argv) != 2:
        print("usage: check_hf_export.py DIR", file=sys.stderr)
        return 2
    root = argv[1]
    cases = sorted(d for d in os.listdir(root) if os.path.exists(os.path.join(root, d, "io.safetensors")))
    failed, worst = 0, 0.0
    for name in cases:
        try:
            failures, error = check_case(root, name)
        except Exception as e:  # a broken checkpoint is a failure of this case
            failures, error = [f"{type(e).__name__}: {e}"], float("inf")
        worst = max(worst, error)
        if failures:
            failed += 1
            print(f"FAIL {name}: " + "; ".join(failures[:5]))
        else:
            print(f"PASS {name} (max error {error:.2e})")
    print(f"hf-export: {len(cases)} cases, {failed} failed, max error {worst:.2e}")
    return 1 if failed or not cases else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
