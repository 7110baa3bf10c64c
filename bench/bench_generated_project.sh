#!/usr/bin/env bash
# bench_generated_project.sh - what a researcher waits for with a generated
# project: `fgcc train` of the tiny llama example (examples/tiny_experiments/
# tiny_models, configs/tiny_llama.yaml) on this machine.
#
#   cold build       fgcc train --build-only into an empty directory: emit,
#                    CMake configure, build every runtime and model source
#   rebuild          the same after one hyperparameter changed (-D lr=...,
#                    alternating between two values, so every run is a change)
#   up to date       the same with nothing changed (the build stamp matches)
#   to first step    `fgcc train -- --max-steps 1`, from the start of fgcc to
#                    the first logged training step (tokenizer training and
#                    data preparation included), with the build up to date
#   tokens/s         `train --benchmark` (batch 8 x 256, AdamW) against
#                    bench/train_step_reference.py (PyTorch eager, the same
#                    model and batch), alternating which runs first
#
# Every measurement is repeated ROUNDS times; the table shows medians.
#
# Usage: bench/bench_generated_project.sh [--fgcc BIN] [--rounds N] [--work DIR]
#                                         [--steps N] [--dtypes "float32 bfloat16"]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
fgcc="$root/build/bin/fgcc"
rounds=3
steps=10
dtypes="float32 bfloat16"
work=$(mktemp -d)
python=${PYTHON:-/usr/bin/python3}
config="$root/examples/tiny_experiments/tiny_models/templates/configs/tiny_llama.yaml"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --fgcc) fgcc=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --work) work=$2; mkdir -p "$work"; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --dtypes) dtypes=$2; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "fgcc: $fgcc ($("$fgcc" --version))"
echo "rounds=$rounds work=$work"
echo

now() { date +%s.%N; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
# timed NAME CMD...: runs CMD (output to $work/NAME.log), appends its wall
# seconds to $work/NAME.times and prints them.
timed() {
  local name=$1 start end
  shift
  start=$(now)
  "$@" >>"$work/$name.log" 2>&1 || { echo "$name failed, see $work/$name.log" >&2; exit 1; }
  end=$(now)
  awk -v s="$start" -v e="$end" 'BEGIN {printf "%.2f\n", e - s}' | tee -a "$work/$name.times"
}

project="$work/project"
lr_values=(0.002 0.003)
for ((r = 1; r <= rounds; r++)); do
  rm -rf "$project"
  printf 'round %d: cold build %s s' "$r" "$(timed cold "$fgcc" train "$config" -o "$project" --build-only)"
  lr=${lr_values[$((r % 2))]}
  printf ', rebuild (lr=%s) %s s' "$lr" "$(timed rebuild "$fgcc" train "$config" -o "$project" -D "lr=$lr" --build-only)"
  printf ', up to date %s s' "$(timed cached "$fgcc" train "$config" -o "$project" -D "lr=$lr" --build-only)"
  # From fgcc's start to the first `train-loss` line of step 1.
  run_dir="$work/run$r"
  rm -rf "$run_dir"
  start=$(now)
  first=""
  while IFS= read -r line; do
    if [[ -z $first && $line == *train-loss* ]]; then first=$(now); fi
  done < <("$fgcc" train "$config" -o "$project" -D "lr=$lr" -- --max-steps 1 --logging-steps 1 --eval-steps 0 \
             --output-dir "$run_dir" 2>/dev/null)
  [[ -n $first ]] || { echo "no training step logged" >&2; exit 1; }
  awk -v s="$start" -v e="$first" 'BEGIN {printf "%.2f\n", e - s}' >>"$work/first.times"
  printf ', to first step %s s\n' "$(tail -1 "$work/first.times")"
done

program="$project/build/train"
for dtype in $dtypes; do
  for ((r = 1; r <= rounds; r++)); do
    for side in $( ((r % 2)) && echo "cpp py" || echo "py cpp"); do
      if [[ $side == cpp ]]; then
        out=$("$program" --benchmark --batch-size 8 --seq-len 256 --steps "$steps" --warmup-steps 3 --threads 2 \
                --dtype "$dtype" --output-dir "$work/bench-run")
      else
        out=$("$python" "$here/train_step_reference.py" --dtype "$dtype" --steps "$steps" --warmup 3 --threads 2)
      fi
      tps=$(sed -n 's/^tokens_per_s=//p' <<<"$out" | tail -1)
      echo "$tps" >>"$work/$side.$dtype"
      printf '%-8s %-3s round %d: tokens/s %s\n' "$dtype" "$side" "$r" "$tps"
    done
  done
done

echo
echo "| measurement | median | runs |"
echo "|---|---:|---|"
for m in cold:cold\ build rebuild:rebuild\ after\ one\ hyperparameter cached:up\ to\ date first:fgcc\ to\ first\ step; do
  file=${m%%:*}
  printf '| %s | %s s | %s |\n' "${m#*:}" "$(median <"$work/$file.times")" "$(tr '\n' ' ' <"$work/$file.times")"
done
echo
echo "| dtype | generated train tokens/s | PyTorch eager tokens/s | ratio |"
echo "|---|---:|---:|---:|"
for dtype in $dtypes; do
  cpp=$(median <"$work/cpp.$dtype")
  py=$(median <"$work/py.$dtype")
  awk -v d="$dtype" -v c="$cpp" -v p="$py" 'BEGIN {printf "| %s | %.0f | %.0f | %.2fx |\n", d, c, p, c / p}'
done
