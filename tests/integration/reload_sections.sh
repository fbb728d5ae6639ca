#!/usr/bin/env bash
# reload_sections.sh — hot reload of the sections other than the inputs (agent.sh covers those):
# [kafka] (the agent drains what is in flight, replaces the producer and starts the inputs
# again: a writer running through it loses nothing and duplicates nothing), [sys] (added, then
# moved to another topic: samples follow) and [agent] http (the statistics move to the new
# address, the old one is closed).
source "$(dirname "$0")/lib.sh"

SEQW=$LW_TOOLS/seqwrite
mock_start -n 1 || exit 1
D=$T/rl
mkdir -p "$D/state"
for t in rs-app rs-sys rs-sys2; do mock_cmd "create $t 1 1"; done

# free_port: a TCP port nothing listens on now.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 9<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || break
  done
  echo $p
}

# conf LINGER HTTP [SYS_TOPIC]: the configuration, written atomically (rename over the old).
conf() {
  {
    printf '[kafka]\nbrokers = %s\nlinger_ms = %s\nreconnect_backoff_max_ms = 500\n' \
      "$MOCK_BOOTSTRAP" "$1"
    printf '[agent]\nstate_dir = %s/state\nhttp = %s\ncheckpoint_ms = 100\n' "$D" "$2"
    printf '[input.app]\npaths = %s/app.log\ntopic = rs-app\nstart = beginning\n' "$D"
    [[ -n ${3:-} ]] && printf '[sys]\ntopic = %s\ninterval_s = 1\n' "$3"
  } >"$D/lw.conf.new"
  mv "$D/lw.conf.new" "$D/lw.conf"
}

logged() { grep -Eq "$2" "$T/$1.log"; }
logged_n() { (($(grep -Ec "$2" "$T/$1.log") >= $3)); }
count_ge() { (($(kcat_count "$1") >= $2)); }
serves() { "$LW_BIN" stats --raw -a "$1" >/dev/null 2>&1; }

port1=$(free_port)
conf 5 "127.0.0.1:$port1"
agent_start rl "$D/lw.conf"
A=127.0.0.1:$port1
wait_until 20 serves "$A" || notok "the agent did not start"
n=30000
"$SEQW" -f "$D/app.log" -n $n -r 5000 >/dev/null &
w=$!
wait_until 30 in_stat_ge "$A" app lines_acked 3000

# ---- [kafka] changed mid-stream ----
conf 20 "127.0.0.1:$port1"
kill -HUP "$AGENT_PID"
check "[kafka] changed: the agent says it replaces the producer once in-flight lines are in" \
  wait_until 20 logged rl 'msg="\[kafka\] changed: the producer restarts'
check "[kafka] changed: a new producer (a second producer id) is running" \
  wait_until 30 logged_n rl 'producer id' 2
acked=$(in_stat "$A" app lines_acked)
check "[kafka] changed: the input ships again with the new producer" \
  wait_until 30 in_stat_ge "$A" app lines_acked $((acked + 2000))

# ---- [sys] added, then moved ----
conf 20 "127.0.0.1:$port1" rs-sys
check "[sys] added by reload: samples arrive" wait_until 30 count_ge rs-sys 1
conf 20 "127.0.0.1:$port1" rs-sys2
check "[sys] moved to another topic by reload: samples arrive there" \
  wait_until 30 count_ge rs-sys2 2
before=$(kcat_count rs-sys)
check "[sys] moved: the old topic gets no more samples" \
  eval 'wait_until 30 count_ge rs-sys2 4 && [[ $(kcat_count rs-sys) -eq $before ]]'

# ---- [agent] http moved ----
port2=$(free_port)
conf 20 "127.0.0.1:$port2" rs-sys2
B=127.0.0.1:$port2
check "http moved by reload: the new address serves the statistics" wait_until 20 serves "$B"
check "http moved: the old address is closed" bash -c "! (exec 9<>/dev/tcp/127.0.0.1/$port1) 2>/dev/null"

# Everything written through the three reloads, once.
wait $w
wait_until 60 in_stat_ge "$B" app lines_acked $n
wait_until 20 in_stat_eq "$B" app lag_bytes 0
kcat_read rs-app >"$D/out"
note "reloads: $(seq_report $n "$D/out")"
seq_report $n "$D/out" >/dev/null
check "through the [kafka], [sys] and http reloads: every line delivered once" \
  test "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0
kill -TERM "$AGENT_PID"
wait_exit 30 "$AGENT_PID"
check "the agent stops cleanly after the reloads" test "$EXIT_RC" -eq 0

exit $FAILED
