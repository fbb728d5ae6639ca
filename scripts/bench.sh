#!/usr/bin/env bash
# bench.sh BUILD — logwire's benchmarks, side by side with kcat in the same run. Timings are
# reported, never asserted: medians of BENCH_RUNS (default 3) runs, with ratios against kcat.
#
#   instructions  valgrind callgrind: user-space instructions per line for logwire produce,
#            the agent, kcat and a floor (read + memchr + CRC-32C), 500,000 fixed lines; the
#            one measure here that does not move with the machine's load (scripts/bench_instr.sh)
#   proto    CRC-32C GB/s (hardware and portable paths), RecordBatch encode/decode rates
#   produce  2,000,000 lines of ~110 bytes, one-broker mock cluster, acks=all:
#            `logwire produce -f FILE` against `kcat -P -l FILE`
#   agent    the same file through `logwire run --once` against kcat, and against rsyslog's
#            imfile + omkafka and Fluent Bit when RSYSLOGD / FLUENTBIT point at their binaries
#            (e.g. RSYSLOGD=/usr/sbin/rsyslogd with Debian's rsyslog-kafka installed)
#   latency  10,000 lines/s for 30 s into a followed file, linger_ms=1: line write -> ack; then
#            quiet logs, one line per write at 2, 10, 33, 50 and 100 lines/s (LATENCY_RATES,
#            LATENCY_SECS; the LATENCY_* variables of tests/bench/bench_latency.c select
#            variants). Before each, the floor at the same rate: the same wake-ups (inotify, a
#            1 ms timer, a loopback TCP answer) with no agent and no Kafka; first, how long
#            the machine takes a core away from a thread spinning on it (bench_stalls,
#            LATENCY_STALL_SECS per core)
#   idle     1,000 watched quiet files: CPU over 30 s
#   fleet    100 agents watching one etcd: `fleet put` -> applied by all (p50/p99), etcd's CPU,
#            extra agent RSS with [etcd] (scripts/bench-fleet.sh)
#
# BENCH_SECTIONS="proto produce" selects sections; BENCH_LINES changes the line count.
# Every delivery is verified: each tool writes to its own single-partition topic whose end
# offset must equal the line count (the mock keeps only 5 MB per partition, so counting the
# records themselves is not possible at this volume). A run that fails this check is shown as
# failed and left out of the medians; a tool whose runs all failed is shown FAILED. On the
# first run of each tool the content is verified too: the records the mock still holds must be
# the input's last lines, byte for byte and in order.
set -uo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
export LW_ROOT=$root LW_BIN=${LW_BIN:-$root/$build/logwire} LW_TOOLS=$root/$build/tools
source "$root/tests/integration/lib.sh"
sections=${BENCH_SECTIONS:-instructions proto produce agent latency idle fleet}
runs=${BENCH_RUNS:-3}
lines=${BENCH_LINES:-2000000}
out=$root/$build/bench
mkdir -p "$out"
report=$out/results.txt
: >"$report"
say() { echo "$*" | tee -a "$report"; }

# The input: realistic ~110-byte log lines, generated once.
input=$out/lines-$lines.txt
if [[ ! -s $input ]]; then
  awk -v n="$lines" 'BEGIN { for (i = 1; i <= n; i++)
    printf "2026-11-21T17:20:%02d.%03dZ host-%02d app[%5d]: request id=%08d path=/api/v1/items/%06d status=200 ms=%d\n",
      i % 60, i % 1000, i % 17, i % 32768, i, i % 999983, i % 500 }' >"$input"
fi
bytes=$(stat -c %s "$input")

# median of the arguments
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# end_offset TOPIC: records appended to partition 0.
end_offset() { kcat -Q -b "$MOCK_BOOTSTRAP" -t "$1:0:-1" 2>/dev/null | awk '{ print $NF }'; }

source "$root/scripts/bench_instr.sh"

# content_ok TOPIC: the records TOPIC still holds (the mock's retention keeps the last ones)
# are the input's last lines, in order, byte for byte. Prints how many were compared.
content_ok() {
  kcat_read "$1" >"$out/content"
  local n
  n=$(wc -l <"$out/content")
  echo "$n"
  ((n > 0)) && tail -n "$n" "$input" | cmp -s - "$out/content"
}

declare -A W C R F
# run_done NAME RUN TOPIC EXIT WALL USER SYS MAXRSS: verify one run's delivery (end offset; the
# content too on the first run); a good run's figures go to walls/cpus/rss, a failed one is
# reported and counted in F[NAME] instead.
run_done() {
  local name=$1 i=$2 t=$3 code=$4 wall=$5 user=$6 sys=$7 maxrss=$8 got why="" n
  got=$(end_offset "$t")
  if [[ $code -ne 0 || ${got:-0} -ne $lines ]]; then
    why="exit $code, ${got:-0} of $lines lines acknowledged: $(tail -2 "$out/err" | tr '\n' ' ')"
  elif ((i == 1)); then
    if n=$(content_ok "$t"); then
      say "  $name run 1: content verified (the last $n records, byte for byte)"
    else
      why="content differs from the input's last $n lines"
    fi
  fi
  if [[ -n $why ]]; then
    say "  $name run $i: FAILED, left out of the medians: $why"
    F[$name]=$((${F[$name]:-0} + 1))
    return
  fi
  walls+=("$wall")
  cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.3f", u + s }')")
  rss+=("$maxrss")
}

# medians NAME: the medians of the good runs into W/C/R (nothing when every run failed).
medians() {
  [[ ${#walls[@]} -gt 0 ]] || return 0
  W[$1]=$(median "${walls[@]}")
  C[$1]=$(median "${cpus[@]}")
  R[$1]=$(median "${rss[@]}")
}

# measure NAME TOPIC CMD...: run CMD $runs times on fresh topics; keep medians in W/C/R.
measure() {
  local name=$1 topic=$2
  shift 2
  local walls=() cpus=() rss=() i
  for i in $(seq "$runs"); do
    local t="$topic-$i-$RANDOM"
    mock_cmd "create $t 1 1"
    local cmd=("${@//@TOPIC@/$t}")
    "$LW_TOOLS/runstat" -o "$out/stat" -- "${cmd[@]}" >/dev/null 2>"$out/err" || true
    read -r wall user sys maxrss code <"$out/stat"
    run_done "$name" "$i" "$t" "${code:-1}" "$wall" "$user" "$sys" "$maxrss"
  done
  medians "$name"
}

# measure_daemon NAME TOPIC CMD...: like measure, for a program that does not exit by itself
# (rsyslogd, Fluent Bit): it is stopped with SIGTERM once every line is acknowledged (the
# topic's end offset reaches the line count), then measured like the others (wall time up to
# that point, CPU and peak RSS of its whole process tree from wait4).
measure_daemon() {
  local name=$1 topic=$2
  shift 2
  local walls=() cpus=() rss=() i
  for i in $(seq "$runs"); do
    local t="$topic-$i-$RANDOM"
    mock_cmd "create $t 1 1"
    local cmd=("${@//@TOPIC@/$t}")
    local t0
    t0=$(date +%s%N)
    "$LW_TOOLS/runstat" -o "$out/stat" -- "${cmd[@]}" >/dev/null 2>"$out/err" &
    local pid=$!
    local got=0 deadline=$((SECONDS + 600))
    while ((SECONDS < deadline)); do
      got=$(end_offset "$t")
      [[ ${got:-0} -ge $lines ]] && break
      kill -0 $pid 2>/dev/null || break
      sleep 0.05
    done
    local wall
    wall=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    pkill -TERM -P $pid 2>/dev/null
    wait $pid
    read -r _ user sys maxrss code <"$out/stat"
    # Stopped by SIGTERM once done: its exit status says nothing about delivery.
    run_done "$name" "$i" "$t" 0 "$wall" "$user" "$sys" "$maxrss"
  done
  medians "$name"
}

table() {
  local ref=$1
  shift
  say "$(printf '  %-26s %8s %8s %11s %12s   %s' tool wall-s CPU-s peak-RSS-MB lines/s "ratio to $ref (wall / CPU / RSS)")"
  local n
  for n in "$ref" "$@"; do
    if [[ -z ${W[$n]:-} ]]; then
      [[ -n ${F[$n]:-} ]] && say "$(printf '  %-26s FAILED: every run failed its delivery check' "$n")"
      continue
    fi
    [[ -n ${F[$n]:-} ]] && say "$(printf '  %-26s (%d of %d runs failed, left out)' "$n" "${F[$n]}" "$runs")"
    local ratio=""
    [[ $n != "$ref" && -n ${W[$ref]:-} ]] && ratio=$(awk -v w="${W[$n]}" -v c="${C[$n]}" -v r="${R[$n]}" \
      -v W="${W[$ref]}" -v C="${C[$ref]}" -v R="${R[$ref]}" \
      'BEGIN { printf "%.2f / %.2f / %.2f", w / W, c / C, r / R }')
    say "$(awk -v n="$n" -v w="${W[$n]}" -v c="${C[$n]}" -v r="${R[$n]}" -v l="$lines" -v ra="$ratio" \
      'BEGIN { printf "  %-26s %8.3f %8.3f %11.1f %12.0f   %s", n, w, c, r / 1024, l / w, ra }')"
  done
}

section_proto() {
  say "== proto micro-benchmarks"
  "$root/$build/bench/bench_proto" | tee -a "$report"
}

section_produce() {
  say "== produce: $lines lines ($((bytes / 1000000)) MB), one-broker mock, acks=all, medians of $runs"
  measure "kcat -P -l" bench-kcat kcat -P -b "$MOCK_BOOTSTRAP" -t @TOPIC@ -X acks=all -l "$input"
  measure "logwire produce" bench-lw "$LW_BIN" produce -q -b "$MOCK_BOOTSTRAP" -t @TOPIC@ -f "$input"
  local static=$root/$build/logwire-static
  [[ -x $static ]] && measure "logwire-static produce" bench-lws "$static" produce -q \
    -b "$MOCK_BOOTSTRAP" -t @TOPIC@ -f "$input"
  table "kcat -P -l" "logwire produce" "logwire-static produce"
}

section_agent() {
  [[ -x $LW_BIN ]] && "$LW_BIN" run --help >/dev/null 2>&1 || {
    say "== agent: skipped (logwire run unavailable)"
    return
  }
  say "== agent: $lines lines in one file, \`logwire run --once\`, one-broker mock, acks=all, medians of $runs"
  mkdir -p "$out/agent"
  cat >"$out/agent/run.conf.in" <<EOF
[kafka]
brokers = $MOCK_BOOTSTRAP
acks = all
[agent]
state_dir = $out/agent/state-@TOPIC@
[input.bench]
paths = $input
start = beginning
topic = @TOPIC@
EOF
  cat >"$out/agent/run.sh" <<'EOF'
#!/usr/bin/env bash
# run.sh CONF_IN TOPIC BIN: a fresh config and state for one `run --once`.
sed "s/@TOPIC@/$2/g" "$1" >"${1%.in}-$2"
rm -rf "$(dirname "$1")/state-$2"
exec "$3" run --once -c "${1%.in}-$2"
EOF
  chmod +x "$out/agent/run.sh"
  measure "kcat -P -l" bench-kcat kcat -P -b "$MOCK_BOOTSTRAP" -t @TOPIC@ -X acks=all -l "$input"
  measure "logwire run --once" bench-run "$out/agent/run.sh" "$out/agent/run.conf.in" @TOPIC@ "$LW_BIN"
  local static=$root/$build/logwire-static
  [[ -x $static ]] && measure "logwire-static run --once" bench-runs "$out/agent/run.sh" \
    "$out/agent/run.conf.in" @TOPIC@ "$static"
  if [[ -n ${RSYSLOGD:-} && -x ${RSYSLOGD:-} ]]; then
    # rsyslog's imfile follows the file from its beginning; omkafka (librdkafka) ships each line
    # as it is (the raw message, no syslog framing), acks=all.
    cat >"$out/agent/rsyslog.conf.in" <<EOF
global(workDirectory="$out/agent/rsyslog-@TOPIC@")
module(load="imfile")
module(load="omkafka")
template(name="raw" type="string" string="%rawmsg%")
input(type="imfile" File="$input" Tag="bench" freshStartTail="off" ruleset="ship")
ruleset(name="ship") {
  action(type="omkafka" broker=["$MOCK_BOOTSTRAP"] topic="@TOPIC@" template="raw"
         confParam=["acks=all"])
}
EOF
    cat >"$out/agent/rsyslog.sh" <<'EOF'
#!/usr/bin/env bash
# rsyslog.sh CONF_IN TOPIC RSYSLOGD: a fresh config and work directory, rsyslogd in the foreground.
sed "s/@TOPIC@/$2/g" "$1" >"${1%.in}-$2"
mkdir -p "$(dirname "$1")/rsyslog-$2"
exec "$3" -n -f "${1%.in}-$2" -i "$(dirname "$1")/rsyslog-$2/pid"
EOF
    chmod +x "$out/agent/rsyslog.sh"
    measure_daemon "rsyslogd imfile+omkafka" bench-rsyslog "$out/agent/rsyslog.sh" \
      "$out/agent/rsyslog.conf.in" @TOPIC@ "$RSYSLOGD"
  fi
  if [[ -n ${FLUENTBIT:-} && -x ${FLUENTBIT:-} ]]; then
    cat >"$out/agent/fluentbit.conf.in" <<EOF
[INPUT]
    Name tail
    Path $input
    Read_from_Head true
[OUTPUT]
    Name kafka
    Match *
    Brokers $MOCK_BOOTSTRAP
    Topics @TOPIC@
    Format raw
    Raw_Log_Key log
    rdkafka.acks all
EOF
    cat >"$out/agent/fluentbit.sh" <<'EOF'
#!/usr/bin/env bash
sed "s/@TOPIC@/$2/g" "$1" >"${1%.in}-$2"
exec "$3" -c "${1%.in}-$2"
EOF
    chmod +x "$out/agent/fluentbit.sh"
    measure_daemon "fluent-bit tail+kafka" bench-fluentbit "$out/agent/fluentbit.sh" \
      "$out/agent/fluentbit.conf.in" @TOPIC@ "$FLUENTBIT"
  fi
  table "kcat -P -l" "logwire run --once" "logwire-static run --once" "rsyslogd imfile+omkafka" \
    "fluent-bit tail+kafka"
}

section_latency() {
  [[ -x $root/$build/bench/bench_latency ]] || {
    say "== latency: skipped (bench_latency not built)"
    return
  }
  # Each rate twice: the floor (the same chain of wake-ups, inotify -> 1 ms timer -> loopback
  # TCP answer, with no agent and no Kafka: what this machine itself costs), then the agent.
  local r secs=${LATENCY_SECS:-30}
  if [[ -x $root/$build/bench/bench_stalls ]]; then
    say "== latency: machine stalls, a thread spinning on each core in turn, the others free"
    "$root/$build/bench/bench_stalls" "${LATENCY_STALL_SECS:-10}" | tee -a "$report"
  fi
  for r in 10000 ${LATENCY_RATES:-2 10 33 50 100}; do
    local how="one line per write"
    ((r >= 1000)) && how="$((r / 1000)) lines per write every ms"
    say "== latency floor: $r lines/s, $how, for $secs s, 1 ms linger, write -> answer"
    LATENCY_FLOOR=1 "$root/$build/bench/bench_latency" "$LW_BIN" "$MOCK_BOOTSTRAP" \
      "$out/latency" "$r" "$secs" | tee -a "$report"
    say "== latency: $r lines/s, $how, for $secs s, linger_ms=1, write -> acknowledgement"
    "$root/$build/bench/bench_latency" "$LW_BIN" "$MOCK_BOOTSTRAP" "$out/latency" "$r" "$secs" |
      tee -a "$report"
  done
}

section_idle() {
  [[ -x $root/$build/bench/bench_idle ]] || {
    say "== idle: skipped (bench_idle not built)"
    return
  }
  say "== idle: 1,000 watched quiet files, 30 s"
  "$root/$build/bench/bench_idle" "$LW_BIN" "$MOCK_BOOTSTRAP" "$out/idle" | tee -a "$report"
}

section_fleet() {
  command -v etcd >/dev/null || {
    say "== fleet: skipped (etcd not installed)"
    return
  }
  say "== fleet: ${BENCH_AGENTS:-100} agents watching one etcd"
  MOCK_BOOTSTRAP=$MOCK_BOOTSTRAP "$root/scripts/bench-fleet.sh" "$build" "$out" | tee -a "$report"
}

say "logwire benchmarks, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg), TCP congestion control $(cat /proc/sys/net/ipv4/tcp_congestion_control 2>/dev/null || echo unknown)"
mock_start -n 1 || exit 1
for s in $sections; do
  "section_$s"
done
say "(results also in $report)"
