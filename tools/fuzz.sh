#!/usr/bin/env bash
# Builds the libFuzzer targets with ASan + UBSan (clang-14) and runs each for
# the given number of seconds (default 60) from a seed corpus made of the
# test inputs. Exits non-zero on any finding.
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FGCC_FUZZ_BUILD_DIR:-$root/build-fuzz}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DFGCC_BUILD_FUZZERS=ON -DFGCC_SANITIZE=ON -DFGCC_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target fuzz_render fuzz_graph >/dev/null

# Seed corpus: every template-like test input.
for target in render graph; do
  corpus=$build/corpus-$target
  mkdir -p "$corpus"
  find "$root/test" "$root/stdlib-templates" "$root/examples" -type f \
    \( -name '*.yaml' -o -name '*.test' -o -name '*.jinja' \) -size -64k 2>/dev/null |
    while read -r f; do cp "$f" "$corpus/seed-$(md5sum "$f" | cut -c1-16)"; done
done

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for target in render graph; do
  echo "-- fuzz_$target: $seconds s"
  "$build/bin/fuzz_$target" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
    -dict="$root/fuzz/$target.dict" -print_final_stats=1 -artifact_prefix="$build/$target-" \
    "$build/corpus-$target" 2>&1 | tail -8
done
