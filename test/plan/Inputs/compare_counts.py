#!/usr/bin/python3
# compare_counts.py FGCC PROJECT GENERATED PRESET... -- for each preset, the
# parameter count `fgcc plan` reads from configs/tiny_PRESET.yaml and the one
# the built GENERATED/PRESET/model_smoke prints; one line each, then
# "equal" or "differ".
import json
import re
import subprocess
import sys

fgcc, project, generated, presets = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
same = True
for preset in presets:
    plan = json.loads(subprocess.check_output(
        [fgcc, "-p", project, "-t", "tiny_%s.yaml" % preset, "plan", "--format", "json"]))
    counted = plan["model"]["parameters"]
    smoke = subprocess.check_output(["%s/%s/model_smoke" % (generated, preset)], text=True)
    built = int(re.search(r"^model: .*, (\d+) parameters$", smoke, re.M).group(1))
    print("%s: plan %d, built %d" % (preset, counted, built))
    same = same and counted == built
print("equal" if same else "differ")
