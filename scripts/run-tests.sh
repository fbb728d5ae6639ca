#!/usr/bin/env bash
# run-tests.sh BUILD — run every unit test program (Criterion), replay every fuzz target's
# seeds once (BUILD/fuzz-replay), run every integration script, then print one summary line:
# "N passed, N failed, N skipped", each skip listed above it with its reason. Exit status is
# non-zero when anything failed. LW_TEST_FILTER=REGEX runs only the programs/scripts whose
# name matches.
#
# Integration scripts (tests/integration/*.sh) report one line per check, "ok - NAME",
# "not ok - NAME", or "skip - NAME: why" for a check that could not run here; a script that
# exits non-zero without a "not ok" line, or reports nothing at all, counts as one failure.
# A Criterion test that calls cr_skip_test is counted as skipped with its reason.
set -uo pipefail
build=${1:-build}
filter=${LW_TEST_FILTER:-.}
root=$(cd "$(dirname "$0")/.." && pwd)
export LW_ROOT=$root LW_BUILD=$root/$build LW_BIN=$root/$build/logwire LW_TOOLS=$root/$build/tools
passed=0 failed=0 skipped=0 failures=() skips=()

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
  while IFS= read -r why; do
    skipped=$((skipped + 1)); skips+=("$name: ${why#\[SKIP\] }")
  done < <(grep -ao '\[SKIP\] [^[]*' <<<"$out")
  if [[ $((f)) -gt 0 ]]; then
    failures+=("$name")
    echo "$out" | grep -av "^\[RUN \]" | tail -40 # [----] lines carry the assertion messages
  fi
  printf '%-40s %s\n' "$name" "${syn#*Synthesis: }"
done

# Fuzz targets, linked with tests/fuzz/replay.c: each runs once over the seeds its source
# names on a line "seeds: GLOB..." (as scripts/fuzz.sh uses them), one check per target.
for t in "$root/$build"/fuzz-replay/fuzz_*; do
  [[ -x $t && ! -d $t ]] || continue
  name=$(basename "$t")
  [[ $name =~ $filter ]] || continue
  globs=$(sed -n 's/.*seeds: *\(.*\)$/\1/p' "$root/tests/fuzz/$name.c" | head -1 | sed 's/\*\/$//')
  seeds=()
  for g in $globs; do
    for f in $root/$g; do [[ -f $f ]] && seeds+=("$f"); done
  done
  if [[ ${#seeds[@]} -eq 0 ]]; then
    out="no seed file matches: $globs" rc=1
  else
    out=$("$t" "${seeds[@]}" 2>&1)
    rc=$?
  fi
  if [[ $rc -eq 0 ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); failures+=("$name")
    echo "$out" | tail -20
  fi
  printf '%-40s %s\n' "$name (seeds)" "$(tail -1 <<<"$out")"
done

for s in "$root"/tests/integration/*.sh; do
  [[ -f $s ]] || continue
  name=$(basename "$s" .sh)
  [[ $name == lib ]] && continue # sourced by the scripts, not one of them
  [[ $name =~ $filter ]] || continue
  log=$(mktemp /tmp/lw-it-XXXXXX.log)
  start=$(date +%s)
  bash "$s" >"$log" 2>&1
  rc=$?
  ok=$(grep -c '^ok - ' "$log")
  nok=$(grep -c '^not ok - ' "$log")
  nskip=$(grep -c '^skip - ' "$log")
  if [[ $rc -ne 0 && $nok -eq 0 ]] || [[ $((ok + nok + nskip)) -eq 0 ]]; then nok=$((nok + 1)); fi
  passed=$((passed + ok)); failed=$((failed + nok)); skipped=$((skipped + nskip))
  while IFS= read -r why; do skips+=("$name: ${why#skip - }"); done < <(grep '^skip - ' "$log")
  printf '%-40s %d ok, %d not ok, %d skipped (%ds)\n' "$name" "$ok" "$nok" "$nskip" \
    "$(($(date +%s) - start))"
  grep -E '^(ok|not ok|skip) - |^# ' "$log" | sed 's/^/    /'
  if [[ $nok -gt 0 ]]; then
    failures+=("$name")
    echo "---- $name log (last 60 lines) ----"; tail -60 "$log"
  fi
  rm -f "$log"
done

for why in "${skips[@]}"; do echo "skipped: $why"; done
[[ ${#failures[@]} -gt 0 ]] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 && $passed -gt 0 ]]
