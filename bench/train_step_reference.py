#!/usr/bin/env python3
"""train_step_reference.py - one training step of the tiny llama, PyTorch eager.

The Python half of bench/bench_train_step.sh: the same model, batch, optimizer
and output as bench/bench_train_step.cpp, built from the PyTorch reference in
test/reference/models.py (imported through sys.path):

  d_model 256, 4 PreLN layers, 4 heads (d_head 64), RoPE theta 1e4,
  RMSNorm eps 1e-5, SwiGLU hidden 768, vocab 2000, untied head, no dropout,
  batch 8 x sequence 256, AdamW lr 1e-3 weight decay 0.01 (torch.optim.AdamW,
  which in 1.13 runs the single-tensor loop unless foreach=True).

One deviation from the reference: models.causal_mask builds the mask with a
Python loop per (batch, query, key) entry, a test oracle that would take
seconds per forward here. It is replaced by a vectorised version with the
same result (checked against the loop at start-up on a small shape), so that
both sides compute the mask with a few tensor ops on every forward.

  train_step_reference.py [--dtype float32|bfloat16] [--steps N] [--warmup N]
                          [--threads N] [--seed N] [--trace FILE]

Run it with /usr/bin/python3 (Debian's python3-torch 1.13, the same libtorch
as the C++ side). The last line printed is `tokens_per_s=<n>`.
"""

import argparse
import os
import statistics
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "reference"))

import inits  # noqa: E402
import models  # noqa: E402

D_MODEL, LAYERS, HEADS, FEEDFORWARD, VOCAB = 256, 4, 4, 768, 2000
BATCH, SEQ_LEN = 8, 256
ROPE_THETA, NORM_EPS, LR, WEIGHT_DECAY = 10000.0, 1e-5, 1e-3, 0.01

_loop_causal_mask = models.causal_mask


def vectorized_causal_mask(batch_size, seq_len, sliding_window=None, padding_mask=None, position_ids=None,
                           dtype=torch.float32):
    """models.causal_mask without the Python loops (the same additive [B, 1, T, T] mask)."""
    query = torch.arange(seq_len).view(seq_len, 1)
    key = torch.arange(seq_len).view(1, seq_len)
    allowed = (key <= query).unsqueeze(0).expand(batch_size, seq_len, seq_len)
    if sliding_window is not None:
        allowed = allowed & (query - key < sliding_window).unsqueeze(0)
    if padding_mask is not None:
        allowed = allowed & (padding_mask != 0).unsqueeze(1)
    if position_ids is not None:
        step = position_ids[:, 1:] - position_ids[:, :-1]
        docs = torch.cat([torch.zeros_like(position_ids[:, :1]), (step != 1).long()], 1).cumsum(1)
        allowed = allowed & (docs.unsqueeze(2) == docs.unsqueeze(1))
    mask = torch.zeros(batch_size, 1, seq_len, seq_len, dtype=dtype)
    return mask.masked_fill(~allowed.unsqueeze(1), torch.finfo(dtype).min)


def check_vectorized_mask():
    for dtype in (torch.float32, torch.bfloat16):
        expected = _loop_causal_mask(2, 12, dtype=dtype)
        actual = vectorized_causal_mask(2, 12, dtype=dtype)
        assert torch.equal(expected, actual), "vectorised causal mask differs from models.causal_mask"


def build_tiny_llama():
    rope = models.RotaryPE(D_MODEL, HEADS, rope_theta=ROPE_THETA)  # one, shared by all layers

    def norm():
        return models.RMSNorm(D_MODEL, eps=NORM_EPS)

    def feedforward():
        return models.GLUFeedforwardLayer(D_MODEL, FEEDFORWARD, activation="silu", dropout=0.0)

    def attention():
        return models.CausalMultiheadAttn(D_MODEL, HEADS, dropout=0.0, pos_encoder=rope)

    def layer():
        return models.PreLNLayer(feedforward, attention, norm, dropout=0.0, residual_dropout=0.0)

    stack = models.LayerStack(layer, LAYERS, post_norm_factory=norm)
    encoder = models.InputEncoder(D_MODEL, VOCAB, dropout=0.0)
    return models.CausalLM(encoder, stack, tie_word_embeddings=False)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trace", help="write a Chrome trace of the measured steps (legacy autograd profiler)")
    parser.add_argument("--show-config", action="store_true", help="print torch.__config__.show()")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.warmup < 0 or args.threads < 1:
        parser.error("--steps and --threads must be positive, --warmup not negative")

    torch.set_num_threads(args.threads)
    if args.show_config:
        print(torch.__config__.show())
    check_vectorized_mask()
    models.causal_mask = vectorized_causal_mask
    dtype = torch.bfloat16 if args.dtype == "bfloat16" else torch.float32

    # Same weights as the C++ side: default inits, then the llama map over
    # the whole model from the seed, then the cast.
    model = build_tiny_llama()
    torch.manual_seed(args.seed)
    inits.init_by_regex(model, inits.llama_rules(LAYERS, D_MODEL))
    model.to(dtype)
    model.train()
    n_params = sum(p.numel() for p in model.parameters())

    input_ids = torch.randint(VOCAB, (BATCH, SEQ_LEN), dtype=torch.long)
    labels = input_ids.clone()
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)

    step_ms, forward_ms, backward_ms, optimizer_ms = [], [], [], []
    first_loss = last_loss = 0.0
    profile = None
    for step in range(args.warmup + args.steps):
        measured = step >= args.warmup
        if measured and step == args.warmup and args.trace:
            profile = torch.autograd.profiler.profile(use_kineto=False)
            profile.__enter__()
        t0 = time.perf_counter()
        loss = models.causal_loss(model(input_ids), labels)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        t3 = time.perf_counter()
        loss_value = loss.item()
        if step == 0:
            first_loss = loss_value
        last_loss = loss_value
        if measured:
            forward_ms.append((t1 - t0) * 1e3)
            backward_ms.append((t2 - t1) * 1e3)
            optimizer_ms.append((t3 - t2) * 1e3)
            step_ms.append((t3 - t0) * 1e3)
    if profile is not None:
        profile.__exit__(None, None, None)
        profile.export_chrome_trace(args.trace)

    med = statistics.median
    print(f"impl=pytorch dtype={args.dtype} threads={torch.get_num_threads()} batch={BATCH} seq={SEQ_LEN} "
          f"params={n_params} steps={args.steps} warmup={args.warmup}")
    print(f"step_ms median={med(step_ms):.2f} min={min(step_ms):.2f} max={max(step_ms):.2f}")
    print(f"phase_ms_median forward={med(forward_ms):.2f} backward={med(backward_ms):.2f} "
          f"optimizer={med(optimizer_ms):.2f}")
    print(f"loss first={first_loss:.6f} last={last_loss:.6f}")
    print(f"tokens_per_s={BATCH * SEQ_LEN * args.steps / (sum(step_ms) / 1e3):.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
