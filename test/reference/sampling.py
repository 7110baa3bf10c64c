"""sampling.py - reference logits processors and generation loop.

Written from the documented semantics of Hugging Face's logits processors
and GenerationMixin (greedy search and multinomial sampling), independently
of the C++ code in stdlib-templates/modelsrc/generation.cpp. Where HF's code
is vectorised over sorted rows, these walk each row in plain Python, in
float64, so that they check the C++ formulation rather than repeat it.

  repetition_penalty   every token present in the sequence (prompt included,
                       counted once however often it occurs): score / penalty
                       if score > 0, score * penalty otherwise
  temperature          score / temperature
  top_k                keep the tokens whose score is at least the k-th
                       largest (ties kept), k = min(max(k, min_keep), V)
  top_p                keep the smallest set of most likely tokens whose
                       probability reaches top_p: a token is kept while the
                       tokens more likely than it sum to less than top_p,
                       and the min_keep most likely always
  generate             HF's loop without a cache: a full forward per step,
                       the last position's logits in float32, the processors
                       (warpers only when sampling), argmax or
                       torch.multinomial, eos/pad handling
"""

import torch

NEG_INF = float("-inf")


def repetition_penalty(scores, input_ids, penalty):
    out = scores.clone()
    for b in range(scores.shape[0]):
        for token in set(input_ids[b].tolist()):
            s = scores[b, token].item()
            out[b, token] = s * penalty if s < 0 else s / penalty
    return out


def temperature(scores, t):
    return scores / t


def top_k(scores, k, min_tokens_to_keep=1):
    vocab = scores.shape[-1]
    k = min(max(k, min_tokens_to_keep), vocab)
    out = scores.clone()
    for b in range(scores.shape[0]):
        row = scores[b].tolist()
        threshold = sorted(row, reverse=True)[k - 1]
        for v in range(vocab):
            if row[v] < threshold:
                out[b, v] = NEG_INF
    return out


def top_p(scores, p, min_tokens_to_keep=1):
    vocab = scores.shape[-1]
    out = scores.clone()
    for b in range(scores.shape[0]):
        row = scores[b].double()
        probs = torch.softmax(row, -1).tolist()
        # Most likely first. Where the cut falls inside a run of equal
        # scores, which of them stay depends on the sort (HF's too): the
        # test inputs have no such ties.
        order = sorted(range(vocab), key=lambda v: -row[v].item())
        more_likely = 0.0
        for rank, v in enumerate(order):
            keep = more_likely < p or rank < min_tokens_to_keep
            if not keep:
                out[b, v] = NEG_INF
            more_likely += probs[v]
    return out


def process(scores, input_ids, options):
    """The processors GenerationOptions asks for, in HF's order."""
    out = scores
    if options.get("repetition_penalty", 1.0) != 1.0:
        out = repetition_penalty(out, input_ids, options["repetition_penalty"])
    if not options.get("do_sample", False):
        return out
    keep = options.get("min_tokens_to_keep", 1)
    if options.get("temperature", 1.0) != 1.0:
        out = temperature(out, options["temperature"])
    if options.get("top_k", 0) != 0:
        out = top_k(out, options["top_k"], keep)
    if options.get("top_p", 1.0) < 1.0:
        out = top_p(out, options["top_p"], keep)
    return out


def padded_positions(mask):
    """HF's position ids of a left-padded batch: real tokens count from 0,
    padding gets 1."""
    return (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)


@torch.no_grad()
def generate(model, input_ids, attention_mask, options):
    """Returns (sequences, [raw logits of each step])."""
    sequences = input_ids.clone()
    mask = attention_mask
    eos = options.get("eos_token_id")
    pad = options.get("pad_token_id")
    if pad is None:
        pad = eos if eos is not None else 0
    generator = None
    if options.get("seed") is not None:
        generator = torch.Generator().manual_seed(options["seed"])
    unfinished = torch.ones(sequences.shape[0], dtype=torch.bool)
    step_logits = []
    for _ in range(options.get("max_new_tokens", 20)):
        positions = None if mask is None else padded_positions(mask)
        logits = model(sequences, mask, positions)[:, -1].float()
        step_logits.append(logits)
        scores = process(logits, sequences, options)
        if options.get("do_sample", False):
            probs = torch.softmax(scores, -1)
            next_tokens = torch.multinomial(probs, 1, generator=generator)[:, 0]
        else:
            next_tokens = scores.argmax(-1)
        if eos is not None:
            next_tokens = torch.where(unfinished, next_tokens, torch.full_like(next_tokens, pad))
        sequences = torch.cat([sequences, next_tokens[:, None]], 1)
        if mask is not None:
            mask = torch.cat([mask, torch.ones_like(mask[:, :1])], 1)
        if eos is not None:
            unfinished &= next_tokens != eos
            if not unfinished.any():
                break
    return sequences, step_logits

