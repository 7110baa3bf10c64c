#!/usr/bin/env python3
"""Checks on the output directory of a generated training program's run.

  check_run.py losses-fall RUN_DIR        the last logged loss is below the first
  check_run.py same-losses RUN_A RUN_B    every step both logged has the same loss
                                          (|a - b| <= 1e-6 * max(1, |a|)), and they
                                          share at least one step after the resume
  check_run.py checkpoints RUN_DIR        prints the checkpoint directories' steps
  check_run.py losses RUN_DIR             prints step and loss of every train record

The records come from every runs/*/trainer_logs.json of the run (a resumed
run has one logging directory per start), which must each be valid JSON.
"""
import glob
import json
import os
import sys


def train_losses(run_dir):
    losses = {}
    files = sorted(glob.glob(os.path.join(run_dir, "runs", "*", "trainer_logs.json")))
    if not files:
        sys.exit("no trainer_logs.json below " + run_dir)
    for path in files:
        with open(path) as f:
            records = json.load(f)  # raises on invalid JSON
        for r in records:
            if "loss" in r:
                losses[r["global_step"]] = r["loss"]
    return losses


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
        a, b = train_losses(dirs[0]), train_losses(dirs[1])
        common = sorted(set(a) & set(b))
        bad = [s for s in common if abs(a[s] - b[s]) > 1e-6 * max(1.0, abs(a[s]))]
        for s in common:
            print(f"step {s}: {a[s]:.6f} {b[s]:.6f}")
        if bad or not common:
            sys.exit(f"losses differ at steps {bad}" if bad else "no common steps")
        print(f"SAME LOSSES at {len(common)} steps")
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
