#!/usr/bin/env bash
# run-tests.sh BUILD — run every unit test program (Criterion) and every integration script,
# then print one summary line: "N passed, N failed". Exit status is non-zero when anything
# failed. LW_TEST_FILTER=REGEX runs only the programs/scripts whose name matches.
#
# Integration scripts (tests/integration/*.sh) report one line per check, "ok - NAME" or
# "not ok - NAME"; a script that exits non-zero without a "not ok" line counts as one failure.
set -uo pipefail
build=${1:-build}
filter=${LW_TEST_FILTER:-.}
root=$(cd "$(dirname "$0")/.." && pwd)
export LW_ROOT=$root LW_BUILD=$root/$build LW_BIN=$root/$build/logwire LW_TOOLS=$root/$build/tools
passed=0 failed=0 failures=()

for t in "$root/$build"/tests/test_*; do
  [[ -x $t ]] || continue
  name=$(basename "$t")
  [[ $name =~ $filter ]] || continue
  out=$("$t" --jobs 2 2>&1)
  rc=$?
  syn=$(grep -a "Synthesis:" <<<"$out" | tail -1)
  p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$syn")
  f=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$syn")
  c=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$syn")
  p=${p:-0} f=${f:-0} c=${c:-0}
  if [[ -z $syn ]] || { [[ $rc -ne 0 ]] && [[ $((f + c)) -eq 0 ]]; }; then f=$((f + 1)); fi
  passed=$((passed + p)); failed=$((failed + f))
  if [[ $((f)) -gt 0 ]]; then
    failures+=("$name")
    echo "$out" | grep -av "^\[----\]\|^\[RUN \]" | tail -40
  fi
  printf '%-40s %s\n' "$name" "${syn#*Synthesis: }"
done

for s in "$root"/tests/integration/*.sh; do
  [[ -f $s ]] || continue
  name=$(basename "$s" .sh)
  [[ $name =~ $filter ]] || continue
  log=$(mktemp /tmp/lw-it-XXXXXX.log)
  start=$(date +%s)
  bash "$s" >"$log" 2>&1
  rc=$?
  ok=$(grep -c '^ok - ' "$log")
  nok=$(grep -c '^not ok - ' "$log")
  if [[ $rc -ne 0 && $nok -eq 0 ]]; then nok=1; fi
  passed=$((passed + ok)); failed=$((failed + nok))
  printf '%-40s %d ok, %d not ok (%ds)\n' "$name" "$ok" "$nok" "$(($(date +%s) - start))"
  grep -E '^(ok|not ok) - |^# ' "$log" | sed 's/^/    /'
  if [[ $nok -gt 0 ]]; then
    failures+=("$name")
    echo "---- $name log (last 60 lines) ----"; tail -60 "$log"
  fi
  rm -f "$log"
done

[[ ${#failures[@]} -gt 0 ]] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
