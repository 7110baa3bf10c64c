#!/usr/bin/env bash
# bench_pipeline_memory.sh - what each pipeline rank's memory grows by while
# training, measured, against `fgcc plan`'s estimate, for every schedule of
# the tiny llama in examples/tiny_experiments/pipeline_parallel (its config's
# batch of 8 x 256 tokens, 4 microbatches; 2 ranks, Gloo on CPU).
#
#   measured   peak resident memory of the rank minus its resident memory
#              when training starts (the program's final metrics
#              memory_peak_mib_rank_<r> and memory_at_start_mib_rank_<r})
#   estimate   fgcc plan's total_bytes minus the weights: gradients,
#              optimizer state, live activations, send buffers, working set
#
# Usage: bench/bench_pipeline_memory.sh [--build-dir DIR] [--steps N]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root="$here/.."
build="$root/build"
steps=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
project="$root/examples/tiny_experiments/pipeline_parallel"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) CPUs; tiny llama, batch 8 x 256 tokens, 4 microbatches, $steps steps, float32, AdamW"
echo
echo "| schedule | stages | rank | measured MiB | estimate MiB | measured / estimate |"
echo "|---|---:|---:|---:|---:|---:|"
for run in gpipe:1f1b:2 1f1b:1f1b:2 zb-h1:1f1b:2 interleaved-1f1b:zbv:4 looped-bfs:zbv:4 zbv:zbv:4; do
  IFS=: read -r schedule config stages <<<"$run"
  program="$build/generated-projects/pipeline_$config/bin/train"
  "$build/bin/fgcc" -p "$project" -t "$config.yaml" plan --format json --schedule "$schedule" >"$work/plan.json"
  "$build/bin/fgrun" --nproc-per-node 2 "$program" --schedule "$schedule" --output-dir "$work/run" \
    --max-steps "$steps" --eval-steps 0 --save-steps 0 --threads 1 >"$work/out.txt" 2>/dev/null
  python3 - "$work/plan.json" "$work/out.txt" "$schedule" "$stages" <<'PY'
import json, re, sys
plan = json.load(open(sys.argv[1]))
out = open(sys.argv[2]).read()
schedule, stages = sys.argv[3], sys.argv[4]
weights = {}
for s in plan["stages"]:
    weights[s["rank"]] = weights.get(s["rank"], 0) + s["parameter_bytes"]
chosen = next(s for s in plan["schedules"] if s["schedule"] == schedule)
for r in chosen["ranks"]:
    rank = r["rank"]
    start = float(re.search(rf"memory_at_start_mib_rank_{rank}\s*([0-9.]+)", out).group(1))
    peak = float(re.search(rf"memory_peak_mib_rank_{rank}\s*([0-9.]+)", out).group(1))
    estimate = (r["total_bytes"] - weights[rank]) / 2**20
    print(f"| {schedule} | {stages} | {rank} | {peak - start:.0f} | {estimate:.0f} | {(peak - start) / estimate:.2f} |")
PY
done
