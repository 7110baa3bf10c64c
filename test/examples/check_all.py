#!/usr/bin/env python3
"""Checks and emits every config of every example project.

    check_all.py FGCC EXAMPLES_DIR WORK_DIR

The projects and configs come from `fgcc ls -r EXAMPLES_DIR` itself, so a
config that `ls` cannot list fails here too. For each config: `fgcc check`
must pass and `fgcc -o DIR` must emit the training project. Prints one line
per config (sorted) and a final count; exits 1 at the end if anything failed.
"""
import re
import subprocess
import sys


def listed_configs(fgcc, examples):
    out = subprocess.run([fgcc, "ls", "-r", examples], check=True, capture_output=True, text=True).stdout
    project = None
    for line in out.splitlines():
        if line.startswith("Project Path: "):
            project = line[len("Project Path: "):].strip()
        elif "PARSE ERROR" in line:
            yield project, None, line.strip()
        else:
            m = re.match(r"^    \[?([^\s\]]+\.yaml)\]?\s", line)
            if m and project:
                yield project, m.group(1), None


def main():
    fgcc, examples, work = sys.argv[1:4]
    failures = count = 0
    lines = []
    for project, config, error in sorted(listed_configs(fgcc, examples), key=lambda t: (t[0], t[1] or "")):
        name = f"{project[len(examples):].strip('/')}/{config}"
        if error:
            lines.append(f"FAILED {project}: {error}")
            failures += 1
            continue
        count += 1
        outdir = f"{work}/{name.replace('/', '_')}"
        for step, cmd in (("check", [fgcc, "-p", project, "-t", config, "check"]),
                          ("emit", [fgcc, "-p", project, "-t", config, "-o", outdir])):
            run = subprocess.run(cmd, capture_output=True, text=True)
            if run.returncode != 0:
                lines.append(f"FAILED {step} {name}:\n{run.stderr}")
                failures += 1
                break
        else:
            lines.append(f"ok {name}")
    print("\n".join(lines))
    print(f"{count} configs, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
