#!/usr/bin/env python3
"""Golden generated trees: the projects fgcc emits for a few example configs,
checked in under test/golden/<name>/ and compared byte for byte.

    golden.py regen [--fgcc BIN]          rewrite every golden tree
    golden.py check NAME [--fgcc BIN] [--work DIR]
                                          emit NAME again and compare

Files the emitter writes itself (CMakeLists, model.cpp, train/main.cpp,
config snapshots, the manifest) are kept in full. Files it vendors verbatim
(the model components and the runtime) would only repeat the sources they
come from, so they are not stored: the check compares each one with its
source instead (a runtime file added or removed changes no golden file). For
the same reason the manifest's `sources_sha256` (a hash over every file,
vendored ones included) is kept as a placeholder: it changes with every
runtime edit, and what it hashes is compared file by file anyway. The
repository's own path, which the rendered config contains, is stored as
@ROOT@ (see read_bytes).
"""
import argparse
import difflib
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GOLDEN = os.path.join(ROOT, "test", "golden")
TINY = "examples/tiny_experiments/tiny_models"
PIPELINE = "examples/tiny_experiments/pipeline_parallel"

# name -> (project directory, config template). Three presets that differ in
# attention, positional encoding, layer type and normalization, and a
# pipeline config (its stage sources, seeded builders and stage factories).
CONFIGS = {
    "tiny_llama": (TINY, "tiny_llama.yaml"),
    "tiny_mistral": (TINY, "tiny_mistral.yaml"),
    "tiny_deepone": (TINY, "tiny_deepone.yaml"),
    "pipeline_zbv": (PIPELINE, "zbv.yaml"),
}

MANIFEST = "fgcc-manifest.json"
DIGEST_PLACEHOLDER = b"<sha256: depends on the checkout>"


def vendored_source(rel):
    """The repository file `rel` (a path in a generated tree) is a copy of,
    or None when the emitter wrote it."""
    parts = rel.split("/")
    if parts[:2] == ["model", "components"]:
        return "stdlib-templates/modelsrc/" + "/".join(parts[2:])
    if parts[0] == "runtime" and rel != "runtime/CMakeLists.txt":
        if parts[1] == "modelsrc":
            return "stdlib-templates/modelsrc/" + "/".join(parts[2:])
        return rel
    return None


def emit(fgcc, name, out):
    project, config = CONFIGS[name]
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([fgcc, "-p", os.path.join(ROOT, project), "-t", config, "-o", out],
                   check=True, stdout=subprocess.DEVNULL)


def tree_files(top):
    files = []
    for dirpath, _, names in os.walk(top):
        for n in names:
            files.append(os.path.relpath(os.path.join(dirpath, n), top))
    return sorted(files)


def regen(fgcc):
    for name in CONFIGS:
        dest = os.path.join(GOLDEN, name)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, name)
            emit(fgcc, name, out)
            shutil.rmtree(dest, ignore_errors=True)
            vendored = 0
            for rel in tree_files(out):
                if vendored_source(rel):
                    vendored += 1
                    continue
                os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
                with open(os.path.join(dest, rel), "wb") as f:
                    f.write(read_bytes(os.path.join(out, rel)))
        print(f"regenerated {name}: {len(tree_files(dest))} generated files ({vendored} vendored not stored)")


def read_bytes(path):
    """A generated file as the golden tree stores it: the repository's path
    (the rendered config names the project directory, e.g. meta's
    project_dir) as @ROOT@, so the tree compares equal in any checkout; and
    in the manifest the two hashes that cover such paths or vendored files as
    placeholders."""
    with open(path, "rb") as f:
        data = f.read().replace(ROOT.encode(), b"@ROOT@")
    if os.path.basename(path) == MANIFEST:
        for field in (b"sources_sha256", b"config_sha256"):
            data = re.sub(b'"' + field + b'": "[0-9a-f]{64}"', b'"' + field + b'": "' + DIGEST_PLACEHOLDER + b'"', data)
    return data


def show_diff(golden, actual, rel):
    a = read_bytes(golden).decode("utf-8", "replace").splitlines(keepends=True)
    b = read_bytes(actual).decode("utf-8", "replace").splitlines(keepends=True)
    sys.stdout.writelines(difflib.unified_diff(a, b, "golden/" + rel, "emitted/" + rel))


def check(fgcc, name, work):
    dest = os.path.join(GOLDEN, name)
    out = os.path.join(work, name)
    emit(fgcc, name, out)
    golden_files = set(tree_files(dest))
    emitted = tree_files(out)
    problems = vendored = 0
    for rel in emitted:
        source = vendored_source(rel)
        if source:
            vendored += 1
            if not os.path.exists(os.path.join(ROOT, source)):
                print(f"NEW {rel}: vendored, but {source} does not exist")
                problems += 1
            elif not filecmp.cmp(os.path.join(out, rel), os.path.join(ROOT, source), shallow=False):
                print(f"DIFFERS {rel}: not a copy of {source}")
                problems += 1
        elif rel in golden_files:
            if read_bytes(os.path.join(out, rel)) != read_bytes(os.path.join(dest, rel)):
                show_diff(os.path.join(dest, rel), os.path.join(out, rel), rel)
                print(f"DIFFERS {rel}")
                problems += 1
        else:
            print(f"NEW {rel}: emitted, not in the golden tree")
            problems += 1
    for rel in sorted(golden_files - set(emitted)):
        print(f"MISSING {rel}: in the golden tree, not emitted")
        problems += 1
    if problems:
        print(f"GOLDEN MISMATCH {name}: {problems} file(s); if intended, run test/golden/golden.py regen")
        return 1
    print(f"GOLDEN OK {name}: {len(golden_files)} generated files, {vendored} vendored copies")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["regen", "check"])
    parser.add_argument("name", nargs="?", choices=sorted(CONFIGS))
    parser.add_argument("--fgcc", default=os.environ.get("FGCC") or os.path.join(ROOT, "build", "bin", "fgcc"))
    parser.add_argument("--work", help="where `check` emits (default: a temporary directory)")
    args = parser.parse_args()
    if args.command == "regen":
        regen(args.fgcc)
        return 0
    if not args.name:
        parser.error("check needs a config name")
    if args.work:
        os.makedirs(args.work, exist_ok=True)
        return check(args.fgcc, args.name, args.work)
    with tempfile.TemporaryDirectory() as tmp:
        return check(args.fgcc, args.name, tmp)


if __name__ == "__main__":
    sys.exit(main())
