#!/usr/bin/env bash
# Builds fgcc and runs every test: GoogleTest unit tests, the lit suites of
# each phase, the differential test against Jinja2, and a short fuzzing run.
# Ends with one line: "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FGCC_BUILD_DIR:-$root/build}
cd "$root"

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null || exit 1
cmake --build "$build" || exit 1

passed=0
failed=0
count() { # count <passed> <failed>
  passed=$((passed + $1))
  failed=$((failed + $2))
}

echo "== unit tests"
for tests in "$build"/bin/*_unit_tests; do
  [ -x "$tests" ] || continue
  echo "-- $(basename "$tests")"
  out=$("$tests" --gtest_brief=1 2>&1)
  echo "$out" | tail -3
  p=$(echo "$out" | sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
  f=$(echo "$out" | sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
  count "${p:-0}" "${f:-0}"
  if [ -z "$p" ] && [ -z "$f" ]; then count 0 1; fi
done

echo "== lit"
lit_out=$(FGCC="$build/bin/fgcc" FGCC_TEST_EXEC_ROOT="$build/lit" \
  /usr/bin/python3 /usr/lib/llvm-14/build/utils/lit/lit.py -sv "$root/test" 2>&1)
echo "$lit_out" | grep -E '^(FAIL|UNRESOLVED|XPASS)|Passed|Failed|Unresolved' | head -50
p=$(echo "$lit_out" | sed -n 's/^ *Passed *: *\([0-9]*\).*/\1/p')
f=0
for n in $(echo "$lit_out" | sed -n 's/^ *\(Failed\|Unresolved\|Unexpectedly Passed\|Timed Out\) *: *\([0-9]*\).*/\2/p'); do
  f=$((f + n))
done
count "${p:-0}" "$f"

echo "== differential test against Jinja2 (${FGCC_DIFF_COUNT:-1000} random templates)"
diff_out=$(/usr/bin/python3 test/oracle/differential.py --fgcc "$build/bin/fgcc" \
  --count "${FGCC_DIFF_COUNT:-1000}" --seed "${FGCC_DIFF_SEED:-1}" 2>&1)
echo "$diff_out" | tail -3
if echo "$diff_out" | tail -1 | grep -q '^[0-9]* passed, 0 failed'; then count 1 0; else count 0 1; fi

if [ -x "$root/tools/fuzz.sh" ] && [ "${FGCC_FUZZ_SECONDS:-60}" != 0 ]; then
  echo "== fuzzing (${FGCC_FUZZ_SECONDS:-60} s per target)"
  if "$root/tools/fuzz.sh" "${FGCC_FUZZ_SECONDS:-60}"; then count 1 0; else count 0 1; fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
