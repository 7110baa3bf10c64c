#!/usr/bin/python3
# limit.py MIB SECONDS COMMAND... -- runs COMMAND (its output passes through) with its address
# space limited to MIB MiB and its CPU time to SECONDS, and exits with its status (128 + signal
# number if it was killed). For tests of inputs that could make fgcc grow without bound: a
# regression fails the test instead of exhausting the machine.
import resource
import subprocess
import sys

mib, seconds = int(sys.argv[1]), int(sys.argv[2])


def limit():
    resource.setrlimit(resource.RLIMIT_AS, (mib << 20, mib << 20))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))


status = subprocess.call(sys.argv[3:], preexec_fn=limit)
sys.exit(128 - status if status < 0 else status)
