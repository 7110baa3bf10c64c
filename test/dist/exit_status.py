#!/usr/bin/env python3
"""exit_status.py PROGRAM [ARGS...] - runs PROGRAM (its output passes
through) and prints `status N`, N its exit status (128 + signal if killed);
exits 0, so a lit RUN line can check the status with FileCheck."""
import subprocess
import sys

status = subprocess.run(sys.argv[1:]).returncode
sys.stdout.flush()
print(f"status {128 - status if status < 0 else status}")
