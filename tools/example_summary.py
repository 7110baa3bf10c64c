#!/usr/bin/env python3
"""Prints the Markdown table an example README quotes, one row per run.

    tools/example_summary.py [--against CONTROL_DIR] OUTPUT_DIR...

Each OUTPUT_DIR is a training output directory; its newest
runs/*/trainer_logs.json is read. Columns: the run, its last logged step,
the train loss there (mean of the last three logged losses, which smooths
the batch-to-batch noise), the last eval loss, the median tokens per second
over the logged intervals (the first one, which includes warm-up, left out)
and the wall time of training.

With --against, one more column: the largest difference between a run's
train loss and the control's at the steps both logged, over every run the
output directories hold (a resumed run continues its first run's log), so
"0" means the two trained identically as far as the logs show.
"""
import glob
import json
import os
import statistics
import sys


def run_logs(output_dir):
    """The runs/*/trainer_logs.json of an output directory, oldest first."""
    logs = sorted(glob.glob(os.path.join(output_dir, "runs", "*", "trainer_logs.json")), key=os.path.getmtime)
    if not logs:
        sys.exit(f"example_summary: error: no runs/*/trainer_logs.json under {output_dir}")
    return logs


def newest_log(output_dir):
    return run_logs(output_dir)[-1]


def losses_by_step(output_dir):
    """Train loss per logged step over all runs of an output directory,
    oldest run first, so a resumed run's records follow its first run's."""
    losses = {}
    for log in run_logs(output_dir):
        with open(log) as f:
            for r in json.load(f):
                if "loss" in r:
                    losses[r["global_step"]] = r["loss"]
    return losses


def max_difference(output_dir, control_dir):
    mine, control = losses_by_step(output_dir), losses_by_step(control_dir)
    common = sorted(set(mine) & set(control))
    if not common:
        return None
    return max(abs(mine[k] - control[k]) for k in common), len(common)


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
    args = sys.argv[1:]
    control = None
    if args[:1] == ["--against"] and len(args) >= 2:
        control, args = args[1], args[2:]
    if not args:
        sys.exit(__doc__)
    header = "| run | steps | train loss | eval loss | tokens/s | train time (s) |"
    rule = "|---|---:|---:|---:|---:|---:|"
    if control:
        header += f" max loss difference vs {os.path.basename(os.path.normpath(control))} |"
        rule += "---:|"
    print(header)
    print(rule)
    for d in args:
        s = summarize(d)
        row = (f"| {s['run']} | {s['step']} | {s['loss']:.3f} | {s['eval']:.3f} | "
               f"{s['tokens_per_second']:.0f} | {s['runtime']:.0f} |")
        if control:
            diff = max_difference(d, control)
            row += " no common steps |" if diff is None else f" {diff[0]:.2g} ({diff[1]} steps) |"
        print(row)


if __name__ == "__main__":
    main()
