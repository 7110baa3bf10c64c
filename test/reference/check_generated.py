#!/usr/bin/env python3
"""check_generated.py - a generated model against its PyTorch reference.

    check_generated.py MODEL_DIR MODEL_SMOKE [--batch-size B] [--seq-len T] [--seed S] [--export-hf]
                       [--check-init]

MODEL_DIR is the `model/` directory fgcc generated for a config, and
MODEL_SMOKE its built `model_smoke` program. The C++ model initialises
itself and saves its weights; the reference (construct.py: models.py
components wired by the construction recorded in config.json) loads the
same weights, and both run the same token batch forward, take the
next-token loss and backpropagate it. Logits, the loss and the gradient of
every parameter must agree within

    |a - b| <= 1e-5 * max(1, |b|)

in float32 (check_models.py's tolerance). With --export-hf (llama-family
models), model_smoke also exports the weights as a Hugging Face checkpoint,
and Hugging Face's forward (hf_llama.py) on that checkpoint must give the
same logits, within the same tolerance. With --check-init, the weights the
C++ model initialised itself with from seed S must also equal those of the
reference built from the same seed (constructor inits plus the config's
init_weights scheme, drawn in the same order). Prints one line per failure and
a summary "generated model NAME: P parameters, N comparisons, K failed,
max error E"; exit status 1 if anything failed.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import construct  # noqa: E402
import hf_llama  # noqa: E402
import models  # noqa: E402
from check_models import Report  # noqa: E402
from safetensors_io import load, save  # noqa: E402


def run(smoke, *args):
    result = subprocess.run([smoke, *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{smoke} {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("smoke")
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--seq-len", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--export-hf", action="store_true")
    parser.add_argument("--check-init", action="store_true")
    opts = parser.parse_args()
    with open(os.path.join(opts.model_dir, "config.json")) as f:
        config = json.load(f)
    torch.manual_seed(opts.seed)

    with tempfile.TemporaryDirectory() as tmp:
        weights, inputs, outputs = (os.path.join(tmp, n + ".safetensors") for n in ("weights", "inputs", "outputs"))
        run(opts.smoke, "--seed", str(opts.seed), "--save-weights", weights)
        vocab = config["vocab_size"]
        input_ids = torch.randint(vocab, (opts.batch_size, opts.seq_len), dtype=torch.long)
        save(inputs, {"input_ids": input_ids})
        run(opts.smoke, "--weights", weights, "--inputs", inputs, "--outputs", outputs)
        cpp_weights, _ = load(weights)
        cpp, _ = load(outputs)
        hf_logits = None
        if opts.export_hf:
            hf_dir = os.path.join(tmp, "hf")
            run(opts.smoke, "--weights", weights, "--export-hf", hf_dir)
            hf_config, hf_weights = hf_llama.load_pretrained(hf_dir)
            hf_logits = hf_llama.forward(hf_config, hf_weights, input_ids)

    report = Report()
    if opts.check_init:
        # model_smoke seeds, then builds: so does the reference.
        torch.manual_seed(opts.seed)
        for name, p in construct.build_model(config).named_parameters():
            report.compare(f"init {name}", cpp_weights.get(name), p)
    model = construct.build_model(config)
    params = dict(model.named_parameters())
    # The same parameters by name, both ways: a missing or extra one is a
    # wiring difference the value checks below could not see.
    for name in sorted(set(params) ^ set(cpp_weights)):
        report.fail(f"parameter {name}: {'only in C++' if name in cpp_weights else 'only in the reference'}")
    with torch.no_grad():
        for name, p in params.items():
            if name in cpp_weights:
                p.copy_(cpp_weights[name])
    logits = model(input_ids)
    loss = models.causal_loss(logits, input_ids)
    loss.backward()
    report.compare("logits", cpp.get("logits"), logits)
    report.compare("loss", cpp.get("loss"), loss)
    for name, p in params.items():
        report.compare(f"grad.{name}", cpp.get(f"grad.{name}"), p.grad)
    if opts.export_hf:
        report.compare("hf logits", cpp.get("logits"), hf_logits)

    for failure in report.failures:
        print(f"FAIL {failure}")
    count = sum(p.numel() for p in params.values())
    print(f"generated model {config['config']}: {count} parameters, {report.count} comparisons, "
          f"{len(report.failures)} failed, max error {report.max_error:.3g}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
