# bench_instr.sh — sourced by scripts/bench.sh: the `instructions` section. Wall and CPU
# seconds on a shared machine move by a third from run to run; the number of user-space
# instructions a program executes for a fixed input does not. Each tool ships the same
# 500,000 lines of ~110 bytes to a one-broker mock cluster (acks=all) under valgrind's
# callgrind, and the total is printed per line, with ratios to the floor:
#   floor    bench_floor: read(2) in 1 MiB blocks + memchr + CRC-32C over every byte
#   produce  `logwire produce -f FILE`
#   agent    `logwire run --once` following FILE from its beginning
#   kcat     `kcat -P -l FILE` (librdkafka; all its threads are counted)
# Whole processes are counted, start-up and shutdown included (a few million instructions,
# under 10 a line). INSTR_TOOLS="floor produce agent kcat" selects; INSTR_LINES changes the
# input (the published figures use 500,000).
#
# Needs: $root $build $out $MOCK_BOOTSTRAP, say, mock_cmd and end_offset from bench.sh.

instr_lines=${INSTR_LINES:-500000}

# instr_count NAME TOPIC CMD...: run CMD under callgrind; sets IN[NAME] to the instructions
# executed (every thread), checks that TOPIC (when not "-") received every line.
declare -A IN
instr_count() {
  local name=$1 topic=$2
  shift 2
  local cg=$out/instr/callgrind.$name
  rm -f "$cg"*
  if ! valgrind --tool=callgrind --callgrind-out-file="$cg" --dump-instr=no \
    --compress-strings=no "$@" >"$out/instr/$name.out" 2>"$out/instr/$name.err"; then
    say "  $name: failed: $(tail -2 "$out/instr/$name.err")"
    return
  fi
  if [[ $topic != - ]]; then
    local got
    got=$(end_offset "$topic")
    [[ ${got:-0} -eq $instr_lines ]] || say "  $name: ${got:-0} of $instr_lines lines acknowledged"
  fi
  # "totals:" (or "summary:") holds the Ir count of the whole process, all threads.
  IN[$name]=$(awk '/^(totals|summary):/ { print $2; exit }' "$cg")
}

section_instructions() {
  command -v valgrind >/dev/null || {
    say "== instructions: skipped (valgrind not installed)"
    return
  }
  local tools=${INSTR_TOOLS:-floor produce agent kcat}
  mkdir -p "$out/instr"
  local in=$out/lines-$instr_lines.txt
  if [[ ! -s $in ]]; then
    awk -v n="$instr_lines" 'BEGIN { for (i = 1; i <= n; i++)
      printf "2026-11-21T17:20:%02d.%03dZ host-%02d app[%5d]: request id=%08d path=/api/v1/items/%06d status=200 ms=%d\n",
        i % 60, i % 1000, i % 17, i % 32768, i, i % 999983, i % 500 }' >"$in"
  fi
  say "== instructions: $instr_lines lines ($(($(stat -c %s "$in") / instr_lines)) bytes a line), one-broker mock, acks=all, valgrind callgrind (user-space instructions, whole process)"
  local t=instr-$RANDOM
  local tool
  for tool in $tools; do
    case $tool in
      floor)
        instr_count floor - "$root/$build/bench/bench_floor" "$in"
        ;;
      produce)
        mock_cmd "create $t-produce 1 1"
        instr_count produce "$t-produce" "$LW_BIN" produce -q -b "$MOCK_BOOTSTRAP" \
          -t "$t-produce" -f "$in"
        ;;
      agent)
        mock_cmd "create $t-agent 1 1"
        rm -rf "$out/instr/state"
        cat >"$out/instr/agent.conf" <<EOF
[kafka]
brokers = $MOCK_BOOTSTRAP
acks = all
[agent]
state_dir = $out/instr/state
[input.bench]
paths = $in
start = beginning
topic = $t-agent
EOF
        instr_count agent "$t-agent" "$LW_BIN" run --once -c "$out/instr/agent.conf"
        ;;
      kcat)
        mock_cmd "create $t-kcat 1 1"
        instr_count kcat "$t-kcat" kcat -P -b "$MOCK_BOOTSTRAP" -t "$t-kcat" -X acks=all -l "$in"
        ;;
    esac
  done
  local floor=${IN[floor]:-}
  say "$(printf '  %-34s %16s %12s %10s' tool instructions 'per line' 'x floor')"
  local label
  for tool in floor produce agent kcat; do
    [[ -n ${IN[$tool]:-} ]] || continue
    case $tool in
      floor) label="floor: read + memchr + CRC-32C" ;;
      produce) label="logwire produce -f" ;;
      agent) label="logwire run --once (agent)" ;;
      kcat) label="kcat -P -l" ;;
    esac
    say "$(awk -v l="$label" -v i="${IN[$tool]}" -v n="$instr_lines" -v f="$floor" \
      'BEGIN { r = f ? sprintf("%.2f", i / f) : "-"; printf "  %-34s %16.0f %12.0f %10s", l, i, i / n, r }')"
  done
  if [[ -n ${IN[kcat]:-} ]]; then
    for tool in produce agent; do
      [[ -n ${IN[$tool]:-} ]] && say "$(awk -v t="$tool" -v a="${IN[$tool]}" -v k="${IN[kcat]}" \
        'BEGIN { printf "  %s / kcat: %.3f", t, a / k }')"
    done
  fi
}
