#!/usr/bin/env bash
# memory.sh — the README's "memory stays the same whatever the load or the outage": the broker
# goes down, the application writes 27 MB more (600,000 lines) while it is away, and the agent's resident
# memory, sampled all through the outage, stays under a bound derived from read_ahead_bytes
# (what was resident before the outage, plus three times read_ahead_bytes: the lines read ahead,
# their records, and one batch being built). When the broker is back, every line arrives (the
# partition's end offset is the number of lines written).
# A control run with a read-ahead as large as the data shows the same sampling sees growth, so
# the check can fail.
source "$(dirname "$0")/lib.sh"

SEQW=$LW_TOOLS/seqwrite
mock_start -n 1 || exit 1

# rss_kb PID: resident set of PID in KiB (empty once it is gone).
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# sampler PID OUT: appends PID's RSS to OUT every 50 ms until PID is gone or OUT.stop exists
# (sampling is the measurement itself, not a wait for a condition).
sampler() {
  local pid=$1 out=$2 r
  while [[ ! -e $out.stop ]]; do
    r=$(rss_kb "$pid")
    [[ -n $r ]] || break
    echo "$r" >>"$out"
    sleep 0.05
  done
}

# outage NAME READ_AHEAD N: the agent follows a file through a broker outage during which N
# lines (about 60 bytes each) are written. Sets BASE_KB, PEAK_KB, and SEQ_* for the read-back.
outage() {
  local name=$1 ra=$2 n=$3 d=$T/$1
  mkdir -p "$d/state"
  mock_cmd "create $name 1 1"
  cat >"$d/lw.conf" <<EOF
[kafka]
brokers = $MOCK_BOOTSTRAP
linger_ms = 5
reconnect_backoff_max_ms = 500
[agent]
state_dir = $d/state
http = 127.0.0.1:0
read_ahead_bytes = $ra
[input.app]
paths = $d/app.log
topic = $name
start = beginning
EOF
  seq_lines 2000 >"$d/app.log"
  agent_start "$name" "$d/lw.conf"
  agent_wait_port "$name" || notok "$name: the agent did not start"
  wait_until 30 in_stat_eq "$AGENT_HTTP" app lines_acked 2000
  BASE_KB=$(rss_kb "$AGENT_PID")
  mock_cmd "down 1"
  : >"$d/rss"
  sampler "$AGENT_PID" "$d/rss" &
  local sp=$!
  "$SEQW" -f "$d/app.log" -n "$n" -s 2001 >/dev/null
  # The outage lasts until the agent has read all it may (read-ahead full) and then some more
  # samples: its reading waits for Kafka, the file grows, memory must not.
  SIZE=$(stat -c %s "$d/app.log")
  # Read as far as the read-ahead allows: its buffer 90% full, or 10 MB held for a larger one.
  local want=$(($(numfmt --from=iec "$ra") * 9 / 10))
  ((want > 10000000)) && want=10000000
  full() {
    local b
    b=$("$LW_BIN" stats --raw -a "$AGENT_HTTP" 2>/dev/null | tr -d '\n' | json_num buffer_bytes)
    [[ -n $b ]] && ((b >= want))
  }
  wait_until 120 full
  local k=$(($(wc -l <"$d/rss") + 40))
  wait_until 30 eval '(($(wc -l <"$d/rss") >= k))'
  touch "$d/rss.stop"
  wait "$sp"
  PEAK_KB=$(sort -n "$d/rss" | tail -1)
  mock_cmd "up 1"
  wait_until 120 in_stat_ge "$AGENT_HTTP" app lines_acked $((2000 + n))
  # The mock keeps 5 MB per partition, too little to read it all back: the end offset counts
  # the records (one per line: a loss or a duplicate would move it).
  END=$(kcat -Q -b "$MOCK_BOOTSTRAP" -t "$name:0:-1" 2>/dev/null | awk '{ print $NF }')
  note "$name: read_ahead_bytes $ra: RSS $BASE_KB KiB before the outage, peak $PEAK_KB KiB" \
    "over $(wc -l <"$d/rss") samples; $((2000 + n)) lines written, end offset ${END:-none}"
  kill -TERM "$AGENT_PID"
  wait_exit 30 "$AGENT_PID"
}

outage mem-1m 1M 600000
bound=$((BASE_KB + 3 * 1024))
check "outage, $((SIZE / 1000000)) MB written, read_ahead_bytes 1M: peak RSS $PEAK_KB KiB <= $bound KiB (before + 3 x read-ahead)" \
  test "${PEAK_KB:-999999999}" -le "$bound"
check "outage with read_ahead_bytes 1M: every line delivered once the broker is back" \
  test "${END:-0}" -eq 602000

# Control: a read-ahead as large as the data lets the agent hold it; the same bound is exceeded.
outage mem-control 256M 300000
check "control: with read_ahead_bytes 256M the same sampling sees RSS grow past that bound" \
  test "${PEAK_KB:-0}" -gt $((BASE_KB + 3 * 1024))

exit $FAILED
