#!/usr/bin/env bash
# ops.sh — what an operator sees: `run --check` refusing everything `run` would refuse (and
# `run` never crashing on its way out), one agent per state_dir, --once's summary and its exit
# status when a signal stops it, broker outages in the log and /metrics, /health, and the CLI's
# conventions (help, usage errors, global flags, version).
#
# LW_PARTS="check lock" runs only some parts (all by default).
source "$(dirname "$0")/lib.sh"

PARTS=${LW_PARTS:-check lock once outage http cli}
want() { [[ " $PARTS " == *" $1 "* ]]; }
mock_start -n 1 || exit 1
DOWN=127.0.0.1:1 # nothing listens on port 1

# conf FILE BROKERS STATE_DIR [agent keys...]: an agent config with one input a -> ops-a.
conf() {
  local f=$1 b=$2 st=$3
  shift 3
  {
    printf '[kafka]\nbrokers = %s\nlinger_ms = 5\nreconnect_backoff_max_ms = 500\n' "$b"
    printf '[agent]\nstate_dir = %s\n' "$st"
    local k
    for k in "$@"; do echo "$k"; done
    printf '[input.a]\npaths = %s/a.log\ntopic = ops-a\nstart = beginning\n' "$(dirname "$f")"
  } >"$f"
}

# ---- run --check refuses what run refuses ----

part_check() {
  local d=$T/check out rc b
  mkdir -p "$d"
  for b in localhost kafka:99999 host:port '[::1:9092'; do
    conf "$d/b.conf" "$b" "$d/state"
    out=$("$LW_BIN" run --check -c "$d/b.conf" 2>&1)
    rc=$?
    check "--check: brokers = $b refused at its line, exit 2" \
      test $rc -eq 2 -a "${out%%\"*}" = "$d/b.conf:2: brokers: "
  done
  # A value only the TLS setup refuses: --check says so, and run exits 2 without crashing.
  conf "$d/tls.conf" "$DOWN" "$d/state" && sed -i 's/^linger_ms.*/&\nsecurity_protocol = ssl\nssl_ca_file = \/nonexistent\/ca.pem/' "$d/tls.conf"
  out=$("$LW_BIN" run --check -c "$d/tls.conf" 2>&1)
  rc=$?
  check "--check: an unreadable ssl_ca_file is refused (exit 2)" \
    test $rc -eq 2 -a -n "$(grep -F 'TLS setup: ' <<<"$out")"
  "$LW_BIN" run -c "$d/tls.conf" 2>"$d/tls.err"
  rc=$?
  check "run: a refused TLS setup exits 2 (no crash on the way out)" test $rc -eq 2
  # state_dir under a regular file cannot be created.
  touch "$d/file"
  conf "$d/st.conf" "$MOCK_BOOTSTRAP" "$d/file/state"
  out=$("$LW_BIN" run --check -c "$d/st.conf" 2>&1)
  rc=$?
  check "--check: a state_dir that cannot be created is refused at its line" \
    test $rc -eq 2 -a -n "$(grep -F "$d/st.conf:6: state_dir: $d/file exists and is not a directory" <<<"$out")"
  # The http address in use: --check refuses it; run names the cause.
  conf "$d/h1.conf" "$MOCK_BOOTSTRAP" "$d/state1" "http = 127.0.0.1:0"
  : >"$d/a.log"
  agent_start h1 "$d/h1.conf"
  local pid1=$AGENT_PID
  agent_wait_port h1 || notok "check: the first agent did not serve its statistics"
  conf "$d/h2.conf" "$MOCK_BOOTSTRAP" "$d/state2" "http = $AGENT_HTTP"
  out=$("$LW_BIN" run --check -c "$d/h2.conf" 2>&1)
  rc=$?
  check "--check: an http address in use is refused, named as such" \
    test $rc -eq 2 -a -n "$(grep -F "$d/h2.conf:7: http: cannot listen on $AGENT_HTTP: Address already in use" <<<"$out")"
  "$LW_BIN" run -c "$d/h2.conf" 2>"$d/h2.err"
  check "run: an http address in use is logged as \"Address already in use\"" \
    grep -q 'msg="cannot serve statistics".*reason="Address already in use"' "$d/h2.err"
  kill "$pid1" 2>/dev/null
  wait_exit 20 "$pid1"
}

# ---- one agent per state_dir ----

part_lock() {
  local d=$T/lock rc
  mkdir -p "$d"
  : >"$d/a.log"
  conf "$d/lw.conf" "$MOCK_BOOTSTRAP" "$d/state" "http = 127.0.0.1:0"
  agent_start lock1 "$d/lw.conf"
  local pid1=$AGENT_PID
  agent_wait_port lock1 || notok "lock: the first agent did not start"
  sed -i 's/^http = .*/http = 127.0.0.1:0/' "$d/lw.conf"
  "$LW_BIN" run -c "$d/lw.conf" 2>"$d/second.err" &
  local pid2=$!
  LW_BG_PIDS+=("$pid2")
  wait_exit 20 "$pid2"
  check "lock: a second agent on the same state_dir exits 1" test "$EXIT_RC" -eq 1
  check "lock: ... naming the holder's pid" \
    grep -q "msg=\"another agent uses this state_dir: refusing to start\".* pid=$pid1 " "$d/second.err"
  check "lock: the first agent keeps running" kill -0 "$pid1"
  kill "$pid1"
  wait_exit 20 "$pid1"
  "$LW_BIN" run --once -c "$d/lw.conf" 2>"$d/third.err"
  check "lock: released when the holder exits" test $? -eq 0
}

# ---- --once: summary, start = end, SIGTERM ----

part_once() {
  local d=$T/once rc
  mkdir -p "$d"
  mock_cmd "create ops-a 1 1" 2>/dev/null
  seq_lines 200 >"$d/a.log"
  conf "$d/lw.conf" "$MOCK_BOOTSTRAP" "$d/state"
  "$LW_BIN" run --once -c "$d/lw.conf" 2>"$d/1.err"
  rc=$?
  check "--once: a summary with lines, bytes, files and failures" \
    test $rc -eq 0 -a -n "$(grep 'msg="once: summary" lines=200 bytes=[1-9][0-9]* files=1 failures=0 complete=true' "$d/1.err")"
  # start = end, first sight: nothing shipped, and why.
  sed -i 's/^start = beginning/start = end/' "$d/lw.conf"
  sed -i "s|^state_dir = .*|state_dir = $d/state-end|" "$d/lw.conf"
  "$LW_BIN" run --once -c "$d/lw.conf" 2>"$d/2.err"
  rc=$?
  check "--once with start = end: says nothing was shipped because of start = end" \
    test $rc -eq 0 -a -n "$(grep 'level=warn msg="nothing shipped: start = end' "$d/2.err")" \
    -a -n "$(grep 'msg="once: summary" lines=0 ' "$d/2.err")"
  # Stopped by SIGTERM with lines undelivered (the broker is down): exit non-zero.
  conf "$d/down.conf" "$DOWN" "$d/state-down" "shutdown_timeout_ms = 200"
  "$LW_BIN" run --once -c "$d/down.conf" 2>"$d/3.err" &
  local pid=$!
  LW_BG_PIDS+=("$pid")
  wait_until 20 grep -q 'msg="logwire started"' "$d/3.err"
  kill -TERM "$pid"
  wait_exit 20 "$pid"
  check "--once stopped by SIGTERM with lines undelivered exits 1" test "$EXIT_RC" -eq 1
  check "... and says so" grep -q 'msg="--once stopped before every line was read and delivered"' "$d/3.err"
}

want check && part_check
want lock && part_lock
want once && part_once
exit $FAILED
