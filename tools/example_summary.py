#!/usr/bin/env python3
"""Prints the Markdown table an example README quotes, one row per run.

    tools/example_summary.py OUTPUT_DIR...

Each OUTPUT_DIR is a training output directory; its newest
runs/*/trainer_logs.json is read. Columns: the run, its last logged step,
the train loss there (mean of the last three logged losses, which smooths
the batch-to-batch noise), the last eval loss, the median tokens per second
over the logged intervals (the first one, which includes warm-up, left out)
and the wall time of training.
"""
import glob
import json
import os
import statistics
import sys


def newest_log(output_dir):
    logs = sorted(glob.glob(os.path.join(output_dir, "runs", "*", "trainer_logs.json")), key=os.path.getmtime)
    if not logs:
        sys.exit(f"example_summary: error: no runs/*/trainer_logs.json under {output_dir}")
    return logs[-1]


def summarize(output_dir):
    with open(newest_log(output_dir)) as f:
        records = json.load(f)
    train = [r for r in records if "loss" in r]
    evals = [r for r in records if "eval_loss" in r]
    final = [r for r in records if "train_runtime" in r]
    rates = [r["tokens_per_second"] for r in train[1:] if "tokens_per_second" in r]
    return {
        "run": os.path.basename(os.path.normpath(output_dir)),
        "step": train[-1]["global_step"] if train else 0,
        "loss": statistics.mean(r["loss"] for r in train[-3:]) if train else float("nan"),
        "eval": evals[-1]["eval_loss"] if evals else float("nan"),
        "tokens_per_second": statistics.median(rates) if rates else float("nan"),
        "runtime": final[-1]["train_runtime"] if final else float("nan"),
    }


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print("| run | steps | train loss | eval loss | tokens/s | train time (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for d in sys.argv[1:]:
        s = summarize(d)
        print(f"| {s['run']} | {s['step']} | {s['loss']:.3f} | {s['eval']:.3f} | "
              f"{s['tokens_per_second']:.0f} | {s['runtime']:.0f} |")


if __name__ == "__main__":
    main()
