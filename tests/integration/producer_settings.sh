#!/usr/bin/env bash
# producer_settings.sh — the [kafka] settings users rely on when a broker misbehaves, each shown
# by what logwire does, never by how fast it does it: connect_timeout_ms against a listener that
# accepts and never answers, request_timeout_ms against a broker that stops answering mid-stream
# (nothing lost, nothing twice once it answers again), max_in_flight as the most requests ever
# outstanding on one connection (read from --trace), retry_backoff_ms / retry_backoff_max_ms as
# a lower bound on the time four retries take, metadata_refresh_ms as Metadata requests sent by
# an idle producer. Lower bounds on time only: a slower machine can only make them longer.
source "$(dirname "$0")/lib.sh"

mock_start -n 1 || {
  notok "mock cluster starts"
  exit 1
}

# ---- connect_timeout_ms: a listener that accepts and never answers ----
# socat accepts each connection and swallows what it receives (no Kafka broker behind it).
hang_port=
for tries in 1 2 3 4 5; do
  p=$((20000 + RANDOM % 40000))
  socat "TCP-LISTEN:$p,bind=127.0.0.1,reuseaddr,fork" SYSTEM:'cat >/dev/null' 2>/dev/null &
  pid=$!
  LW_BG_PIDS+=("$pid")
  if wait_until 5 bash -c "(exec 9<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || ! kill -0 $pid" &&
    kill -0 "$pid" 2>/dev/null; then
    hang_port=$p
    break
  fi
done
if [[ -z $hang_port ]]; then
  notok "a silent listener (socat) starts"
else
  echo "line 1" >"$T/one.txt"
  mock_cmd "create silent 1 1"
  "$LW_BIN" produce -d -b "127.0.0.1:$hang_port" -t silent -f "$T/one.txt" \
    -X connect_timeout_ms=1000 -X reconnect_backoff_ms=50 -X reconnect_backoff_max_ms=100 \
    -X delivery_timeout_ms=600000 2>"$T/silent.err" &
  lw=$!
  LW_BG_PIDS+=("$lw")
  # ApiVersions is part of connecting: with no answer, the attempt ends at connect_timeout_ms
  # and logwire tries again (twice seen: it does not hang on the first connection).
  timeouts() { (($(grep -c "APIVERSIONS timed out after 1000 ms" "$T/silent.err") >= 2)); }
  check "connect_timeout_ms: a broker that never answers is given up, then retried" \
    wait_until 30 timeouts
  kill "$lw" 2>/dev/null
  wait "$lw" 2>/dev/null
fi

# ---- request_timeout_ms: a broker that stops answering mid-stream ----
mock_cmd "create hang 1 1"
mkfifo "$T/hang.in"
"$LW_BIN" produce -d -b "$MOCK_BOOTSTRAP" -t hang -f "$T/hang.in" -X request_timeout_ms=1500 \
  -X linger_ms=0 -X reconnect_backoff_max_ms=200 2>"$T/hang.err" &
lw=$!
LW_BG_PIDS+=("$lw")
exec {HW}>"$T/hang.in"
seq_lines 500 >&$HW
count_ge() { (($(kcat_count "$1") >= $2)); }
wait_until 30 count_ge hang 500
# From now on every answer of broker 1 is held 60 s: the next Produce request hangs.
mock_cmd "rtt 1 60000"
seq_lines 1000 | tail -n 500 >&$HW
timed_out() { grep -q "request Produce v[0-9]* (correlation id [0-9]*) timed out after 1500 ms" "$T/hang.err"; }
check "request_timeout_ms: a request without an answer is given up and the connection replaced" \
  wait_until 30 timed_out
mock_cmd "rtt 1 0"
exec {HW}>&-
wait_exit 60 "$lw"
kcat_read hang >"$T/hang.out"
note "request_timeout_ms: $(seq_report 1000 "$T/hang.out") (exit $EXIT_RC)"
seq_report 1000 "$T/hang.out" >/dev/null
# The mock cluster (librdkafka 2.0.2) appends a retried idempotent batch again instead of
# answering DUPLICATE_SEQUENCE_NUMBER, so duplicates here are the mock's; what logwire must do
# is retry under the same producer id (its sequences unchanged), which the log shows.
check "request_timeout_ms: once the broker answers again, nothing lost, same producer id" \
  test "$SEQ_MISSING" -eq 0 -a "$EXIT_RC" -eq 0 -a "$(grep -c 'producer id' "$T/hang.err")" -eq 1

# ---- max_in_flight: the most Produce requests outstanding on the connection ----
# A slow broker (200 ms per answer) and many small batches (linger 0, batch_bytes small), so
# that a producer that may pipeline does; the trace shows each send and each answer in order.
# max_outstanding TRACE: the largest number of Produce requests sent and not yet answered.
max_outstanding() {
  awk '/^>>> send Produce / { o++; if (o > m) m = o } /^<<< recv Produce / { o-- }
    END { print m + 0 }' "$1"
}
mock_cmd "rtt 1 200"
for mif in 1 5; do
  mock_cmd "create mif-$mif 1 1"
  seq_lines 3000 "mif$mif" >"$T/mif.txt"
  "$LW_BIN" produce --trace -b "$MOCK_BOOTSTRAP" -t "mif-$mif" -f "$T/mif.txt" -X linger_ms=0 \
    -X batch_bytes=2048 -X max_in_flight=$mif >"$T/mif-$mif.trace" 2>&1
  rc=$?
  m=$(max_outstanding "$T/mif-$mif.trace")
  kcat_read "mif-$mif" >"$T/mif.out"
  seq_report 3000 "$T/mif.out" "mif$mif" >/dev/null
  note "max_in_flight=$mif: at most $m Produce requests outstanding (exit $rc)"
  if [[ $mif -eq 1 ]]; then
    check "max_in_flight=1: never two Produce requests outstanding, every line once" \
      test "$m" -eq 1 -a "$rc" -eq 0 -a "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0
  else
    check "max_in_flight=5: pipelined (more than 1) but never more than 5, every line once" \
      test "$m" -gt 1 -a "$m" -le 5 -a "$rc" -eq 0 -a "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0
  fi
done
mock_cmd "rtt 1 0"

# ---- retry_backoff_ms / retry_backoff_max_ms ----
# Four retriable errors (NOT_ENOUGH_REPLICAS) on one batch: waits of 200, 400, 800 (the
# maximum) and 800 ms before the five sends, 2200 ms in all. Timestamps are taken as the trace
# lines are read (the first may be read late), so the span from the first send to the last is
# judged against 80% of that, as a lower bound: without the backoffs it would be a few ms.
mock_cmd "create backoff 1 1"
mock_cmd "err 0 19 4"
echo "line 0000001 once" |
  "$LW_BIN" produce --trace -b "$MOCK_BOOTSTRAP" -t backoff -X linger_ms=0 \
    -X retry_backoff_ms=200 -X retry_backoff_max_ms=800 2>&1 |
  grep --line-buffered '^>>> send Produce ' | while IFS= read -r l; do echo "$EPOCHREALTIME"; done \
  >"$T/backoff.times"
sends=$(wc -l <"$T/backoff.times")
span=$(awk 'NR == 1 { a = $1 } { b = $1 } END { printf "%d", (b - a) * 1000 }' "$T/backoff.times")
note "retry backoff: $sends Produce sends over $span ms (waits 200+400+800+800 = 2200 ms)"
check "retry backoffs: four retries, spread over at least the 2200 ms of backoff" \
  test "$sends" -eq 5 -a "${span:-0}" -ge 1760 -a "$(kcat_count backoff)" -eq 1

# ---- metadata_refresh_ms: an idle producer refreshes its metadata ----
mock_cmd "create idle 1 1"
mkfifo "$T/idle.in"
"$LW_BIN" produce --trace -b "$MOCK_BOOTSTRAP" -t idle -f "$T/idle.in" \
  -X metadata_refresh_ms=1000 >"$T/idle.trace" 2>&1 &
lw=$!
LW_BG_PIDS+=("$lw")
exec {IW}>"$T/idle.in"
md_ge() { (($(grep -c '^>>> send Metadata ' "$T/idle.trace") >= $1)); }
check "metadata_refresh_ms: an idle producer asks for metadata again and again (4 requests)" \
  wait_until 30 md_ge 4
exec {IW}>&-
wait_exit 20 "$lw"

exit $FAILED
