#!/usr/bin/python3
# =====================================================================================================
# fake_fgcc.py -- stands in for `fgcc pp` by calling the oracle; used to test differential.py itself
#
#   fake_fgcc.py pp [--preserve-line-numbers] [-I DIR]... [-D NAME=VALUE]... CONFIG
#
# Same stdout as forgather_render.py on success (exit 0); on failure it moves the oracle's
# "ERROR: ..." line to stderr as "error: ..." and exits 1, which is the contract differential.py
# checks fgcc against.  `differential.py --fgcc test/oracle/fake_fgcc.py` must report 0 failures.
# =====================================================================================================
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import forgather_render  # noqa: E402

if len(sys.argv) < 2 or sys.argv[1] != "pp":
    sys.stderr.write("fake_fgcc.py: error: only the `pp` command is supported\n")
    sys.exit(2)
buf = io.StringIO()
rc = forgather_render.run_cli(sys.argv[2:], buf)
if rc == 0:
    sys.stdout.buffer.write(buf.getvalue().encode("utf-8"))
else:
    sys.stderr.write("t.yaml: error: " + buf.getvalue()[len("ERROR: "):])
sys.exit(rc)
