#!/usr/bin/env bash
# agent.sh — the daemon (`logwire run`) against the mock cluster: --check, --once, hot
# reload (SIGHUP and a changed file) with a sequence-checked writer running through it,
# supervision of inputs that cannot start, SIGTERM/SIGINT, the statistics (/metrics, /stats,
# `logwire stats`), the Sys Agent, and the log (logfmt lines, secrets never shown).
#
# LW_PARTS="check once" runs only some parts (all by default).
source "$(dirname "$0")/lib.sh"

SEQW=$LW_TOOLS/seqwrite
PARTS=${LW_PARTS:-check once reload supervise shutdown stats logs}
SECRET='s3cr3t-Pa55w0rd-do-not-log'
mock_start -n 1 || exit 1

want() { [[ " $PARTS " == *" $1 "* ]]; }

# kafka_section [keys...]: the [kafka] section for the mock cluster.
kafka_section() {
  printf '[kafka]\nbrokers = %s\nlinger_ms = 5\nreconnect_backoff_max_ms = 500\n' "$MOCK_BOOTSTRAP"
  local k
  for k in "$@"; do echo "$k"; done
}

# input_section NAME TOPIC PATHS [keys...]
input_section() {
  printf '[input.%s]\npaths = %s\ntopic = %s\nstart = beginning\n' "$1" "$3" "$2"
  shift 3
  local k
  for k in "$@"; do echo "$k"; done
}

# ---- run --check ----

part_check() {
  local d=$T/check out rc
  mkdir -p "$d"
  {
    kafka_section
    printf '[agent]\nstate_dir = %s/state\n' "$d"
    input_section a check-a "$d/a.log"
  } >"$d/good.conf"
  out=$("$LW_BIN" run --check -c "$d/good.conf" 2>&1)
  rc=$?
  check "--check: a valid file exits 0" test $rc -eq 0
  check "--check: says it is valid" grep -q "configuration valid: 1 input" <<<"$out"

  local f=$d/bad.conf
  cat >"$f" <<EOF
[kafka]
brokers = $MOCK_BOOTSTRAP
lingr_ms = 5

[agent]
state_dir = $d/state
checkpoint_ms = soon

[input.a]
paths = $d/a.log
start = middle

[output]
x = 1
EOF
  out=$("$LW_BIN" run --check -c "$f" 2>&1)
  rc=$?
  check "--check: a file with mistakes exits 2" test $rc -eq 2
  printf '%s\n' \
    "$f:3: lingr_ms: unknown key (did you mean linger_ms?)" \
    "$f:7: checkpoint_ms: expected an integer" \
    "$f:9: topic: required key missing in [input.a]" \
    "$f:11: start: expected end or beginning" \
    "$f:13: unknown section [output] (expected [kafka], [agent], [input.NAME], [sys] or [etcd])" \
    >"$d/want"
  echo "$out" >"$d/got"
  check "--check: every mistake reported as FILE:LINE: KEY: problem, in order" \
    cmp -s "$d/want" "$d/got"
  cmp -s "$d/want" "$d/got" || diff "$d/want" "$d/got" | sed 's/^/# /'
  BAD_CONF=$f
  BAD_WANT=$d/want
  # Started with it (no --check): exit 2, the same problems, as log events.
  "$LW_BIN" run -c "$f" 2>"$d/run.err"
  rc=$?
  local line missing=0
  while IFS= read -r line; do
    grep -qF "level=error msg=\"$line\"" "$d/run.err" || missing=$((missing + 1))
  done <"$d/want"
  check "run with mistakes: exit 2, every problem logged as level=error msg=\"FILE:LINE: ...\"" \
    test $rc -eq 2 -a $missing -eq 0 -a "$(wc -l <"$d/run.err")" -eq 5
}

want check && part_check

# ---- run --once ----

# ckpt_offset STATE FILE: the offset the checkpoint STATE records for FILE (empty if none).
ckpt_offset() { awk -v p="$2" 'NF >= 9 && $9 == p { print $5 }' "$1" | head -1; }

part_once() {
  local d=$T/once rc
  mkdir -p "$d"
  mock_cmd "create once-a 1 1"
  mock_cmd "create once-b 1 1"
  {
    kafka_section
    printf '[agent]\nstate_dir = %s/state\n' "$d"
    input_section a once-a "$d/a.log"
    input_section b once-b "$d/b/*.log"
  } >"$d/lw.conf"
  mkdir -p "$d/b"
  seq_lines 1000 >"$d/a.log"
  seq_lines 300 bee >"$d/b/1.log"
  seq_lines 500 bee | tail -n 200 >"$d/b/2.log"
  "$LW_BIN" run --once -c "$d/lw.conf" 2>"$T/once.log"
  rc=$?
  kcat_read once-a >"$d/a.out"
  kcat_read once-b >"$d/b.out"
  note "--once: a: $(seq_report 1000 "$d/a.out"); b: $(seq_report 500 "$d/b.out" bee)"
  seq_report 1000 "$d/a.out" >/dev/null
  local am=$SEQ_MISSING ad=$SEQ_DUP
  seq_report 500 "$d/b.out" bee >/dev/null
  check "--once: exit 0, every line of every matched file delivered once" \
    test $rc -eq 0 -a "$am" -eq 0 -a "$ad" -eq 0 -a "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0
  check "--once: checkpoints at the end of each file" test \
    "$(ckpt_offset "$d/state/a.ckpt" "$d/a.log")" = "$(stat -c %s "$d/a.log")" -a \
    "$(ckpt_offset "$d/state/b.ckpt" "$d/b/2.log")" = "$(stat -c %s "$d/b/2.log")"
  "$LW_BIN" run --once -c "$d/lw.conf" 2>>"$T/once.log"
  rc=$?
  check "--once again: exit 0, nothing new sent" \
    test $rc -eq 0 -a "$(kcat_count once-a)" -eq 1000 -a "$(kcat_count once-b)" -eq 500
  seq_lines 1500 | tail -n 500 >>"$d/a.log"
  "$LW_BIN" run --once -c "$d/lw.conf" 2>>"$T/once.log"
  rc=$?
  kcat_read once-a >"$d/a.out"
  seq_report 1500 "$d/a.out" >/dev/null
  check "--once after 500 more lines: exactly those sent" \
    test $rc -eq 0 -a "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0

  # A record Kafka refuses for good (INVALID_RECORD; a batch too large is split and resent):
  # exit 1, the failure logged by name.
  mock_cmd "create once-c 1 1"
  {
    kafka_section
    printf '[agent]\nstate_dir = %s/state\nread_ahead_bytes = 64K\n' "$d"
    input_section c once-c "$d/c.log"
  } >"$d/c.conf"
  seq_lines 5000 >"$d/c.log"
  mock_cmd "err 0 87 1"
  "$LW_BIN" run --once -c "$d/c.conf" 2>"$T/once-c.log"
  rc=$?
  mock_cmd "clear 0"
  local failed
  failed=$(sed -n 's/.*msg="logwire stopped".* failed_lines=\([0-9]*\).*/\1/p' "$T/once-c.log")
  kcat_read once-c >"$d/c.out"
  seq_report 5000 "$d/c.out" >/dev/null
  note "--once with one INVALID_RECORD: exit $rc, failed_lines ${failed:-?}," \
    "$(seq_report 5000 "$d/c.out")"
  check "--once: a record refused for good makes the exit status 1" test $rc -eq 1
  check "--once: the refusal is logged by its error name" \
    grep -q 'msg="line not deliverable, skipped".*err=INVALID_RECORD' "$T/once-c.log"
  check "--once: one log line for the failed batch, not one per line" \
    test "$(grep -c 'line not deliverable' "$T/once-c.log")" -le 3
  check "--once: exactly the failed lines are missing (${failed:-?}), none duplicated" \
    test "${failed:-0}" -gt 0 -a "$SEQ_MISSING" -eq "${failed:-0}" -a "$SEQ_DUP" -eq 0
}

want once && part_once

# ---- hot reload ----
#
# Inputs: keep (unchanged throughout, a writer appending to it all along), chg (changed: a
# header added; a writer too), gone (removed), add1 and add2 (added, by SIGHUP and by a
# changed file). keep and chg must deliver every line once through it all; an invalid file
# is refused with the same messages as --check and the running configuration stays.

# reload_conf FILE [input sections...]: write a config with those inputs (names from the set
# above), atomically (a new file renamed over the old one, as editors and config management
# do).
reload_conf() {
  local f=$1 i
  shift
  {
    kafka_section
    printf '[agent]\nstate_dir = %s/state\nhttp = 127.0.0.1:0\ncheckpoint_ms = 100\n' "$RD"
    for i in "$@"; do
      case $i in
        chg2) input_section chg rl-chg "$RD/chg.log" "headers = input" ;;
        chg3) input_section chg rl-chg "$RD/chg.log" "headers = input" "key = input" ;;
        *) input_section "$i" "rl-$i" "$RD/$i.log" ;;
      esac
    done
  } >"$f.new"
  mv "$f.new" "$f"
}

# logged NAME PATTERN: the agent's log $T/NAME.log has a line matching PATTERN (grep -E).
logged() { grep -Eq "$2" "$T/$1.log"; }
# logged_n NAME PATTERN N: at least N such lines.
logged_n() { (($(grep -Ec "$2" "$T/$1.log") >= $3)); }

part_reload() {
  RD=$T/reload
  mkdir -p "$RD"
  local c=$RD/lw.conf i nk=30000 nc=12000
  for i in keep chg gone add1 add2; do mock_cmd "create rl-$i 1 1"; done
  seq_lines 100 gone >"$RD/gone.log"
  seq_lines 100 add >"$RD/add1.log"
  seq_lines 100 add >"$RD/add2.log"
  reload_conf "$c" keep chg gone
  agent_start reload "$c"
  agent_wait_port reload || notok "reload: the agent did not start"
  local A=$AGENT_HTTP
  "$SEQW" -f "$RD/keep.log" -n $nk -r 5000 >/dev/null &
  local wk=$!
  "$SEQW" -f "$RD/chg.log" -n $nc -r 2000 -p chg >/dev/null &
  local wc=$!
  wait_until 20 in_stat_eq "$A" gone lines_acked 100
  wait_until 20 in_stat_ge "$A" keep lines_acked 2000

  # 1. SIGHUP: gone removed, chg changed, add1 added.
  reload_conf "$c" keep chg2 add1
  kill -HUP "$AGENT_PID"
  check "SIGHUP: configuration reloaded" \
    wait_until 20 logged reload 'msg="configuration reloaded".*trigger=SIGHUP'
  check "SIGHUP: the added input starts and ships" wait_until 20 in_stat_eq "$A" add1 lines_acked 100
  check "SIGHUP: the removed input stops" \
    wait_until 20 logged reload 'msg="input stopped" input=gone'
  check "SIGHUP: the changed input restarts" \
    wait_until 20 logged reload 'msg="input changed: restarting it" input=chg'
  check "SIGHUP: the removed input's checkpoint stays, at its end" \
    test "$(ckpt_offset "$RD/state/gone.ckpt" "$RD/gone.log")" = "$(stat -c %s "$RD/gone.log")"
  seq_lines 200 gone | tail -n 100 >>"$RD/gone.log"
  seq_lines 150 add | tail -n 50 >>"$RD/add1.log"
  wait_until 20 in_stat_eq "$A" add1 lines_acked 150 # the agent has seen later writes
  check "SIGHUP: the removed input reads nothing more" test "$(kcat_count rl-gone)" -eq 100

  # 2. The file changes, no signal: add1 removed, chg changed again (a key), add2 added.
  reload_conf "$c" keep chg3 add2
  check "file changed: configuration reloaded without a signal" \
    wait_until 20 logged reload 'msg="configuration reloaded".*trigger="file changed"'
  check "file changed: the added input starts and ships" \
    wait_until 20 in_stat_eq "$A" add2 lines_acked 100
  check "file changed: the removed input stops" \
    wait_until 20 logged reload 'msg="input stopped" input=add1'
  check "file changed: the changed input restarts" \
    wait_until 20 logged_n reload 'msg="input changed: restarting it" input=chg' 2

  # 3. An invalid file, by SIGHUP and by a change: refused with the --check messages.
  local acked
  cp "$BAD_CONF" "$c.new" && mv "$c.new" "$c"
  kill -HUP "$AGENT_PID"
  check "invalid file (SIGHUP): refused, the running configuration kept" \
    wait_until 20 logged reload 'msg="new configuration refused; the running one is kept".*SIGHUP'
  local missing=0 line
  while IFS= read -r line; do
    line=${line//$BAD_CONF/$c}
    grep -qF "msg=\"$line\"" "$T/reload.log" || missing=$((missing + 1))
  done <"$BAD_WANT"
  check "invalid file: the log has every --check message ($(wc -l <"$BAD_WANT"))" \
    test $missing -eq 0
  touch -d '+1 second' "$c"
  check "invalid file (changed): refused again" \
    wait_until 20 logged_n reload 'msg="new configuration refused' 2
  # 100 lines written now (the writer may be done on a slow machine; seq_report ignores them).
  acked=$(in_stat "$A" keep lines_acked)
  seq_lines 100 extra >>"$RD/keep.log"
  check "invalid file: the inputs keep shipping" \
    wait_until 20 in_stat_ge "$A" keep lines_acked $((acked + 100))
  reload_conf "$c" keep chg3 add2

  wait $wk $wc
  echo "chg-last line written after the last change" >>"$RD/chg.log"
  wait_until 60 in_stat_ge "$A" keep lines_acked $((nk + 100))
  wait_until 60 in_stat_eq "$A" keep lag_bytes 0
  wait_until 60 in_stat_eq "$A" chg lag_bytes 0
  kcat_read rl-keep >"$RD/keep.out"
  kcat_read rl-chg >"$RD/chg.out"
  note "reload: keep: $(seq_report $nk "$RD/keep.out")"
  seq_report $nk "$RD/keep.out" >/dev/null
  check "reload: the untouched input delivered every line once" \
    test "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0
  check "reload: the untouched input never restarted" \
    test "$(grep -c 'msg="input started" input=keep' "$T/reload.log")" -eq 1
  note "reload: chg: $(seq_report $nc "$RD/chg.out" chg)"
  seq_report $nc "$RD/chg.out" chg >/dev/null
  check "reload: the changed input delivered every line once" \
    test "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0
  check "reload: the changed input's records carry the new header and key" \
    eval 'kcat_read rl-chg "%k %h %s\n" | tail -1 | grep -q "^chg input=chg chg-last "'
  kill -TERM "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
}

want reload && part_reload

# ---- supervision: inputs that cannot start or cannot read ----
#
# locked: its directory cannot be read (chmod 000); nostate: its checkpoint cannot be written
# (a directory stands where the temporary file goes). Both are logged and tried again with a
# backoff while the input "good" ships on; once fixed, both ship. Root ignores file modes:
# then the agent runs without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (setpriv).

# attempt_gaps NAME PATTERN: milliseconds between consecutive log lines matching PATTERN.
attempt_gaps() {
  grep -E "$2" "$T/$1.log" | cut -c12-23 |
    awk -F'[:.]' '{ t = (($1 * 60 + $2) * 60 + $3) * 1000 + $4; if (NR > 1) print t - p; p = t }'
}

part_supervise() {
  local d=$T/sup wrap=()
  if [[ $(id -u) -eq 0 ]]; then
    if ! command -v setpriv >/dev/null; then
      echo "skip - supervise: root without setpriv, file modes cannot be enforced"
      return
    fi
    wrap=(setpriv --bounding-set=-dac_override,-dac_read_search --inh-caps=-all)
  fi
  mkdir -p "$d/locked" "$d/state/nostate.ckpt.tmp"
  for i in good locked nostate; do mock_cmd "create sup-$i 1 1"; done
  seq_lines 100 lck >"$d/locked/app.log"
  seq_lines 100 nst >"$d/nostate.log"
  chmod 000 "$d/locked"
  {
    kafka_section
    printf '[agent]\nstate_dir = %s/state\nhttp = 127.0.0.1:0\n' "$d"
    input_section good sup-good "$d/good.log"
    input_section locked sup-locked "$d/locked/*.log"
    input_section nostate sup-nostate "$d/nostate.log"
  } >"$d/lw.conf"
  "${wrap[@]}" "$LW_BIN" run -c "$d/lw.conf" 2>"$T/sup.log" &
  AGENT_PID=$!
  LW_BG_PIDS+=("$AGENT_PID")
  agent_wait_port sup || notok "supervise: the agent did not start"
  local A=$AGENT_HTTP n=12000
  "$SEQW" -f "$d/good.log" -n $n -r 3000 >/dev/null &
  local w=$!
  check "unreadable directory: logged with the reason" wait_until 20 logged sup \
    'cannot read [^ ]*/locked: Permission denied; .*; looking again in 1 s" input=locked'
  check "unwritable checkpoint: logged" wait_until 20 logged sup \
    'msg="input cannot write its checkpoint; retrying with backoff" input=nostate'
  check "unwritable checkpoint: tried again with a growing delay (1 s, 2 s, ...)" \
    wait_until 30 logged_n sup 'input cannot write its checkpoint' 3
  local gaps
  gaps=$(attempt_gaps sup 'input cannot write its checkpoint' | head -2 | tr '\n' ' ')
  note "supervise: checkpoint attempts ${gaps}ms apart"
  check "unwritable checkpoint: the delays are at least 1 s, then 2 s" \
    eval 'read -r g1 g2 <<<"$gaps"; ((g1 >= 990 && g2 >= 1990))'
  local acked
  acked=$(in_stat "$A" good lines_acked)
  check "the other input keeps shipping meanwhile" \
    wait_until 20 in_stat_ge "$A" good lines_acked $((acked + 1000))
  check "unreadable directory: counted in read_errors" in_stat_ge "$A" locked read_errors 1
  chmod 755 "$d/locked"
  rmdir "$d/state/nostate.ckpt.tmp"
  check "unreadable directory fixed: its files ship" \
    wait_until 60 in_stat_eq "$A" locked lines_acked 100
  check "unwritable checkpoint fixed: the input starts and ships" \
    wait_until 60 in_stat_eq "$A" nostate lines_acked 100
  check "fixed: logged" logged sup 'locked can be read again" input=locked'
  wait $w
  wait_until 60 in_stat_ge "$A" good lines_acked $n
  kcat_read sup-good >"$d/good.out"
  note "supervise: good: $(seq_report $n "$d/good.out")"
  seq_report $n "$d/good.out" >/dev/null
  check "supervise: the other input delivered every line once" \
    test "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0
  kill -TERM "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
}

want supervise && part_supervise

# ---- SIGTERM / SIGINT ----
#
# The agent stops reading, delivers what is in flight, writes its checkpoint and exits 0
# because all was delivered (the shutdown timeout, far away, is not what ends it); the next
# start goes on from the checkpoint (nothing lost, nothing twice). With Kafka down, it gives
# up after shutdown_timeout_ms (never before) and the next start delivers what was not. How
# long a stop takes is not a verdict here: it depends on the machine.

# ms_since T0: milliseconds since T0 (date +%s%N).
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

part_shutdown() {
  local d=$T/stop sig n=20000
  mkdir -p "$d"
  mock_cmd "create stop 1 1"
  {
    kafka_section
    printf '[agent]\nstate_dir = %s/state\nhttp = 127.0.0.1:0\nshutdown_timeout_ms = 600000\n' "$d"
    input_section app stop "$d/app.log"
  } >"$d/lw.conf"
  "$SEQW" -f "$d/app.log" -n $n -r 5000 >/dev/null &
  local w=$! t0 ms off
  for sig in TERM INT; do
    agent_start stop "$d/lw.conf"
    agent_wait_port stop || notok "shutdown: the agent did not start"
    wait_until 20 in_stat_ge "$AGENT_HTTP" app lines_acked 2000
    t0=$(date +%s%N)
    kill -$sig "$AGENT_PID"
    wait_exit 120 "$AGENT_PID"
    ms=$(ms_since "$t0")
    off=$(ckpt_offset "$d/state/app.ckpt" "$d/app.log")
    note "SIG$sig: exit $EXIT_RC after $ms ms, checkpoint at $off of $(stat -c %s "$d/app.log") bytes"
    check "SIG$sig: exit 0 once everything in flight was delivered, not at the timeout" \
      test "$EXIT_RC" -eq 0 -a "$(grep -c 'msg="shutdown timeout' "$T/stop.log")" -eq 0
    check "SIG$sig: checkpoint written (the lines delivered so far)" \
      test "${off:-0}" -gt 0 -a "$(grep -c 'msg="stopping: delivering what is in flight".*SIG'$sig \
      "$T/stop.log")" -eq 1
  done
  wait $w
  "$LW_BIN" run --once -c "$d/lw.conf" 2>>"$T/stop.log"
  kcat_read stop >"$d/out"
  note "shutdown: $(seq_report $n "$d/out") (two stops, then --once)"
  seq_report $n "$d/out" >/dev/null
  check "shutdown: the next starts go on from the checkpoint: nothing lost, nothing twice" \
    test "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0

  # Kafka down at shutdown.
  local k=$T/stopdown
  mkdir -p "$k"
  mock_cmd "create stopdown 1 1"
  {
    kafka_section
    printf '[agent]\nstate_dir = %s/state\nhttp = 127.0.0.1:0\nshutdown_timeout_ms = 2000\n' "$k"
    input_section app stopdown "$k/app.log"
  } >"$k/lw.conf"
  seq_lines 3000 >"$k/app.log"
  agent_start stopdown "$k/lw.conf"
  agent_wait_port stopdown || notok "shutdown: the agent did not start"
  wait_until 20 in_stat_eq "$AGENT_HTTP" app lines_acked 3000
  mock_cmd "down 1"
  seq_lines 6000 | tail -n 3000 >>"$k/app.log"
  wait_until 20 in_stat_ge "$AGENT_HTTP" app lines_read 4000
  t0=$(date +%s%N)
  kill -TERM "$AGENT_PID"
  wait_exit 30 "$AGENT_PID"
  ms=$(ms_since "$t0")
  mock_cmd "up 1"
  note "Kafka down: exit $EXIT_RC after $ms ms (shutdown_timeout_ms 2000)"
  check "Kafka down: exit 0 once shutdown_timeout_ms has passed, not before" \
    test "$EXIT_RC" -eq 0 -a "$ms" -ge 2000
  check "Kafka down: the timeout is logged" \
    logged stopdown 'msg="shutdown timeout: lines still in flight are read again next start"'
  "$LW_BIN" run --once -c "$k/lw.conf" 2>>"$T/stopdown.log"
  local rc=$?
  kcat_read stopdown >"$k/out"
  note "Kafka down: $(seq_report 6000 "$k/out") (after --once with Kafka back)"
  seq_report 6000 "$k/out" >/dev/null
  check "Kafka down: nothing lost at the next start (--once exit $rc)" \
    test "$SEQ_MISSING" -eq 0 -a $rc -eq 0
}

want shutdown && part_shutdown

# ---- statistics: /stats, /metrics, `logwire stats`, and the Sys Agent ----

# json_valid FILE: FILE holds one valid JSON document (python3 when there is one; otherwise
# a structural check: brackets balance outside strings, strings close, no control bytes).
json_valid() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -m json.tool "$1" >/dev/null 2>&1
    return
  fi
  LC_ALL=C awk 'BEGIN { RS = "\001" } {
    n = length($0); d = 0; instr = 0
    for (i = 1; i <= n; i++) {
      c = substr($0, i, 1)
      if (instr) {
        if (c == "\\") i++; else if (c == "\"") instr = 0
        else if (c < " ") exit 1
        continue
      }
      if (c == "\"") instr = 1
      else if (c == "{" || c == "[") d++
      else if (c == "}" || c == "]") { if (--d < 0) exit 1 }
    }
    exit !(d == 0 && !instr && n > 1)
  }' "$1"
}

# prom_valid FILE: Prometheus text format: HELP/TYPE comments, then samples
# "name{labels} value" with a numeric value, each of a family with a TYPE line before it.
prom_valid() {
  awk '
    /^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* / { next }
    /^# TYPE / {
      if ($4 !~ /^(counter|gauge|summary|histogram|untyped)$/) { print "bad TYPE: " $0; bad++ }
      type[$3] = $4; next
    }
    /^#/ || /^$/ { next }
    {
      if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? -?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/) {
        print "bad sample: " $0; bad++; next
      }
      name = $0; sub(/[{ ].*/, "", name)
      fam = name; sub(/_(sum|count|bucket)$/, "", fam)
      if (!(name in type) && !(fam in type)) { print "no TYPE before: " $0; bad++ }
      n++
    }
    END { exit !(bad == 0 && n > 0) }' "$1"
}

part_stats() {
  local d=$T/stats n=1000
  mkdir -p "$d"
  mock_cmd "create st 1 1"
  mock_cmd "create st-sys 1 1"
  {
    kafka_section "sasl_password = $SECRET"
    printf '[agent]\nstate_dir = %s/state\nhttp = 127.0.0.1:0\nread_ahead_bytes = 64K\n' "$d"
    input_section st st "$d/st.log"
    printf '[sys]\ntopic = st-sys\ninterval_s = 1\n'
  } >"$d/lw.conf"
  agent_start stats "$d/lw.conf" -d
  agent_wait_port stats || notok "stats: the agent did not start"
  local A=$AGENT_HTTP
  seq_lines $n >"$d/st.log"
  wait_until 20 in_stat_eq "$A" st lines_acked $n
  # One refused request: its lines are counted by error name.
  mock_cmd "err 0 87 1"
  seq_lines $((n * 2)) | tail -n $n >>"$d/st.log"
  wait_until 20 in_stat_ge "$A" st lines_failed 1
  wait_until 20 in_stat_eq "$A" st lag_bytes 0
  mock_cmd "clear 0"
  "$LW_BIN" stats --raw -a "$A" >"$d/stats.json"
  local rc=$?
  "$LW_BIN" stats -a "$A" --prometheus >"$d/metrics.txt"
  local rc2=$?
  check "logwire stats: exit 0, /stats is valid JSON" eval '[[ $rc -eq 0 ]] && json_valid "$d/stats.json"'
  check "logwire stats --prometheus: exit 0, /metrics parses (HELP/TYPE, numeric samples)" \
    eval '[[ $rc2 -eq 0 ]] && prom_valid "$d/metrics.txt"'
  prom_valid "$d/metrics.txt" | sed 's/^/# /' | head -5
  local js k missing=""
  js=$(tr -d '\n' <"$d/stats.json")
  for k in lines_read lag_bytes lines_acked lines_failed failed_by_error buffer_bytes \
    buffer_limit_bytes requests_in_flight rtt_us latency_us p50 p99 max; do
    grep -q "\"$k\":" <<<"$js" || missing="$missing $k"
  done
  check "/stats has lines read, lag, acked, failed by error, buffer, in flight, RTT, latency" \
    test -z "$missing"
  [[ -z $missing ]] || note "missing from /stats:$missing"
  local failed read acked
  failed=$(stats_input "$A" st | json_num lines_failed)
  read=$(stats_input "$A" st | json_num lines_read)
  acked=$(stats_input "$A" st | json_num lines_acked)
  note "stats: lines_read $read lines_acked $acked lines_failed $failed"
  check "/stats: read = acked + failed = lines written ($((2 * n)))" \
    test "$read" -eq $((2 * n)) -a $((acked + failed)) -eq $((2 * n))
  # The producer counts records: the input's lines, and a [sys] sample if one shared the
  # refused request.
  local rec=$((failed + $(json_num samples_dropped <<<"$js")))
  check "/stats: the failed records counted by error name ($rec)" \
    grep -q "\"failed_by_error\":{\"INVALID_RECORD\":$rec}" <<<"$js"
  local m
  for m in "logwire_input_lines_total{input=\"st\"} $read" \
    "logwire_input_lines_acked_total{input=\"st\"} $acked" \
    "logwire_input_lines_failed_total{input=\"st\"} $failed" \
    "logwire_input_lag_bytes{input=\"st\"} 0" \
    "logwire_records_failed_total{error=\"INVALID_RECORD\"} $rec" \
    "logwire_requests_in_flight " "logwire_buffer_bytes " "logwire_broker_rtt_seconds{broker=\"1\"" \
    'logwire_delivery_latency_seconds_bucket{le="0.1"} ' \
    'logwire_delivery_latency_seconds_count '; do
    check "/metrics: $m" grep -qF "$m" "$d/metrics.txt"
  done
  # The Sys Agent: JSON samples with cpu, load, mem, disk and net.
  check "[sys]: samples arrive on their topic" wait_until 20 eval '(($(kcat_count st-sys) >= 1))'
  kcat_read st-sys | head -1 >"$d/sys.json"
  check "[sys]: a sample is valid JSON" json_valid "$d/sys.json"
  missing=""
  for k in cpu load mem disk net; do grep -q "\"$k\":" "$d/sys.json" || missing="$missing $k"; done
  check "[sys]: a sample has cpu, load, mem, disk, net" test -z "$missing"
  STATS_OUT="$d/stats.json $d/metrics.txt"
  kill -TERM "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
}

want stats && part_stats

# ---- the log ----
#
# Every line every agent of this script wrote is one event: a timestamp, level=LEVEL,
# msg=..., then key=value fields. The SASL password of the stats part ([kafka]
# sasl_password, debug logging on) appears in no log, nor in /stats or /metrics.
part_logs() {
  local logs bad
  logs=$(ls "$T"/*.log "$T"/*.old 2>/dev/null | grep -v '/kcat\.\|/mock\.')
  bad=$(cat $logs | grep -Ev '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z level=(debug|info|warn|error) msg=("([^"\\]|\\.)*"|[^ "=]+)( [a-zA-Z_.]+=("([^"\\]|\\.)*"|[^ "]*))*$' |
    head -5)
  check "logs: every line is TIMESTAMP level=LEVEL msg=... key=value ($(cat $logs | wc -l) lines)" \
    test -z "$bad"
  [[ -z $bad ]] || sed 's/^/# not logfmt: /' <<<"$bad"
  check "logs: the configuration warning at start is a log event too" \
    logged stats 'level=warn msg="[^"]*lw.conf:[0-9]+: sasl_password: warning: secret in a file'
  check "logs: the SASL password appears in no log" eval '! grep -qF "$SECRET" $logs'
  check "logs: the SASL password appears neither in /stats nor in /metrics" \
    eval '! grep -qF "$SECRET" $STATS_OUT'
}

want logs && want stats && part_logs

exit $FAILED
