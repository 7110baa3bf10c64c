#!/usr/bin/env python3
"""Checks on the output directory of a generated training program's run.

  check_run.py losses-fall RUN_DIR        the last logged loss is below the first
  check_run.py same-losses RUN_A RUN_B    every step both logged has the same loss
                                          (|a - b| <= 1e-6 * max(1, |a|)), and they
                                          share at least one step after the resume
  check_run.py same-weights CKPT_A CKPT_B TOL
                                          every tensor of two checkpoints' safetensors
                                          shards agrees within |a - b| <= TOL * max(1, |a|)
  check_run.py same-eval RUN_A RUN_B      every eval loss both logged agrees (1e-6 relative)
  check_run.py same-grad-norms RUN_A RUN_B
                                          every logged gradient norm agrees (1e-5 relative)
  check_run.py checkpoints RUN_DIR        prints the checkpoint directories' steps
  check_run.py losses RUN_DIR             prints step and loss of every train record

The records come from every runs/*/trainer_logs.json of the run (a resumed
run has one logging directory per start), which must each be valid JSON.
"""
import glob
import json
import os
import sys


def logged(run_dir, key):
    """global step -> the value of `key` in every record that has it."""
    values = {}
    files = sorted(glob.glob(os.path.join(run_dir, "runs", "*", "trainer_logs.json")))
    if not files:
        sys.exit("no trainer_logs.json below " + run_dir)
    for path in files:
        with open(path) as f:
            records = json.load(f)  # raises on invalid JSON
        for r in records:
            if key in r:
                values[r["global_step"]] = r[key]
    return values


def train_losses(run_dir):
    return logged(run_dir, "loss")


def eval_losses(run_dir):
    return logged(run_dir, "eval_loss")


def safetensors_tensors(checkpoint):
    """name -> list of floats of every tensor in a checkpoint's shards (F32
    and BF16; a minimal reader, so the test needs no safetensors package)."""
    import struct
    tensors = {}
    for shard in sorted(glob.glob(os.path.join(checkpoint, "*.safetensors"))):
        with open(shard, "rb") as f:
            data = f.read()
        (size,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8:8 + size])
        body = data[8 + size:]
        for name, info in header.items():
            if name == "__metadata__":
                continue
            begin, end = info["data_offsets"]
            raw = body[begin:end]
            if info["dtype"] == "F32":
                values = struct.unpack(f"<{len(raw) // 4}f", raw)
            elif info["dtype"] == "BF16":
                halves = struct.unpack(f"<{len(raw) // 2}H", raw)
                values = [struct.unpack("<f", struct.pack("<I", h << 16))[0] for h in halves]
            else:
                sys.exit(f"{shard}: {name}: dtype {info['dtype']} not compared")
            tensors[name] = values
    if not tensors:
        sys.exit("no safetensors shards in " + checkpoint)
    return tensors


def compare_by_step(a, b, label, what, tol=1e-6):
    """Prints the values of every step both runs logged and exits with an
    error unless they agree within 1e-6 relative (and share a step)."""
    common = sorted(set(a) & set(b))
    bad = [s for s in common if abs(a[s] - b[s]) > tol * max(1.0, abs(a[s]))]
    for s in common:
        print(f"{label} {s}: {a[s]:.6f} {b[s]:.6f}")
    if bad or not common:
        sys.exit(f"{what.lower()} differ at steps {bad}" if bad else f"no common {label}s")
    print(f"SAME {what} at {len(common)} steps")


def main():
    command, dirs = sys.argv[1], sys.argv[2:]
    if command == "losses-fall":
        losses = train_losses(dirs[0])
        steps = sorted(losses)
        first, last = losses[steps[0]], losses[steps[-1]]
        print(f"first loss {first:.4f} at step {steps[0]}, last {last:.4f} at step {steps[-1]}")
        if not last < first:
            sys.exit("the loss did not fall")
        print("LOSS FELL")
    elif command == "same-losses":
        compare_by_step(train_losses(dirs[0]), train_losses(dirs[1]), "step", "LOSSES")
    elif command == "same-grad-norms":
        compare_by_step(logged(dirs[0], "grad_norm"), logged(dirs[1], "grad_norm"), "step", "GRAD NORMS", 1e-5)
    elif command == "same-eval":
        compare_by_step(eval_losses(dirs[0]), eval_losses(dirs[1]), "eval step", "EVAL LOSSES")
    elif command == "same-weights":
        a, b, tol = safetensors_tensors(dirs[0]), safetensors_tensors(dirs[1]), float(dirs[2])
        if sorted(a) != sorted(b):
            sys.exit(f"different tensors: {sorted(set(a) ^ set(b))[:5]}")
        worst = 0.0
        for name in sorted(a):
            for x, y in zip(a[name], b[name]):
                worst = max(worst, abs(x - y) / max(1.0, abs(x)))
        print(f"{len(a)} tensors, largest relative difference {worst:.2e}")
        if worst > tol:
            sys.exit(f"weights differ by {worst:.2e} > {tol}")
        print("SAME WEIGHTS")
    elif command == "checkpoints":
        found = glob.glob(os.path.join(dirs[0], "checkpoints", "checkpoint-*"))
        for step in sorted(int(p.rsplit("-", 1)[1]) for p in found if not p.endswith(".tmp")):
            print(f"checkpoint {step}")
    elif command == "losses":
        for step, loss in sorted(train_losses(dirs[0]).items()):
            print(f"step {step} loss {loss:.6f}")
    else:
        sys.exit("unknown command " + command)


if __name__ == "__main__":
    main()
