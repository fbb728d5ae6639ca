#!/usr/bin/env bash
# ops.sh — what an operator sees: `run --check` refusing everything `run` would refuse (and
# `run` never crashing on its way out), one agent per state_dir, --once's summary and its exit
# status when a signal stops it, broker outages in the log and /metrics, /health, the CLI's
# conventions (help, usage errors, global flags, version), a log directory the agent cannot
# read for a while, and the delivery timeout kept against a broker that stops answering.
#
# LW_PARTS="check lock" runs only some parts (all by default).
source "$(dirname "$0")/lib.sh"

PARTS=${LW_PARTS:-check lock once outage http cli security logs notify inputs unreadable timeout}
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
  check "--check: a missing ssl_ca_file is refused at its line, with the reason (exit 2)" \
    test $rc -eq 2 -a -n "$(grep -Fx "$d/tls.conf:5: ssl_ca_file: cannot load CA certificates from /nonexistent/ca.pem: No such file or directory" <<<"$out")"
  # A client certificate whose key cannot be loaded: at the key's line.
  conf "$d/key.conf" "$DOWN" "$d/state"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/c.key" -out "$d/c.pem" -days 1 \
    -subj /CN=ops >/dev/null 2>&1
  echo "not a key" >"$d/bad.key"
  sed -i "s|^linger_ms.*|&\nsecurity_protocol = ssl\nssl_verify = false\nssl_cert_file = $d/c.pem\nssl.key.location = $d/bad.key|" "$d/key.conf"
  out=$("$LW_BIN" run --check -c "$d/key.conf" 2>&1)
  rc=$?
  check "--check: a client key that cannot be loaded is refused at its line, as FILE:LINE: KEY: problem" \
    test $rc -eq 2 -a -n "$(grep -E "^$d/key.conf:7: ssl_key_file: cannot load the client private key $d/bad.key: " <<<"$out")"
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

# ---- a Kafka outage: a warning, /metrics and /health say so, an info line on recovery ----

logged() { grep -Eq "$2" "$T/$1.log"; }
logged_n() { (($(grep -Ec "$2" "$T/$1.log") >= $3)); }
http_code() { curl -s -o /dev/null -w '%{http_code}' "http://$1$2"; }
metric() { curl -s "http://$1/metrics" | grep -F "$2" | awk '{print $NF}' | head -1; }
metric_is() { [[ $(metric "$1" "$2") == "$3" ]]; }
metric_ge() {
  local v
  v=$(metric "$1" "$2")
  [[ -n $v ]] && ((${v%.*} >= $3))
}

part_outage() {
  local d=$T/outage A
  mkdir -p "$d"
  mock_cmd "create ops-a 1 1" 2>/dev/null
  seq_lines 10 >"$d/a.log"
  conf "$d/lw.conf" "$MOCK_BOOTSTRAP" "$d/state" "http = 127.0.0.1:0"
  agent_start outage "$d/lw.conf"
  agent_wait_port outage || notok "outage: the agent did not start"
  A=$AGENT_HTTP
  check "outage: lines delivered before" wait_until 30 in_stat_eq "$A" a lines_acked 10
  check "outage: /health is 200 while Kafka is reachable" test "$(http_code "$A" /health)" = 200
  mock_cmd "down 1"
  seq_lines 20 | tail -n 10 >>"$d/a.log"
  check "outage: a warning names the reason, the broker as fields" \
    wait_until 30 logged outage 'level=warn msg="cannot reach the broker: [^"]+" component=kafka broker=127\.0\.0\.1:[0-9]+ broker_id=1$'
  check "outage: /metrics says the broker is down" \
    wait_until 10 metric_is "$A" 'logwire_broker_up{broker="1"' 0
  check "outage: /metrics counts connection errors" \
    metric_ge "$A" 'logwire_broker_connection_errors_total{broker="1"' 1
  check "outage: /health is 503 while a broker is unreachable" \
    test "$(http_code "$A" /health)" = 503
  check "outage: /health/live stays 200" test "$(http_code "$A" /health/live)" = 200
  check "outage: warned once, not at every attempt" \
    test "$(grep -c 'cannot reach the broker' "$T/outage.log")" -eq 1
  mock_cmd "up 1"
  check "outage: recovery logged at info with the outage's duration" \
    wait_until 30 logged outage 'level=info msg="reachable again after an outage of [0-9]+\.[0-9] s" component=kafka broker=127\.0\.0\.1:[0-9]+ broker_id=1$'
  check "outage: the lines written during the outage are delivered" \
    wait_until 30 in_stat_eq "$A" a lines_acked 20
  check "outage: /health is 200 again" wait_until 10 eval '[[ $(http_code "$A" /health) == 200 ]]'
  kill "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
}

# ---- the HTTP endpoint: /, /health, /metrics names ----

part_http() {
  local d=$T/http A m
  mkdir -p "$d"
  seq_lines 5 >"$d/a.log"
  conf "$d/lw.conf" "$MOCK_BOOTSTRAP" "$d/state" "http = 127.0.0.1:0"
  agent_start http "$d/lw.conf"
  agent_wait_port http || notok "http: the agent did not start"
  A=$AGENT_HTTP
  wait_until 30 in_stat_eq "$A" a lines_acked 5
  curl -s "http://$A/" >"$d/index.txt"
  check "http: / lists the endpoints" \
    test -n "$(grep '^/metrics ' "$d/index.txt")" -a -n "$(grep '^/health ' "$d/index.txt")"
  curl -s "http://$A/health" >"$d/health.json"
  check "http: /health is JSON saying ready" grep -q '"status":"ready"' "$d/health.json"
  curl -s "http://$A/metrics" >"$d/metrics.txt"
  for m in 'logwire_build_info{version="' 'logwire_broker_up{broker="1"' \
    'logwire_broker_connection_errors_total{broker=' 'logwire_input_read_errors_total{input="a"} 0' \
    'logwire_input_checkpoint_errors_total{input="a"} 0' 'process_cpu_seconds_total ' \
    'process_resident_memory_bytes ' 'process_open_fds ' 'process_start_time_seconds ' \
    '# TYPE logwire_delivery_latency_seconds histogram' \
    'logwire_delivery_latency_seconds_bucket{le="+Inf"} 5' \
    'logwire_delivery_latency_seconds_count 5'; do
    check "http: /metrics has $m" grep -qF "$m" "$d/metrics.txt"
  done
  check "http: no quantile=\"1\" standing for the maximum" eval '! grep -qF "quantile=\"1\"" "$d/metrics.txt"'
  local inf
  inf=$(grep -c 'logwire_delivery_latency_seconds_bucket' "$d/metrics.txt")
  check "http: the latency buckets are cumulative (never decreasing)" \
    awk -F' ' '/^logwire_delivery_latency_seconds_bucket/ { if ($2 < last) exit 1; last = $2 }' "$d/metrics.txt"
  note "latency buckets: $inf"
  kill "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
  "$LW_BIN" stats -a "$A" 2>"$d/stats.err"
  check "stats: with the endpoint off, says how to turn it on" \
    grep -q 'http = ' "$d/stats.err"
}

# ---- the CLI's conventions ----

part_cli() {
  local d=$T/cli c rc out
  mkdir -p "$d"
  for c in run produce consume metadata versions stats; do
    "$LW_BIN" "$c" --help >"$d/out" 2>"$d/err"
    rc=$?
    check "cli: $c --help: usage on stdout, nothing on stderr, exit 0" \
      test $rc -eq 0 -a -s "$d/out" -a ! -s "$d/err"
    "$LW_BIN" "$c" --no-such-option >"$d/out" 2>"$d/err"
    rc=$?
    check "cli: $c --no-such-option: exit 2, named on stderr, nothing on stdout" \
      test $rc -eq 2 -a ! -s "$d/out" -a -n "$(grep -F -- '--no-such-option' "$d/err")"
  done
  out=$("$LW_BIN" -V)
  check "cli: -V names the version, the commit and the TLS/static features" \
    test -n "$(grep -E '^logwire [0-9.]+ \(commit [^)]+\)$' <<<"$out")" -a \
    -n "$(grep -E 'tls=[a-z-]+ static=(yes|no)' <<<"$out")"
  check "cli: --version is -V" test "$("$LW_BIN" --version)" = "$out"
  out=$("$LW_BIN" -X list)
  check "cli: -X list lists the producer keys" \
    test -n "$(grep -E '^  linger_ms +' <<<"$out")" -a -n "$(grep -E '^  sasl_password_file +' <<<"$out")"
  # Global flags before the command.
  mock_cmd "create ops-cli 1 1" 2>/dev/null
  seq_lines 3 >"$d/in"
  "$LW_BIN" -q produce -b "$MOCK_BOOTSTRAP" -t ops-cli -f "$d/in" >"$d/out" 2>"$d/err"
  rc=$?
  check "cli: logwire -q produce ...: the flag before the command is taken (quiet: no summary)" \
    test $rc -eq 0 -a ! -s "$d/err"
  seq_lines 3 >"$d/a.log"
  conf "$d/lw.conf" "$MOCK_BOOTSTRAP" "$d/state"
  "$LW_BIN" -d run --once -c "$d/lw.conf" 2>"$d/run.err"
  check "cli: logwire -d run: debug logging on" grep -q 'level=debug' "$d/run.err"
  "$LW_BIN" run -q --once -c "$d/lw.conf" 2>"$d/runq.err"
  check "cli: run -q: no info lines" eval '! grep -q "level=info" "$d/runq.err"'
  "$LW_BIN" run --trace --once -c "$d/lw.conf" 2>"$d/trace.err"
  check "cli: run --trace: requests decoded on stderr" grep -q 'ApiVersions' "$d/trace.err"
  "$LW_BIN" run --check 2>"$d/noconf.err"
  check "cli: run without -c reads /etc/logwire/logwire.conf" \
    grep -q '/etc/logwire/logwire.conf' "$d/noconf.err"
  # One-shot commands fail fast, once, with a hint.
  "$LW_BIN" metadata -b "$DOWN" >/dev/null 2>"$d/md.err" &
  local pid=$!
  LW_BG_PIDS+=("$pid")
  wait_exit 20 "$pid"
  check "cli: metadata -b DOWN gives up by itself, exit 1 (not 40 s later)" test "$EXIT_RC" -eq 1
  check "cli: ... naming the cause and a hint" \
    grep -q 'no broker of .* answered within 5 s: .*Connection refused' "$d/md.err"
  "$LW_BIN" metadata -b no-such-host.invalid:9092 >/dev/null 2>"$d/res.err"
  check "cli: an unresolvable host is warned about once" \
    test "$(grep -c 'warning: .*cannot resolve' "$d/res.err")" -eq 1
  "$LW_BIN" metadata -b "$DOWN" -X sasl_password=hunter2 >/dev/null 2>"$d/pw.err"
  check "cli: -X sasl_password= warns and points to sasl_password_file" \
    grep -q 'warning: -X sasl_password .*visible.*sasl_password_file' "$d/pw.err"
}

# ---- security failures fail fast ----

part_security() {
  local d=$T/sec sasl_out pid addr
  mkdir -p "$d"
  "$LW_TOOLS/saslbroker" -u "$MOCK_FIRST" -U alice:alice-secret-1 -L "$d/sasl.log" \
    >"$d/sasl.out" 2>"$d/sasl.err" &
  local spid=$!
  LW_BG_PIDS+=("$spid")
  wait_until 10 grep -q '^listening=' "$d/sasl.out" || notok "security: saslbroker starts"
  addr=$(sed -n 's/^listening=//p' "$d/sasl.out")
  seq_lines 10 >"$d/in"
  # Default delivery timeout (120 s): a wrong password must end it long before.
  "$LW_BIN" produce -b "$addr" -t ops-sec -X connect_to="$MOCK_FIRST=$addr" \
    -X security_protocol=sasl_plaintext -X sasl_mechanism=SCRAM-SHA-256 -X sasl_username=alice \
    -X sasl_password_file=<(echo wrong) -f "$d/in" 2>"$d/err" &
  pid=$!
  LW_BG_PIDS+=("$pid")
  wait_exit 30 "$pid"
  check "security: a wrong password ends produce by itself with exit 1" test "$EXIT_RC" -eq 1
  check "security: ... saying authentication failed, with the broker's reason" \
    grep -q 'authentication failed: .*SASL_AUTHENTICATION_FAILED' "$d/err"
  kill "$spid" 2>/dev/null
  wait "$spid" 2>/dev/null
}

# ---- the log: file events at debug, input started once, log_format = json ----

part_logs() {
  local d=$T/logs
  mkdir -p "$d/state"
  mock_cmd "create ops-a 1 1" 2>/dev/null
  seq_lines 5 >"$d/a.log"
  conf "$d/lw.conf" "$MOCK_BOOTSTRAP" "$d/state"
  "$LW_BIN" -d run --once -c "$d/lw.conf" 2>"$d/debug.err"
  check "logs: -d adds file events with the path as a field" \
    test -n "$(grep "level=debug msg=\"file found\" input=a path=$d/a.log offset=0" "$d/debug.err")" \
    -a -n "$(grep "level=debug msg=\"file opened\" input=a path=$d/a.log" "$d/debug.err")"
  # An input whose checkpoint cannot be written retries; "input started" comes once, when it
  # runs, with the attempts that failed.
  seq_lines 5 >"$d/b.log"
  conf "$d/r.conf" "$MOCK_BOOTSTRAP" "$d/state-r" "http = 127.0.0.1:0"
  sed -i "s|$d/a.log|$d/b.log|" "$d/r.conf"
  mkdir -p "$d/state-r/a.ckpt.tmp"
  agent_start logs-r "$d/r.conf"
  check "logs: the input fails to start" \
    wait_until 20 logged logs-r 'msg="input cannot write its checkpoint; retrying with backoff"'
  wait_until 20 logged_n logs-r 'msg="input cannot write its checkpoint' 2
  rmdir "$d/state-r/a.ckpt.tmp"
  check "logs: then runs, saying so with the failed attempts" \
    wait_until 30 logged logs-r 'msg="input started" input=a topic=ops-a failed_attempts=[2-9]'
  check "logs: \"input started\" once" \
    test "$(grep -c 'msg="input started"' "$T/logs-r.log")" -eq 1
  kill "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
  # log_format = json: every line one JSON object with ts, level, msg.
  conf "$d/j.conf" "$MOCK_BOOTSTRAP" "$d/state-j" "log_format = json"
  "$LW_BIN" -d run --once -c "$d/j.conf" 2>"$d/json.err"
  check "logs: log_format = json: every line is a JSON object with ts, level and msg" \
    python3 -c 'import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert set(["ts", "level", "msg"]) <= set(o), line
    n += 1
assert n >= 3' "$d/json.err"
}

# ---- systemd: READY=1 through $NOTIFY_SOCKET ----

part_notify() {
  local d=$T/notify spid
  mkdir -p "$d"
  : >"$d/a.log"
  conf "$d/lw.conf" "$MOCK_BOOTSTRAP" "$d/state"
  socat -u UNIX-RECV:"$d/sock" OPEN:"$d/got",creat,append &
  spid=$!
  LW_BG_PIDS+=("$spid")
  wait_until 10 test -S "$d/sock"
  NOTIFY_SOCKET=$d/sock agent_start notify "$d/lw.conf"
  check "notify: READY=1 sent to \$NOTIFY_SOCKET once started" \
    wait_until 20 grep -q 'READY=1' "$d/got"
  kill -HUP "$AGENT_PID"
  check "notify: RELOADING=1 on SIGHUP" wait_until 20 grep -q 'RELOADING=1' "$d/got"
  kill "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
  check "notify: STOPPING=1 at the end" grep -q 'STOPPING=1' "$d/got"
  kill "$spid" 2>/dev/null
  wait "$spid" 2>/dev/null
}

# ---- inputs: line filters, static fields, topic templates, patterns matching nothing ----

part_inputs() {
  local d=$T/inputs
  mkdir -p "$d/logs"
  mock_cmd "create ops-web 1 1" 2>/dev/null
  mock_cmd "create ops-raw-app 1 1" 2>/dev/null
  printf 'INFO one\nERROR two\nDEBUG ERROR three\nERROR four\n' >"$d/logs/web.log"
  printf 'x1\nx2\n' >"$d/logs/app.log"
  mock_cmd "create ops-json 1 1" 2>/dev/null
  mock_cmd "create ops-deep 1 1" 2>/dev/null
  mkdir -p "$d/deep/x/y"
  printf 'd0\n' >"$d/deep/top.log"
  printf 'd2\n' >"$d/deep/x/y/two.log"
  printf 'no\n' >"$d/deep/x/y/two.txt"
  printf '{"level":"warn","env":"dev"}\nnot json\n' >"$d/logs/app.json"
  {
    printf '[kafka]\nbrokers = %s\nlinger_ms = 5\n[agent]\nstate_dir = %s/state\n' \
      "$MOCK_BOOTSTRAP" "$d"
    printf '[input.web]\npaths = %s/logs/web.log\ntopic = ops-web\nstart = beginning\n' "$d"
    printf 'format = json\nfields.env = prod\ninclude_lines = ERROR\nexclude_lines = ^DEBUG\n'
    printf '[input.raw]\npaths = %s/logs/app.log\ntopic = ops-raw-{file_stem}\n' "$d"
    printf 'start = beginning\nfields.team = core\n'
    printf '[input.js]\npaths = %s/logs/app.json\ntopic = ops-json\n' "$d"
    printf 'start = beginning\nparse = json\nfields.env = prod\n'
    printf '[input.deep]\npaths = %s/deep/**/*.log\ntopic = ops-deep\nstart = beginning\n' "$d"
    printf '[input.none]\npaths = %s/nothing/*.log\ntopic = ops-none\n' "$d"
  } >"$d/lw.conf"
  "$LW_BIN" run --once -c "$d/lw.conf" 2>"$d/run.err"
  check "inputs: --once succeeds" test $? -eq 0
  kcat_read ops-web >"$d/web.out"
  check "inputs: include_lines/exclude_lines keep exactly the matching lines" \
    test "$(grep -o '"message":"[^"]*"' "$d/web.out" | tr '\n' ' ')" = '"message":"ERROR two" "message":"ERROR four" '
  check "inputs: fields.env in each JSON record" \
    test "$(grep -c '"env":"prod"}$' "$d/web.out")" -eq 2
  kcat_read ops-raw-app '%s %h\n' >"$d/raw.out"
  check "inputs: topic = ops-raw-{file_stem} ships app.log to ops-raw-app, fields as headers" \
    test "$(tr '\n' ' ' <"$d/raw.out")" = 'x1 team=core x2 team=core '
  kcat_read ops-json >"$d/json.out"
  check "inputs: parse = json merges the object's members, the line's env winning" \
    grep -q '^{"host":"[^"]*","path":"[^"]*app.json","offset":[0-9]*,"ts":"[^"]*","level":"warn","env":"dev"}$' "$d/json.out"
  check "inputs: parse = json ships a line that is not JSON wrapped, with the fields" \
    grep -q '"message":"not json","env":"prod"}$' "$d/json.out"
  kcat_read ops-deep >"$d/deep.out"
  check "inputs: paths = DIR/**/*.log ships files in DIR and at any depth below" \
    test "$(sort "$d/deep.out" | tr '\n' ' ')" = 'd0 d2 '
  # Static fields count in the room a piece of a long line leaves: every piece fits.
  mock_cmd "create ops-big 1 1" 2>/dev/null
  head -c 20000 /dev/zero | tr '\0' a >"$d/logs/big.log"
  echo >>"$d/logs/big.log"
  {
    printf '[kafka]\nbrokers = %s\nlinger_ms = 5\nmessage_max_bytes = 8K\n' "$MOCK_BOOTSTRAP"
    printf '[agent]\nstate_dir = %s/state-big\n' "$d"
    printf '[input.big]\npaths = %s/logs/big.log\ntopic = ops-big\nstart = beginning\n' "$d"
    printf 'max_line_bytes = 8K\nfields.pad = %s\n' "$(head -c 3000 /dev/zero | tr '\0' p)"
  } >"$d/big.conf"
  "$LW_BIN" run --once -c "$d/big.conf" 2>"$d/big.err"
  kcat_read ops-big '%s' >"$d/big.out"
  check "inputs: a long line with large fields.NAME headers is shipped whole, in pieces" \
    cmp -s "$d/big.out" <(head -c 20000 /dev/zero | tr '\0' a)
  check "inputs: a pattern that matches nothing is warned about" \
    grep -q "level=warn msg=\"no file matches the pattern yet: waiting for one to appear\" input=none pattern=$d/nothing/\\*.log" "$d/run.err"
}

# ---- a log directory the agent cannot read for a while ----
#
# The agent runs as nobody (root ignores file modes), start = end. Its directory becomes
# unreadable (chmod 700, root's): a warning names it and what to do; a file created meanwhile
# is followed from its first line once the directory is readable again, also when the agent
# was restarted in between (a restart is not a first start: the checkpoint says so).

part_unreadable() {
  local d=$T/unr wrap=() uid A
  uid=$(id -u)
  if [[ $uid -eq 0 ]]; then
    if ! command -v setpriv >/dev/null || ! id nobody >/dev/null 2>&1; then
      echo "skip - unreadable: root without setpriv or user nobody, file modes cannot be enforced"
      return
    fi
    wrap=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
    uid=$(id -u nobody)
    chmod 711 "$T"
  fi
  mkdir -p "$d/logs" "$d/state"
  chmod 755 "$d" "$d/logs"
  [[ ${#wrap[@]} -eq 0 ]] || chown nobody "$d/state"
  mock_cmd "create ops-unr 1 1" 2>/dev/null
  seq_lines 3 old >"$d/logs/old.log"
  {
    printf '[kafka]\nbrokers = %s\nlinger_ms = 5\n' "$MOCK_BOOTSTRAP"
    printf '[agent]\nstate_dir = %s/state\nhttp = 127.0.0.1:0\n' "$d"
    printf '[input.u]\npaths = %s/logs/*.log\ntopic = ops-unr\nstart = end\n' "$d"
  } >"$d/lw.conf"
  chmod 644 "$d/lw.conf"
  "${wrap[@]}" "$LW_BIN" run -c "$d/lw.conf" 2>"$T/unr.log" &
  AGENT_PID=$!
  LW_BG_PIDS+=("$AGENT_PID")
  agent_wait_port unr || notok "unreadable: the agent did not start"
  A=$AGENT_HTTP
  seq_lines 2 more >>"$d/logs/old.log"
  check "unreadable: start = end, the lines written since the start ship" \
    wait_until 20 in_stat_eq "$A" u lines_acked 2
  chmod 700 "$d/logs"
  check "unreadable: a warning names the directory and what to do" wait_until 20 logged unr \
    "level=warn msg=\"tail u: cannot read $d/logs: Permission denied; files there are not followed until uid $uid may read and search it; looking again in 1 s\""
  seq_lines 7 new >"$d/logs/new.log"
  check "unreadable: counted in read_errors" wait_until 10 in_stat_ge "$A" u read_errors 1
  chmod 755 "$d/logs"
  check "unreadable: readable again, logged" wait_until 20 logged unr \
    "level=info msg=\"tail u: $d/logs can be read again\""
  check "unreadable: the file created meanwhile ships" \
    wait_until 20 in_stat_eq "$A" u lines_acked 9
  kill -TERM "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
  # Stopped; a file created while the directory cannot be read; started again.
  chmod 700 "$d/logs"
  seq_lines 4 late >"$d/logs/late.log"
  cat "$T/unr.log" >>"$T/unr.old"
  "${wrap[@]}" "$LW_BIN" run -c "$d/lw.conf" 2>"$T/unr.log" &
  AGENT_PID=$!
  LW_BG_PIDS+=("$AGENT_PID")
  agent_wait_port unr || notok "unreadable: the agent did not start again"
  A=$AGENT_HTTP
  check "unreadable at a restart: warned" wait_until 20 logged unr "cannot read $d/logs: "
  chmod 755 "$d/logs"
  check "unreadable at a restart: the file created meanwhile ships once readable" \
    wait_until 30 in_stat_eq "$A" u lines_acked 4
  kcat_read ops-unr >"$d/out"
  check "unreadable: the files created while unreadable ship from their first line, once" \
    test "$(grep -c '^new ' "$d/out")" -eq 7 -a "$(grep -c '^late ' "$d/out")" -eq 4 \
    -a "$(grep -c '^old ' "$d/out")" -eq 0
  kill -TERM "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
}

# ---- delivery_timeout_ms against a broker that stops answering ----
#
# The request carrying a record is given up when the record's delivery timeout comes, not at
# request_timeout_ms (30 s by default) after it: the record is reported failed with TIMED_OUT
# within about delivery_timeout_ms. Read from the log's own numbers, the bound generous (1.5x).

part_timeout() {
  local d=$T/timeout pid ms
  mkdir -p "$d"
  mock_cmd "create ops-to 1 1" 2>/dev/null
  mkfifo "$d/in"
  "$LW_BIN" produce -b "$MOCK_BOOTSTRAP" -t ops-to -f "$d/in" -X delivery_timeout_ms=2000 \
    -X linger_ms=0 2>"$d/err" &
  pid=$!
  LW_BG_PIDS+=("$pid")
  exec {TW}>"$d/in"
  echo one >&$TW
  wait_until 20 eval '(( $(kcat_count ops-to) >= 1 ))' || notok "timeout: the first record is delivered"
  mock_cmd "rtt 1 60000" # every answer of broker 1 held a minute from now on
  echo two >&$TW
  exec {TW}>&-
  wait_exit 25 "$pid"
  mock_cmd "rtt 1 0"
  check "timeout: produce ends by itself, exit 1" test "$EXIT_RC" -eq 1
  check "timeout: the record is reported failed with TIMED_OUT" \
    grep -q 'to ops-to: 1 delivered, 1 failed in .*(TIMED_OUT: 1)' "$d/err"
  ms=$(sed -n 's/.*not answered within the delivery timeout of its records (\([0-9]*\) ms after it was sent).*/\1/p' "$d/err" | head -1)
  note "timeout: the request was given up ${ms:-?} ms after it was sent (delivery_timeout_ms 2000)"
  check "timeout: its request given up at the delivery timeout, not request_timeout_ms (30 s)" \
    test -n "$ms" -a "${ms:-0}" -le 3000
}

want check && part_check
want lock && part_lock
want once && part_once
want outage && part_outage
want http && part_http
want cli && part_cli
want security && part_security
want logs && part_logs
want notify && part_notify
want inputs && part_inputs
want unreadable && part_unreadable
want timeout && part_timeout
exit $FAILED
