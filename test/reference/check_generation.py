#!/usr/bin/env python3
"""check_generation.py - compare fgcc's generation code with the reference.

    check_generation.py DIR

DIR holds the files of `fgcc-models-harness generation DIR` (layout in
test/models/generation_cases.cpp). Two kinds of case:

  logits_processor  the reference processors (sampling.py) recompute the
                    C++ output from the same scores and ids; the scores must
                    agree, the filtered (-inf) entries exactly
  generation        the preset model is rebuilt with models.py and the C++
                    weights, and sampling.generate runs the same prompt
                    (a full forward per step, no cache): the token sequences
                    must be equal and each step's logits agree

Agreement is check_models.py's: |a - b| <= 1e-5 * max(1, |b|) elementwise,
non-finite entries in the same places, integer and boolean tensors equal.
One line per case, then "generation: N cases, M comparisons, K failed, max
error E". Exit status 1 if anything failed.
"""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import check_models  # noqa: E402
import sampling  # noqa: E402
from safetensors_io import load  # noqa: E402


def check_processor_case(meta, tensors, report):
    scores, ids = tensors["input.scores"], tensors["input.input_ids"]
    params = meta["params"]
    processor = params["processor"]
    keep = params.get("min_tokens_to_keep", 1)
    if processor == "repetition_penalty":
        expected = sampling.repetition_penalty(scores, ids, params["penalty"])
    elif processor == "temperature":
        expected = sampling.temperature(scores, params["temperature"])
    elif processor == "top_k":
        expected = sampling.top_k(scores, params["top_k"], keep)
    elif processor == "top_p":
        expected = sampling.top_p(scores, params["top_p"], keep)
    elif processor == "pipeline":
        expected = sampling.process(scores, ids, params["options"])
    else:
        raise ValueError(f"unknown processor {processor}")
    report.compare("scores", tensors.get("output.scores"), expected)
    if "output.kept" in tensors:
        report.compare("kept", tensors["output.kept"], torch.isfinite(expected))
    if processor == "pipeline":
        report.compare("probs", tensors.get("output.probs"), torch.softmax(expected, -1))
        if not params["options"].get("do_sample", False):
            report.compare("next", tensors.get("output.next"), expected.argmax(-1))


def check_generation_case(meta, tensors, report):
    model = check_models.build_causal_lm(meta["config"])
    names = [n for n, _ in model.named_parameters()]
    if names != meta["params"]:
        report.fail(f"parameter names/order differ: C++ {meta['params']} vs reference {names}")
        return
    for name, value in model.named_buffers():
        report.compare(f"buffer {name}", tensors.get("buffer." + name), value)
    state = {**check_models.select(tensors, "param."), **check_models.select(tensors, "buffer.")}
    model.load_state_dict(state, strict=True)
    model.eval()
    sequences, logits = sampling.generate(model, tensors["input.input_ids"], tensors.get("input.attention_mask"),
                                          meta["options"])
    report.compare("sequences", tensors.get("output.sequences"), sequences)
    report.compare("logits", tensors.get("output.logits"), torch.stack(logits))


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    directory = argv[1]
    files = sorted(f for f in os.listdir(directory) if f.endswith(".safetensors"))
    cases = comparisons = failed_cases = 0
    worst = 0.0
    for file in files:
        tensors, metadata = load(os.path.join(directory, file))
        meta = json.loads(metadata["case"])
        report = check_models.Report()
        try:
            if meta["kind"] == "logits_processor":
                check_processor_case(meta, tensors, report)
            elif meta["kind"] == "generation":
                check_generation_case(meta, tensors, report)
            else:
                report.fail(f"unknown case kind {meta['kind']}")
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
    print(f"generation: {cases} cases, {comparisons} comparisons, {failed_cases} failed, max error {worst:.2e}")
    return 1 if failed_cases or cases == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
