#!/usr/bin/env bash
# Trains the configs of one example project the way its README reports
# them, one after another, and prints the summary table.
#
#   tools/run-example.sh examples/tiny_experiments/attention [CONFIG.yaml...]
#
# Every config trains with `fgcc train` from the directory given by
# FGCC_RUNS_DIR (default build/example-runs/<project>), so its
# output_models/<name> lands there; extra program options go in
# FGCC_TRAIN_ARGS. Configs whose meta sets nproc_per_node > 1 start under
# fgrun (fgcc train does that). The default is every config of the project.
# All configs generate into one directory (FGCC_GENERATED_DIR, default
# build/example-runs/generated), so the runtime is compiled once and a
# config that changes only hyperparameters rebuilds only its main.cpp.
#
# The two thread-pool settings of docs/performance.md ("One training step")
# are set unless the caller sets them: on a 2-core machine they make a CPU
# step 1.4-2x faster, and every table in the examples was measured with them.
set -euo pipefail
export GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-1000} OPENBLAS_THREAD_TIMEOUT=${OPENBLAS_THREAD_TIMEOUT:-4}
root=$(cd "$(dirname "$0")/.." && pwd)
fgcc=${FGCC:-$root/build/bin/fgcc}
project=$(cd "$1" && pwd)
shift
name=$(basename "$project")
runs=${FGCC_RUNS_DIR:-$root/build/example-runs/$name}
generated=${FGCC_GENERATED_DIR:-$root/build/example-runs/generated}
mkdir -p "$runs"

configs=("$@")
if [ ${#configs[@]} -eq 0 ]; then
  for f in "$project"/templates/configs/*.yaml; do configs+=("$(basename "$f")"); done
fi

for c in "${configs[@]}"; do
  echo "== $name/$c"
  (cd "$runs" && "$fgcc" -p "$project" -t "$c" train -o "$generated" -- ${FGCC_TRAIN_ARGS:-} \
    > "$runs/${c%.yaml}.log" 2>&1) || { echo "failed: see $runs/${c%.yaml}.log"; exit 1; }
done
python3 "$root/tools/example_summary.py" "$runs"/output_models/*
