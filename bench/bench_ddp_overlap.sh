#!/usr/bin/env bash
# bench_ddp_overlap.sh - a data-parallel training step on 2 ranks (fgrun,
# Gloo on CPU, 1 thread per rank) with the gradient all-reduce overlapped
# with backward and without (fgrt::dist::GradientAverager armed by
# expect_final_backward() before the last backward, or average() alone).
#
# bench_ddp_overlap builds a chain of Linear(D, D)+tanh layers (no optimizer
# step, so every step's averaged gradients are compared bit for bit between
# the modes). Each round is one fgrun run whose ranks alternate the modes
# step by step (off, on, on, off, ...), so both see the same machine; the
# script prints every round, then the medians over the rounds of each
# round's medians:
#
#   step ms        forward + backward + average()
#   backward ms    forward + backward (with the overlap, including the copies
#                  into the buckets and starting their all-reduces)
#   wait ms        average(): the all-reduce time left after backward
#
# Usage: bench/bench_ddp_overlap.sh [--build-dir DIR] [--rounds N] [--steps N]
#                                   [--width D] [--layers L] [--batch B]
#                                   [--bucket-mb MB] [--accumulation GA]
# Build the driver and the launcher first:
#   cmake --build DIR --target bench_ddp_overlap fgrun
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build="$here/../build"
rounds=3
steps=6
width=1024
layers=16
batch=32
bucket_mb=25
accumulation=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --width) width=$2; shift 2 ;;
    --layers) layers=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --bucket-mb) bucket_mb=$2; shift 2 ;;
    --accumulation) accumulation=$2; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for bin in fgrun bench_ddp_overlap; do
  if [[ ! -x "$build/bin/$bin" ]]; then
    echo "no $build/bin/$bin: build the bench_ddp_overlap and fgrun targets first" >&2
    exit 1
  fi
done

echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "2 ranks, $layers Linear($width) layers, batch $batch per rank, buckets of $bucket_mb MiB," \
     "accumulation $accumulation, $steps measured steps per mode and round, $rounds rounds"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# value KEY LINE: the number after KEY= in LINE.
value() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

for ((r = 1; r <= rounds; r++)); do
  out=$("$build/bin/fgrun" --nproc-per-node 2 "$build/bin/bench_ddp_overlap" --width "$width" \
          --layers "$layers" --batch "$batch" --bucket-mb "$bucket_mb" --accumulation "$accumulation" \
          --steps "$steps")
  ((r == 1)) && echo "$(head -1 <<<"$out")" && echo
  for mode in off on; do
    line=$(grep "^mode=$mode " <<<"$out")
    echo "round $r: $line"
    for key in step_ms backward_ms wait_ms; do value "$key" "$line" >>"$tmp/$mode.$key"; done
    value started_in_backward "$line" >"$tmp/$mode.started"
  done
  value equal "$(grep '^equal=' <<<"$out")" >>"$tmp/equal"
done

echo
echo "| overlap | step ms | forward+backward ms | wait after backward ms | buckets started in backward | means equal bit for bit |"
echo "|---|---:|---:|---:|---:|---|"
equal=$(grep -qv yes "$tmp/equal" && echo NO || echo yes)
for mode in off on; do
  echo "| $mode | $(median <"$tmp/$mode.step_ms") | $(median <"$tmp/$mode.backward_ms") |" \
       "$(median <"$tmp/$mode.wait_ms") | $(cat "$tmp/$mode.started") | $equal |"
done
