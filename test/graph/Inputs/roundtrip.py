#!/usr/bin/python3
"""Round trip of the fixed YAML dialect: `fgcc graph CONFIG` must read back to the same graph.

usage: roundtrip.py --fgcc FGCC --work DIR [--tests DIR]... [--configs DIR]...
                    [--known-failures FILE] [CONFIG]...

Configs come from three places:
  * --tests DIR: every lit test (*.test) under DIR is split like split-file does (`#--- name`
    parts) into WORK/<test name>/, and each part named *.yaml that loads without error
    (`fgcc graph --format json` exits 0 in that folder) is a config. Tests marked XFAIL are
    skipped: their inputs show known fgcc bugs, some of them round-trip bugs.
  * --configs DIR: every *.yaml file under DIR that loads without error (examples).
  * CONFIG: a file that must load.

For each config, `fgcc graph CONFIG` (the fixed dialect) is written to a file, that file is read
back with `fgcc graph --format json`, and the JSON graphs of the original and of the read-back are
compared in a canonical form: walk from the root, number the callables, vars and plain containers
in order of first visit, and compare kinds, values, call kinds, specs, explicit names, positional
and keyword arguments, captured submodule_searchpath / latent_args, var names and defaults, and
sharing (a second reference to a callable, var or container is written as a reference to its
number, so the two graphs must share the same nodes). Scalars compare by value (an alias of a
scalar is not sharing anyone can observe); node ids and locations are ignored. Generated names
(alpha_, ...) are anchors only, so only explicit @names are compared.

--known-failures FILE lists configs (by the label printed for them, one per line, `#` starts a
comment) that fail because of a known fgcc bug, each with the XFAIL test that covers the bug. Such a
config is reported as `XFAIL` and not counted as failed; if it passes, it is reported as `XPASS`
and counted as failed, so that the list is kept up to date when a bug is fixed.

The fixed dialect is also meant to be valid YAML 1.1: where PyYAML can be imported, the written
file must compose with PyYAML's SafeLoader (syntax, anchors and aliases; tags are not constructed).

Prints one line per failure and `N passed, N failed`; exits 1 if any failed. Every fgcc run is
limited in memory and time, so a runaway encoding is a failure, not a hung test.
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys

try:
    import yaml
except ImportError:  # the PyYAML check is skipped
    yaml = None

MEMORY_LIMIT = 2 << 30  # bytes of address space per fgcc run
TIME_LIMIT = 60  # seconds per fgcc run


def limit():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def fgcc(args, cwd):
    try:
        r = subprocess.run(args, cwd=cwd, capture_output=True, timeout=TIME_LIMIT, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        return None, "timed out after %d s" % TIME_LIMIT
    except OSError as e:
        return None, "cannot run %s: %s" % (args[0], e)
    if r.returncode != 0:
        err = r.stderr.decode("utf-8", "replace").strip().split("\n")
        return None, "exit status %d: %s" % (r.returncode, err[0] if err and err[0] else "(no message)")
    return r.stdout, None


SPLIT = re.compile(r"^(?:#|//)--- (\S+)\s*$")


def split_test(path, outdir):
    """split-file's rules: a line `#--- NAME` starts part NAME; text before the first is dropped."""
    parts = {}
    name = None
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            m = SPLIT.match(line.rstrip("\n"))
            if m:
                name = m.group(1)
                parts[name] = []
            elif name is not None:
                parts[name].append(line)
    written = []
    for name, lines in parts.items():
        dest = os.path.join(outdir, name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write("".join(lines))
        written.append(dest)
    return written


class Canon:
    """The canonical form of a `--format json` graph."""

    SHARED = ("call", "var", "list", "tuple", "dict")

    def __init__(self, doc):
        if doc.get("format") != "fgcc-graph":
            raise ValueError("not an fgcc-graph document")
        self.nodes = {n["id"]: n for n in doc["nodes"]}
        self.numbers = {}
        self.root = doc["root"]

    def form(self):
        # No document at all and a document that is just null are the same graph (None).
        return ("null", None) if self.root is None else self.value(self.root)

    def value(self, nid):
        n = self.nodes[nid]
        kind = n["kind"]
        if kind not in self.SHARED:
            if kind == "unsupported":
                return ("unsupported", n["type"], n["value"])
            return (kind, n.get("value"))
        if nid in self.numbers:
            return ("ref", self.numbers[nid])
        number = len(self.numbers)
        self.numbers[nid] = number
        if kind in ("list", "tuple"):
            return (kind, number, [self.value(i) for i in n["items"]])
        if kind == "dict":
            return (kind, number, [(self.value(k), self.value(v)) for k, v in n["entries"]])
        if kind == "var":
            default = self.value(n["default"]) if "default" in n else "<no default>"
            return ("var", number, n["name"], default)
        captured = [(key, self.value(n[key])) for key in ("submodule_searchpath", "latent_args") if key in n]
        return ("call", number, n["call"], n["spec"], n.get("name"),
                [self.value(a) for a in n["args"]],
                [(k, self.value(v)) for k, v in n["kwargs"]],
                captured)


def first_difference(a, b, path="root"):
    if type(a) is not type(b):
        return "%s: %r != %r" % (path, a, b)
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return "%s: %r != %r" % (path, a, b)
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r != %r" % (path, a, b)


def canonical(json_bytes):
    return Canon(json.loads(json_bytes)).form()


def check(tool, config, workdir, label):
    """None if the round trip holds, else the reason."""
    cwd = os.path.dirname(config) or "."
    original, err = fgcc([tool, "graph", "--format", "json", config], cwd)
    if err:
        return "original does not load: " + err
    fixed, err = fgcc([tool, "graph", config], cwd)
    if err:
        return "fixed dialect: " + err
    back = os.path.join(workdir, "roundtrip-out", re.sub(r"[^A-Za-z0-9_.-]", "_", label) + ".yaml")
    os.makedirs(os.path.dirname(back), exist_ok=True)
    with open(back, "wb") as f:
        f.write(fixed)
    if yaml is not None:
        try:
            yaml.compose(fixed.decode("utf-8"), Loader=yaml.SafeLoader)
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            return "fixed dialect %s is not valid YAML 1.1 for PyYAML: %s" % (back, " ".join(str(e).split()))
    reread, err = fgcc([tool, "graph", "--format", "json", back], os.path.dirname(back))
    if err:
        return "read-back of %s: %s" % (back, err)
    sys.setrecursionlimit(100000)
    diff = first_difference(canonical(original), canonical(reread))
    return None if diff is None else "graphs differ (%s): %s" % (back, diff)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fgcc", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--tests", action="append", default=[])
    ap.add_argument("--configs", action="append", default=[])
    ap.add_argument("--known-failures")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("config", nargs="*")
    args = ap.parse_args()
    args.work = os.path.abspath(args.work)
    args.tests = [os.path.abspath(d) for d in args.tests]
    args.configs = [os.path.abspath(d) for d in args.configs]
    os.makedirs(args.work, exist_ok=True)

    candidates = []  # (label, path, must_load)
    for tests in args.tests:
        for dirpath, dirnames, filenames in os.walk(tests):
            dirnames[:] = sorted(d for d in dirnames if d != "Inputs")
            for name in sorted(filenames):
                if not name.endswith(".test"):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    if re.search(r"^#\s*XFAIL:", f.read(), re.M):
                        continue
                rel = os.path.relpath(path, tests)
                outdir = os.path.join(args.work, os.path.basename(os.path.normpath(tests)), rel)
                for part in split_test(path, outdir):
                    if part.endswith(".yaml"):
                        candidates.append((os.path.relpath(part, args.work), part, False))
    for configs in args.configs:
        for dirpath, dirnames, filenames in os.walk(configs):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(".yaml"):
                    path = os.path.join(dirpath, name)
                    candidates.append((os.path.relpath(path, os.path.dirname(os.path.normpath(configs))), path, False))
    for path in args.config:
        candidates.append((path, os.path.abspath(path), True))

    known = set()
    if args.known_failures:
        with open(args.known_failures, encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    known.add(line)

    passed = failed = skipped = expected = 0
    for label, path, must_load in candidates:
        if not must_load:
            _, err = fgcc([args.fgcc, "graph", "--format", "json", path], os.path.dirname(path) or ".")
            if err:
                skipped += 1
                if args.verbose:
                    print("skipped (does not load): %s" % label)
                continue
        reason = check(args.fgcc, path, args.work, label)
        if reason and label in known:
            expected += 1
            print("XFAIL %s: %s" % (label, reason))
        elif reason:
            failed += 1
            print("FAIL %s: %s" % (label, reason))
        elif label in known:
            failed += 1
            print("XPASS %s: listed as a known failure but passes; remove it from %s" % (label, args.known_failures))
        else:
            passed += 1
            if args.verbose:
                print("ok %s" % label)
    print("%d passed, %d failed" % (passed, failed) + (" (%d known failures)" % expected if expected else ""))
    if args.verbose:
        print("%d skipped" % skipped)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
