#!/usr/bin/env bash
# bench_pipeline_model.sh - the tiny llama of examples/tiny_experiments/
# pipeline_parallel trained by `train --benchmark` (random tokens, timed
# steps after warm-up) as one process and pipeline parallel on 2 ranks (fgrun,
# Gloo on CPU, 1 thread each) under every schedule, side by side in rounds.
# Prints the median tokens/s of each and its ratio to the single process.
#
# It needs the programs the lit tests use (build/generated-projects/
# pipeline_{1f1b,zbv}/bin/train: `cmake --build build`).
#
# Usage: bench/bench_pipeline_model.sh [--build-dir DIR] [--rounds N] [--batch B] [--seq-len T]
#                                      [--microbatches M]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build="$here/../build"
rounds=3
batch=16
seq_len=128
microbatches=4
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --seq-len) seq_len=$2; shift 2 ;;
    --microbatches) microbatches=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
two="$build/generated-projects/pipeline_1f1b/bin/train"
four="$build/generated-projects/pipeline_zbv/bin/train"
for program in "$two" "$four"; do
  [[ -x $program ]] || { echo "missing $program: build fgcc's tree first" >&2; exit 1; }
done
common=(--benchmark --batch-size "$batch" --seq-len "$seq_len" --microbatches "$microbatches" --threads 1)

# name program schedule ranks
runs=("single|$two|-|1" "gpipe|$two|gpipe|2" "1f1b|$two|1f1b|2" "zb-h1|$two|zb-h1|2"
      "interleaved-1f1b|$four|interleaved-1f1b|2" "looped-bfs|$four|looped-bfs|2" "zbv|$four|zbv|2")
declare -A samples
for ((round = 1; round <= rounds; ++round)); do
  for run in "${runs[@]}"; do
    IFS='|' read -r name program schedule ranks <<<"$run"
    if [[ $ranks == 1 ]]; then
      out=$("$program" "${common[@]}" 2>/dev/null)
    else
      out=$("$build/bin/fgrun" --nproc-per-node "$ranks" "$program" --schedule "$schedule" "${common[@]}" 2>/dev/null)
    fi
    # Every rank prints the same figure; the first is the run's.
    value=$(echo "$out" | sed -n 's/^tokens_per_s=//p' | head -1)
    samples[$name]="${samples[$name]:-} $value"
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tiny llama (4 layers, d 256), batch $batch x $seq_len tokens, $microbatches microbatches, $rounds rounds"
echo
echo "| run | stages | tokens/s (median) | rounds | vs one process |"
echo "|---|---:|---:|---|---:|"
base=$(echo "${samples[single]}" | median)
for run in "${runs[@]}"; do
  IFS='|' read -r name program schedule ranks <<<"$run"
  stages=1
  [[ $name != single ]] && stages=$([[ $program == "$four" ]] && echo 4 || echo 2)
  m=$(echo "${samples[$name]}" | median)
  printf '| %s | %s | %.0f | %s | %.2fx |\n' "$name" "$stages" "$m" "${samples[$name]# }" "$(echo "$m $base" | awk '{print $1 / $2}')"
done
