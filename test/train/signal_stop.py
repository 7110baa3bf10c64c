#!/usr/bin/env python3
"""signal_stop.py - stop a training run with a signal once it is training.

    signal_stop.py SIGNAL STEP PROGRAM [ARGS...]

Runs PROGRAM, echoes its output, sends SIGNAL (TERM or INT) as soon as it
logs the training loss of step STEP (so the signal lands mid-training, not
during setup), and prints `exit status N` when it ends.
"""
import re
import signal
import subprocess
import sys


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    sig = getattr(signal, "SIG" + sys.argv[1])
    step = int(sys.argv[2])
    run = subprocess.Popen(sys.argv[3:], stdout=subprocess.PIPE, text=True)
    sent = False
    for line in run.stdout:
        sys.stdout.write(line)
        m = re.search(r"\s(\d+)\s+\S+\s+train-loss:", line)
        if not sent and m and int(m.group(1)) >= step:
            run.send_signal(sig)
            sent = True
    status = run.wait()
    # A program that ends by the signal itself shows as -N; report 128 + N
    # as a shell would.
    print(f"exit status {128 - status if status < 0 else status}")
    return 0 if sent else 1


if __name__ == "__main__":
    sys.exit(main())
