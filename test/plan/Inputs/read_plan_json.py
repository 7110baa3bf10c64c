#!/usr/bin/python3
# read_plan_json.py PLAN.json -- prints the keys of `fgcc plan --format json`
# and checks that its figures add up, one line per fact, for FileCheck.
import json
import sys

plan = json.load(open(sys.argv[1]))
print("keys:", " ".join(plan))
print("model:", " ".join(sorted(plan["model"])))
print("training:", " ".join(sorted(plan["training"])))
print("optimizer:", " ".join(sorted(plan["training"]["optimizer"])))
print("pipeline:", " ".join(sorted(plan["pipeline"])))
print("stage:", " ".join(sorted(plan["stages"][0])))
print("rank:", " ".join(sorted(plan["schedules"][0]["ranks"][0])))

stages = plan["stages"]
print("config %s, %d parameters = %s over %d stages" % (
    plan["config"], plan["model"]["parameters"], " + ".join(str(s["parameters"]) for s in stages), len(stages)))
assert plan["model"]["parameters"] == sum(s["parameters"] for s in stages)
p = plan["pipeline"]
print("pipeline %s: %d ranks x %d, %d microbatches of %d rows (%d tokens)" % (
    p["schedule"], p["ranks"], p["stages_per_rank"], p["microbatches"], p["microbatch_rows"], p["microbatch_tokens"]))
for s in stages:
    print("stage %d: %s, rank %d, %d bytes per microbatch, boundary %d" % (
        s["stage"], s["holds"], s["rank"], s["activation_bytes_per_microbatch"], s["boundary_bytes"]))
print("schedules:", " ".join(s["schedule"] + ("*" if s["chosen"] else "") for s in plan["schedules"]))
print("not applicable:", " ".join(s["schedule"] for s in plan["not_applicable"]))

chosen = [s for s in plan["schedules"] if s["chosen"]][0]
print(chosen["schedule"], "peaks", chosen["peak_microbatches"])
for r in chosen["ranks"]:
    mine = [stages[i] for i in r["stages"]]
    per_mb = sum(s["activation_bytes_per_microbatch"] for s in mine)
    boundary = sum(s["boundary_bytes"] for s in mine)
    fixed = sum(s["parameter_bytes"] + s["gradient_bytes"] + (s["optimizer_bytes"] or 0) for s in mine)
    assert r["fixed_bytes"] == fixed
    adds_up = r["total_bytes"] == r["fixed_bytes"] + r["dynamic_bytes"] + r["transient_bytes"]
    print("rank %d: activation = %g x microbatch, buffers = %g x boundary, total %s fixed + dynamic + transient" % (
        r["rank"], r["activation_bytes"] / per_mb, r["buffer_bytes"] / boundary, "=" if adds_up else "!="))
t = plan["training"]
print("flops per step = sum over stages:", abs(t["flops_per_step"] - sum(s["flops_per_step"] for s in stages)) < 1)
print("device_memory_gib %s, warnings %s" % (plan["device_memory_gib"], plan["warnings"]))
