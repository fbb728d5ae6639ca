#!/usr/bin/env bash
# fuzz.sh BUILD SECONDS — run every libFuzzer target in BUILD/fuzz for SECONDS each, under
# ASan + UBSan. Each target's source names its seeds on a line "seeds: GLOB [GLOB...]"
# (paths relative to the repository); the corpus lives in BUILD/fuzz/corpus-NAME.
set -euo pipefail
build=${1:-build}
secs=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
failed=0 ran=0
for bin in "$build"/fuzz/fuzz_*; do
  [[ -x $bin && ! -d $bin ]] || continue
  name=$(basename "$bin")
  corpus="$build/fuzz/corpus-${name#fuzz_}"
  mkdir -p "$corpus"
  globs=$(sed -n 's/.*seeds: *\(.*\)$/\1/p' "tests/fuzz/$name.c" | head -1 | sed 's/\*\/$//')
  for g in $globs; do
    for f in $g; do [[ -f $f ]] && cp -n "$f" "$corpus/" 2>/dev/null || true; done
  done
  echo "== $name: ${secs}s, $(ls "$corpus" | wc -l) seeds"
  if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build/fuzz/$name-" "$corpus" >"$build/fuzz/$name.log" 2>&1; then
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$build/fuzz/$name.log" | tail -1
  else
    failed=$((failed + 1))
    echo "FAILED: $name (log: $build/fuzz/$name.log)"
    grep -E "ERROR|SUMMARY|runtime error" "$build/fuzz/$name.log" | head -5
  fi
  ran=$((ran + 1))
done
echo "fuzz: $ran targets, $failed failed"
[[ $failed -eq 0 && $ran -gt 0 ]]
