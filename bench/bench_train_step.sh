#!/usr/bin/env bash
# bench_train_step.sh - one training step of the tiny llama: fgcc's C++ model
# library (bench_train_step) against PyTorch eager (train_step_reference.py).
#
# For each dtype (float32, bfloat16) it runs the two sides alternately,
# ROUNDS times each (the side that goes first alternates between rounds, so
# slow drift of a shared machine hits both alike), and prints every run, then
# a markdown table of the medians over the rounds:
#
#   | dtype | C++ tokens/s (median) | PyTorch tokens/s (median) | C++/PyTorch | C++ step ms | PyTorch step ms | best step ms C++ / PyTorch |
#
# (step ms: median over the rounds of each run's median step time; best:
# the fastest single step of all rounds, which neighbours on a shared
# machine disturb least).
#
# Both sides inherit this script's environment, so thread settings apply to
# both alike; they matter a lot here (see bench/README-train-step.md), e.g.
#   GOMP_SPINCOUNT=1000 OPENBLAS_THREAD_TIMEOUT=4 bench/bench_train_step.sh ...
# On a shared machine each run first waits (up to --idle-wait seconds, 0 to
# skip) until the CPUs have been >= 90% idle for 2 s.
#
# Usage: bench/bench_train_step.sh [--build-dir DIR] [--rounds N] [--steps N]
#                                  [--warmup N] [--threads N] [--dtypes "float32 bfloat16"]
#                                  [--idle-wait SECONDS]
# The C++ binary is DIR/bin/bench_train_step (DIR defaults to build/):
#   cmake -S . -B /tmp/bench-build -G Ninja -DCMAKE_BUILD_TYPE=Release \
#         -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14
#   cmake --build /tmp/bench-build --target bench_train_step
#   bench/bench_train_step.sh --build-dir /tmp/bench-build
# PYTHON (default /usr/bin/python3, Debian's python3-torch) runs the reference.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_dir="$here/../build"
rounds=3
steps=10
warmup=3
threads=2
dtypes="float32 bfloat16"
idle_wait=120
python=${PYTHON:-/usr/bin/python3}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --dtypes) dtypes=$2; shift 2 ;;
    --idle-wait) idle_wait=$2; shift 2 ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

cpp_bin="$build_dir/bin/bench_train_step"
py_script="$here/train_step_reference.py"
if [[ ! -x "$cpp_bin" ]]; then
  echo "no $cpp_bin: build the bench_train_step target first" >&2
  exit 1
fi

# Which BLAS each side loads (both should be the libblas.so.3 alternative,
# OpenBLAS when libopenblas0-pthread is installed).
blas_of_cpp=$(ldd "$cpp_bin" | awk '/libblas|libopenblas|libmkl/ {print $3}' | xargs -r readlink -f | sort -u | tr '\n' ' ')
blas_of_py=$("$python" -c 'import torch, re
libs = sorted({l.split()[-1] for l in open("/proc/self/maps") if re.search(r"blas|mkl", l)})
print(" ".join(libs))')
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "C++ BLAS: $blas_of_cpp"
echo "PyTorch BLAS: $blas_of_py"
echo "libblas.so.3 -> $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo '?')"
echo "thread environment: $(env | grep -E '^(OMP|GOMP|KMP|OPENBLAS|GOTO|MKL)_' | sort | tr '\n' ' ' || true)"
echo "steps=$steps warmup=$warmup threads=$threads rounds=$rounds"
echo

common=(--steps "$steps" --warmup "$warmup" --threads "$threads")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# wait_idle: returns once the CPUs were >= 90% idle over 2 s, or after
# $idle_wait seconds (with a note).
wait_idle() {
  local start=$SECONDS t1 i1 t2 i2 u n s i w x y z
  ((idle_wait > 0)) || return 0
  while ((SECONDS - start < idle_wait)); do
    read -r _ u n s i w x y z _ </proc/stat; t1=$((u + n + s + i + w + x + y + z)); i1=$((i + w))
    sleep 2
    read -r _ u n s i w x y z _ </proc/stat; t2=$((u + n + s + i + w + x + y + z)); i2=$((i + w))
    if (((i2 - i1) * 100 >= 90 * (t2 - t1))); then return 0; fi
  done
  echo "(the machine was still busy after ${idle_wait}s; running anyway)"
}

# run SIDE DTYPE ROUND: runs one side, echoes its summary, and appends its
# tokens/s and median step time to $tmp/SIDE.DTYPE.
run() {
  local side=$1 dtype=$2 round=$3 out
  wait_idle
  if [[ $side == cpp ]]; then
    out=$("$cpp_bin" --dtype "$dtype" "${common[@]}")
  else
    out=$("$python" "$py_script" --dtype "$dtype" "${common[@]}")
  fi
  local tps step best phases loss
  tps=$(sed -n 's/^tokens_per_s=//p' <<<"$out")
  step=$(sed -n 's/^step_ms median=\([^ ]*\).*/\1/p' <<<"$out")
  best=$(sed -n 's/^step_ms .* min=\([^ ]*\).*/\1/p' <<<"$out")
  phases=$(sed -n 's/^phase_ms_median //p' <<<"$out")
  loss=$(sed -n 's/^loss //p' <<<"$out")
  printf '%-8s %-7s round %d: tokens/s %8s  step_ms median %8s  (%s)  loss %s\n' \
    "$dtype" "$side" "$round" "$tps" "$step" "$phases" "$loss"
  echo "$tps $step $best" >>"$tmp/$side.$dtype"
}

median() { sort -g | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

for dtype in $dtypes; do
  for ((r = 1; r <= rounds; r++)); do
    if ((r % 2)); then
      run cpp "$dtype" "$r"; run py "$dtype" "$r"
    else
      run py "$dtype" "$r"; run cpp "$dtype" "$r"
    fi
  done
done

echo
echo "| dtype | C++ tokens/s (median) | PyTorch tokens/s (median) | C++/PyTorch | C++ step ms | PyTorch step ms | best step ms C++ / PyTorch |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for dtype in $dtypes; do
  cpp=$(cut -d' ' -f1 "$tmp/cpp.$dtype" | median)
  py=$(cut -d' ' -f1 "$tmp/py.$dtype" | median)
  cpp_ms=$(cut -d' ' -f2 "$tmp/cpp.$dtype" | median)
  py_ms=$(cut -d' ' -f2 "$tmp/py.$dtype" | median)
  cpp_best=$(cut -d' ' -f3 "$tmp/cpp.$dtype" | sort -g | head -1)
  py_best=$(cut -d' ' -f3 "$tmp/py.$dtype" | sort -g | head -1)
  awk -v d="$dtype" -v c="$cpp" -v p="$py" -v cm="$cpp_ms" -v pm="$py_ms" -v cb="$cpp_best" -v pb="$py_best" \
    'BEGIN {printf "| %s | %.0f | %.0f | %.2fx | %.1f | %.1f | %.1f / %.1f |\n", d, c, p, c / p, cm, pm, cb, pb}'
done
