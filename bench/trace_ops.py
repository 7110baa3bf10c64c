#!/usr/bin/env python3
"""trace_ops.py - per-op time of two Chrome traces side by side.

Reads the traces that `bench_train_step --trace A.json` and
`train_step_reference.py --trace B.json` write (legacy autograd profiler,
measured steps only) and prints, for every op name, the self time (the time
of the op minus that of the ops nested in it, per thread) and the call count
of each, per step, sorted by the larger self time:

  trace_ops.py A.json B.json --steps N [--top 40] [--labels C++ PyTorch]

Self times add up to the time spent inside profiled ops; the rest of a step
(Python, the autograd engine's bookkeeping, the optimizer's C++ loop) is in
no op and shows up only as the difference to the measured step time.
"""

import argparse
import collections
import json
import sys


def self_times(path):
    with open(path) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    by_thread = collections.defaultdict(list)
    for e in events:
        if e.get("ph") == "X" and "dur" in e:
            by_thread[e.get("tid")].append((float(e["ts"]), float(e["dur"]), e["name"]))
    total = collections.defaultdict(float)
    count = collections.Counter()
    for evs in by_thread.values():
        # Parents before children: by start, longer first on ties.
        evs.sort(key=lambda x: (x[0], -x[1]))
        stack = []  # [end, name, child_time]

        def close(entry):
            end, name, child, dur = entry
            total[name] += dur - child

        for ts, dur, name in evs:
            while stack and stack[-1][0] <= ts:
                close(stack.pop())
            if stack:
                stack[-1][2] += dur
            stack.append([ts + dur, name, 0.0, dur])
            count[name] += 1
        while stack:
            close(stack.pop())
    return total, count


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--steps", type=int, required=True, help="measured steps in each trace")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--labels", nargs=2, default=["C++", "PyTorch"])
    args = parser.parse_args(argv)
    ta, ca = self_times(args.a)
    tb, cb = self_times(args.b)
    names = sorted(set(ta) | set(tb), key=lambda n: -max(ta.get(n, 0), tb.get(n, 0)))
    la, lb = args.labels
    print(f"| op | {la} ms/step | {la} calls/step | {lb} ms/step | {lb} calls/step |")
    print("|---|---:|---:|---:|---:|")
    s = args.steps
    for n in names[: args.top]:
        print(f"| {n} | {ta.get(n, 0) / 1e3 / s:.2f} | {ca.get(n, 0) / s:.0f} | "
              f"{tb.get(n, 0) / 1e3 / s:.2f} | {cb.get(n, 0) / s:.0f} |")
    print(f"| **all ops** | {sum(ta.values()) / 1e3 / s:.2f} | {sum(ca.values()) / s:.0f} | "
          f"{sum(tb.values()) / 1e3 / s:.2f} | {sum(cb.values()) / s:.0f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
