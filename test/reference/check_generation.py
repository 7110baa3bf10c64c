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

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import check_models  # noqa: E402
import sampling  # noqa: E402


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
    return check_models.run_cases(argv, "generation", {"logits_processor": check_processor_case,
                                                       "generation": check_generation_case}, __doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
