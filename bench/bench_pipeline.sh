#!/usr/bin/env bash
# bench_pipeline.sh - every pipeline schedule executed by 2 ranks (fgrun,
# Gloo on CPU) on one chain of Linear+tanh layers (the same model for every
# schedule, split into its stages), measured against the unit
# cost simulation of the same schedule.
#
#   measured bubble   1 - (time the ranks computed) / (2 x step time), the
#                     time blocked on receives counted as idle; last step
#   simulated bubble  fgcc schedule's number for the same P, M, V
#   samples/s         pipeline steps only (the control is not timed)
#
# Usage: bench/bench_pipeline.sh [--build-dir DIR] [--width D] [--batch B] [--layers L]
#                                [--microbatches M] [--steps N]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build="$here/../build"
width=768
batch=1024
layers=8
microbatches=8
steps=4
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --width) width=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --layers) layers=$2; shift 2 ;;
    --microbatches) microbatches=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "2 ranks, $layers Linear($width) layers split into the schedule's stages, batch $batch, $microbatches microbatches, $steps steps, 1 thread per rank"
echo
echo "| schedule | stages | measured bubble | simulated bubble | samples/s | equal to one process |"
echo "|---|---:|---:|---:|---:|---|"
for schedule in gpipe 1f1b interleaved-1f1b looped-bfs zb-h1 zbv; do
  out=$("$build/bin/fgrun" --nproc-per-node 2 "$build/bin/fgrt-pipeline-check" --schedule "$schedule" \
          --microbatches "$microbatches" --steps "$steps" --width "$width" --batch "$batch" --layers "$layers")
  measured=$(sed -n 's/^measured_bubble_fraction=\([^ ]*\) .*/\1/p' <<<"$out")
  simulated=$(sed -n 's/.*simulated_bubble_fraction=//p' <<<"$out")
  rate=$(sed -n 's/^pipeline_samples_per_s=//p' <<<"$out")
  stages=$(sed -n 's/.* stages=\([0-9]*\) .*/\1/p' <<<"$out")
  ok=$(grep -q '^PIPELINE OK' <<<"$out" && echo yes || echo NO)
  echo "| $schedule | $stages | $measured | $simulated | $rate | $ok |"
done
