#!/usr/bin/python3
# exit-status.py STATUS COMMAND... -- runs COMMAND (its output passes through) and succeeds only if
# it exits with exactly STATUS. `not` accepts any nonzero status; the driver tests need to tell a
# usage error (2) from a compile error (1).
import subprocess
import sys

want = int(sys.argv[1])
got = subprocess.call(sys.argv[2:])
if got != want:
    sys.stdout.flush()
    print("exit-status.py: expected exit status %d, got %d" % (want, got), file=sys.stderr)
    sys.exit(1)
