#!/usr/bin/python3
# =====================================================================================================
# selftest.py -- checks the oracle (forgather_render.py) against spec §15.1 (cases_15_1.py)
#
# Run either way:
#   /usr/bin/python3 test/oracle/selftest.py [-v]
#   /usr/bin/python3 test/oracle/forgather_render.py --selftest [-v]
# Prints one line per failed check (all checks with -v) and ends with "N passed, N failed" counted in
# cases (a case passes when all its checks -- both comment modes, every input -- pass); exit 0 iff
# none failed.  Render cases go through the same run_cli() the command line uses, so the checked output
# includes the trailing newline and the "ERROR: Class: message" form.
# =====================================================================================================

import io
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import forgather_render  # noqa: E402
from cases_15_1 import BOTH, CASES  # noqa: E402


def write_files(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(text.encode("utf-8"))


def check_render(case, mode):
    """Returns (ok, detail) for one comment mode of one render case."""
    with tempfile.TemporaryDirectory(prefix="fgoracle-") as root:
        write_files(root, case["files"])
        argv = []
        if mode == "preserve":
            argv.append("--preserve-line-numbers")
        for d in case.get("defines", []):
            argv += ["-D", d]
        argv.append(os.path.join(root, case.get("config", "t.yaml")))
        out = io.StringIO()
        rc = forgather_render.run_cli(argv, out)
    got = out.getvalue()
    if "error" in case:
        cls, msg = case["error"]
        want, want_rc = "ERROR: %s: %s\n" % (cls, msg), 1
    else:
        expected = case["expected"]
        if isinstance(expected, dict):
            expected = expected[mode]
        want, want_rc = expected + "\n", 0
    if got == want and rc == want_rc:
        return True, ""
    return False, "rc %d (want %d)\n      got  %r\n      want %r" % (rc, want_rc, got, want)


def check_preprocess(source, expected, mode):
    if isinstance(expected, dict):
        expected = expected[mode]
    got = forgather_render.preprocess(source, preserve_line_numbers=(mode == "preserve"))
    if got == expected:
        return True, ""
    return False, "preprocess(%r)\n      got  %r\n      want %r" % (source, got, expected)


def run_case(case):
    """Yields (label, ok, detail) for every check a case makes."""
    kind = case["kind"]
    if kind == "render":
        for mode in case.get("modes", BOTH):
            ok, detail = check_render(case, mode)
            yield "%s [%s]" % (case["id"], mode), ok, detail
    elif kind == "preprocess":
        for i, (source, expected) in enumerate(case["inputs"]):
            for mode in case.get("modes", BOTH):
                ok, detail = check_preprocess(source, expected, mode)
                yield "%s #%d [%s]" % (case["id"], i + 1, mode), ok, detail
    elif kind == "split":
        got = forgather_render.split_templates(case["source"])
        ok = got == case["expected"]
        yield case["id"], ok, "" if ok else "got %r\n      want %r" % (got, case["expected"])
    else:
        raise ValueError("unknown case kind %r" % kind)


def main(argv=()):
    verbose = "-v" in argv
    # A case passes when every check it makes (each comment mode, each input) passes.
    passed = failed = checks = 0
    for case in CASES:
        case_ok = True
        for label, ok, detail in run_case(case):
            checks += 1
            if ok:
                if verbose:
                    print("PASS %s" % label)
            else:
                case_ok = False
                print("FAIL %s: %s" % (label, detail))
        if case_ok:
            passed += 1
        else:
            failed += 1
    print("(%d cases, %d checks)" % (len(CASES), checks))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
