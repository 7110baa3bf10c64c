#!/usr/bin/env python3
"""kill_resume.py - kill -9 a training run at random moments, then resume.

    kill_resume.py TRAIN --work DIR [--trials 20] [--seed 1]

Each trial starts TRAIN saving a checkpoint after every step (so most kills
land inside a checkpoint write), sends SIGKILL after a random delay, and then
resumes with `--resume latest`. The trial passes when the resumed run starts
from the newest complete checkpoint on disk (the newest `checkpoint-<step>`
with an index; `.tmp` and `.deleting` directories are interrupted writes and
removals) and trains on to its end. Prints one line per trial and a summary,
`KILL RESUME OK <n> trials (<k> during a checkpoint write)`, or the failures.
"""
import argparse
import os
import random
import re
import signal
import subprocess
import sys
import time

RUN_ARGS = ["--batch-size", "2", "--seq-len", "32", "--logging-steps", "1", "--eval-steps", "0", "--threads", "1"]


def complete_steps(output_dir):
    root = os.path.join(output_dir, "checkpoints")
    if not os.path.isdir(root):
        return []
    steps = []
    for name in os.listdir(root):
        m = re.fullmatch(r"checkpoint-(\d+)", name)
        if m and os.path.exists(os.path.join(root, name, "model.safetensors.index.json")):
            steps.append(int(m.group(1)))
    return sorted(steps)


def interrupted_write(output_dir):
    root = os.path.join(output_dir, "checkpoints")
    return os.path.isdir(root) and any(n.endswith((".tmp", ".deleting")) for n in os.listdir(root))


def trial(train, work, index, delay):
    out = os.path.join(work, f"trial-{index}")
    run = subprocess.Popen([train, "--output-dir", out, "--max-steps", "100000", "--save-steps", "1"] + RUN_ARGS,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    run.send_signal(signal.SIGKILL)
    run.wait()
    during_write = interrupted_write(out)
    steps = complete_steps(out)
    latest = steps[-1] if steps else 0
    resumed = subprocess.run([train, "--output-dir", out, "--resume", "latest", "--max-steps", str(latest + 2),
                              "--save-steps", "0"] + RUN_ARGS, capture_output=True, text=True)
    problems = []
    if resumed.returncode != 0:
        problems.append(f"resume exited with {resumed.returncode}: {resumed.stderr.strip()[-400:]}")
    if latest and not re.search(rf"resumed at step: +{latest}\n", resumed.stdout):
        problems.append(f"did not resume at step {latest}")
    if not problems and complete_steps(out)[-1:] != [latest + 2]:
        problems.append(f"no final checkpoint at step {latest + 2}")
    state = "during a checkpoint write" if during_write else "between writes"
    print(f"trial {index}: killed after {delay:.2f} s {state}, newest complete checkpoint {latest}: "
          + ("; ".join(problems) if problems else "resumed"))
    return not problems, during_write


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train")
    parser.add_argument("--work", required=True)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    rng = random.Random(args.seed)
    passed = during = 0
    for i in range(args.trials):
        ok, during_write = trial(args.train, args.work, i, rng.uniform(0.8, 2.5))
        passed += ok
        during += during_write
    if passed == args.trials:
        print(f"KILL RESUME OK {passed} trials ({during} during a checkpoint write)")
        return 0
    print(f"KILL RESUME FAILED {args.trials - passed} of {args.trials} trials")
    return 1


if __name__ == "__main__":
    sys.exit(main())
