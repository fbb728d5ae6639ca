#!/usr/bin/env bash
# reliability.sh — the agent under the faults a user's servers see, each scenario printing
# "# NAME: written N delivered D missing M duplicated U peak_rss_kb R peak_fds F" and checking
# what must hold (never a line missing). Lines carry sequence numbers; kcat reads the topic
# back. Short by default (make check); LW_REL_LONG=1 (scripts/reliability.sh) runs the long
# versions published in docs/RELIABILITY.md. LW_REL="copytruncate kill ..." runs only some;
# LW_AGENT_OPTS="-d" adds options to each `logwire run` (debug logs to see what a file went
# through).
#
#   copytruncate        logrotate copytruncate while the agent lags: the unread lines are
#                       only in the copy, and read from it
#   copytruncate-glob   the same with the copies matched too (paths = app.log*, rotate 3):
#                       their already-shipped prefix is not sent again
#   copytruncate-nocopy the copy moved away at once: a warning and truncation_lost_bytes
#   kill                SIGKILL x5 under load: duplicates at most 5% of the lines
#   churn               2,000 short-lived files (>= 1 s) at a time, default settings
#   rotate-wait         a late write into a renamed file is read at once and shown in /stats
#   state-full          state_dir on a full tmpfs: retried every 5 s at most, no .tmp left
#   proxy               connections cut at random bytes by tests/tools/cutproxy
#   broker-down         the only broker down (5 s; long: 30 s)
#   leaders             partition leaders moving and injected Produce errors
#   rename-late         rename rotation with the new file created late
#   bad-lines           NUL bytes, invalid UTF-8, CR, a 3 MiB line amid numbered lines
source "$(dirname "$0")/lib.sh"

SEQW=$LW_TOOLS/seqwrite
LONG=${LW_REL_LONG:-}
ALL="copytruncate copytruncate-glob copytruncate-nocopy kill churn rotate-wait state-full proxy
broker-down leaders rename-late bad-lines"
SCEN=${LW_REL:-$ALL}
want() { [[ " $(echo $SCEN) " == *" $1 "* ]]; }
long() { [[ -n $LONG ]]; }

mock_start -n 3 || exit 1

# setup NAME [PARTITIONS [RF]]: $D and topic NAME (8 partitions by default: the mock cluster
# keeps about 100,000 records per partition, the larger runs need several).
setup() {
  D=$T/$1
  mkdir -p "$D/logs" "$D/state"
  mock_cmd "create $1 ${2:-8} ${3:-1}"
}

# conf NAME [agent keys...] -- [input keys...]: $D/lw.conf with one input "app" to topic NAME.
conf() {
  local name=$1 brokers=${BROKERS:-$MOCK_BOOTSTRAP} k
  shift
  {
    printf '[kafka]\nbrokers = %s\nlinger_ms = 5\nreconnect_backoff_max_ms = 500\n' "$brokers"
    [[ -n ${CONNECT_TO:-} ]] && printf 'connect_to = %s\n' "$CONNECT_TO"
    printf '[agent]\nhttp = 127.0.0.1:0\n'
    [[ " $* " == *" state_dir = "* ]] || printf 'state_dir = %s/state\n' "$D"
    while (($#)) && [[ $1 != -- ]]; do
      echo "$1"
      shift
    done
    shift
    printf '[input.app]\ntopic = %s\nstart = beginning\n' "$name"
    for k in "$@"; do echo "$k"; done
  } >"$D/lw.conf"
}

# Peak descriptors of the agent, sampled every 100 ms in the background (peak RSS is the
# kernel's own VmHWM). sampler_start PID / sampler_stop (sets PEAK_FDS, PEAK_RSS).
sampler_start() {
  local pid=$1
  : >"$T/fds"
  (while kill -0 "$pid" 2>/dev/null; do
    ls "/proc/$pid/fd" 2>/dev/null | wc -l >>"$T/fds"
    sleep 0.1 # sampling interval
  done) &
  SAMPLER=$!
  LW_BG_PIDS+=("$SAMPLER")
  SAMPLED=$pid
}
sampler_stop() {
  PEAK_RSS=$(awk '/^VmHWM/ { print $2 }' "/proc/$SAMPLED/status" 2>/dev/null)
  kill "$SAMPLER" 2>/dev/null
  wait "$SAMPLER" 2>/dev/null
  PEAK_FDS=$(sort -n "$T/fds" | tail -1)
  ((PEAK_RSS > ${MAX_RSS:-0})) && MAX_RSS=$PEAK_RSS
}

# collect NAME N [PREFIX]: read topic NAME back, count 1..N; sets SEQ_* and REPORT.
collect() {
  kcat_read "$1" >"$D/out.txt"
  seq_report "$2" "$D/out.txt" "${3:-line}" >"$D/report"
  REPORT="$(cat "$D/report") peak_rss_kb ${PEAK_RSS:-?} peak_fds ${PEAK_FDS:-?}"
}

# start NAME: start the agent with $D/lw.conf, wait for its stats endpoint, sample it.
start() {
  agent_start "$1" "$D/lw.conf" ${LW_AGENT_OPTS:-}
  agent_wait_port "$1" || notok "$1: the agent did not start: $(tail -3 "$T/$1.log")"
  sampler_start "$AGENT_PID"
}

stop() {
  sampler_stop
  kill -TERM "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
}

# drained N: every line acknowledged and nothing left unread.
drained() {
  wait_until "${2:-120}" in_stat_ge "$AGENT_HTTP" app lines_acked "$1" &&
    wait_until 30 in_stat_eq "$AGENT_HTTP" app lag_bytes 0
}

grows() { (($(wc -l <"$1") >= $2)); }

# ---- copytruncate: the lines the agent had not read are only in the copy ----
#
# Each rotation, logrotate's copytruncate with the application paused for the copy and the
# truncation (so nothing falls between the two: that window is copytruncate's own loss, no
# follower can see it): the agent is stopped (SIGSTOP) and the application writes 200 more
# lines, then app.log is copied and truncated, then both go on. Those 200 lines exist only in
# the copy when the agent sees the truncation.
copytruncate_run() {
  local name=$1 glob=$2 rot3=$3 n rate=2000 rots k=0 w before
  rots=$(long && echo 40 || echo 6)
  setup "$name"
  conf "$name" -- "paths = $D/logs/$glob"
  start "$name"
  # The application writes until the rotations are done (SIGTERM), then says how many lines.
  "$SEQW" -f "$D/logs/app.log" -n 100000000 -r $rate >"$D/written" &
  w=$!
  while ((k < rots)) && kill -0 $w 2>/dev/null; do
    sleep 0.3 # the scenario's own clock between rotations
    kill -STOP "$AGENT_PID"
    wait_until 10 stopped "$AGENT_PID"
    before=$(wc -l <"$D/logs/app.log")
    wait_until 10 grows "$D/logs/app.log" $((before + 200)) || break
    kill -STOP $w
    wait_until 10 stopped $w
    if [[ -n $rot3 ]]; then
      [[ -e $D/logs/app.log.2 ]] && mv "$D/logs/app.log.2" "$D/logs/app.log.3"
      [[ -e $D/logs/app.log.1 ]] && mv "$D/logs/app.log.1" "$D/logs/app.log.2"
    fi
    cp "$D/logs/app.log" "$D/logs/app.log.1"
    truncate -s0 "$D/logs/app.log"
    kill -CONT $w
    kill -CONT "$AGENT_PID"
    k=$((k + 1))
    wait_until 30 in_stat_eq "$AGENT_HTTP" app truncations $k
  done
  kill -TERM $w
  wait $w
  n=$(cat "$D/written")
  drained "$n"
  local copies
  copies=$(in_stat "$AGENT_HTTP" app truncation_copies)
  stop
  collect "$name" "$n"
  note "$name: $REPORT ($k truncations, $copies read on from the copy)"
  check "$name: every line delivered once through $k copytruncates" \
    test "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0 -a $k -eq "$rots"
}

want copytruncate && copytruncate_run copytruncate app.log ""
want copytruncate-glob && copytruncate_run copytruncate-glob 'app.log*' rot3

# ---- copytruncate with the copy compressed or moved away at once ----
if want copytruncate-nocopy; then
  name=copytruncate-nocopy
  setup $name 1
  mock_cmd "leader $name 0 1"
  conf $name "read_ahead_bytes = 64K" -- "paths = $D/logs/app.log"
  start $name
  "$SEQW" -f "$D/logs/app.log" -n 2000 >/dev/null
  drained 2000
  # Kafka slow: the agent reads only what it can send, and sees the rest unread.
  mock_cmd "rtt 1 1000"
  "$SEQW" -f "$D/logs/app.log" -n 20000 -s 2001 >/dev/null
  wait_until 20 in_stat_ge "$AGENT_HTTP" app lines_read 2001
  cp "$D/logs/app.log" "$D/app.log.1" # elsewhere: as if compressed at once
  truncate -s0 "$D/logs/app.log"
  echo "line 9999999 after the truncation" >>"$D/logs/app.log"
  mock_cmd "rtt 1 0"
  wait_until 30 in_stat_ge "$AGENT_HTTP" app truncations 1
  lost=$(in_stat "$AGENT_HTTP" app truncation_lost_bytes)
  stop
  note "$name: truncation_lost_bytes $lost"
  check "$name: a warning says lines may be lost and why" \
    grep -q 'level=warn.*no copy of it found' "$T/$name.log"
  check "$name: /stats counts the bytes possibly lost ($lost)" test "${lost:-0}" -gt 0
fi

# ---- SIGKILL x5 under load: few duplicates ----
if want kill; then
  name=kill
  n=$(long && echo 500000 || echo 60000)
  rate=$(long && echo 20000 || echo 10000)
  setup $name
  conf $name -- "paths = $D/logs/app.log"
  start $name
  "$SEQW" -f "$D/logs/app.log" -n "$n" -r "$rate" >/dev/null &
  w=$!
  for k in 1 2 3 4 5; do
    wait_until 60 in_stat_ge "$AGENT_HTTP" app lines_acked $((n * k / 7))
    sampler_stop
    kill -KILL "$AGENT_PID"
    wait_exit 10 "$AGENT_PID"
    start $name
  done
  wait $w
  drained "$n"
  stop
  collect $name "$n"
  note "$name: $REPORT (5 SIGKILLs, default checkpoint_ms)"
  check "$name: nothing lost after 5 SIGKILLs" test "$SEQ_MISSING" -eq 0
  check "$name: duplicates at most 5% of the lines ($SEQ_DUP of $n)" \
    test "$SEQ_DUP" -le $((n / 20))
fi

# ---- 2,000 short-lived files at default settings ----
#
# 2,000 files at any time, each living 1 to 3 s with a line every 250 ms, then deleted and
# replaced by a new one (thousands of files in all; a line may be written and its file deleted
# in the same millisecond): every line must arrive. That takes a descriptor for every live
# file (an idle file closed and deleted before it is reopened is out of reach), so the agent
# derives max_open_files from its descriptor limit, raised to the hard limit at start. Below
# CHURN_NEED descriptors (the files, deleted ones draining, sockets) it cannot hold: the check
# fails, saying so, rather than passing on a smaller run.
if want churn; then
  name=churn
  secs=$(long && echo 60 || echo 15)
  nfiles=${LW_CHURN_FILES:-2000}
  need=$((nfiles + 200))
  hard=$(ulimit -Hn)
  if [[ $hard != unlimited ]] && ((hard < need)); then
    notok "$name: the hard descriptor limit here ($hard) is below what $nfiles files need" \
      "($need): raise it (ulimit -Hn, LimitNOFILE=) to run this scenario"
  else
    setup $name
    conf $name -- "paths = $D/logs/*.log"
    # The agent starts with a soft limit of 1024, as a service manager gives it by default:
    # it raises the soft limit to the hard one itself.
    ulimit -Sn 1024
    start $name
    ulimit -Sn "$hard" # the churn tool holds every file open too
    soft=$(awk '/^Max open files/ { print $4 }' "/proc/$AGENT_PID/limits")
    check "$name: the agent raised its soft descriptor limit from 1024 to the hard one ($soft)" \
      test "$soft" = "$hard"
    "$LW_TOOLS/churn" -d "$D/logs" -n "$nfiles" -t "$secs" -m 1000 -M 3000 -p 250 >"$D/churn.out"
    read -r n < <(head -1 "$D/churn.out")
    files=$(sed -n 2p "$D/churn.out")
    drained "$n" 120
    stop
    collect $name "$n" churn
    note "$name: $REPORT ($files files in ${secs}s, $nfiles at a time)"
    check "$name: every line of $files short-lived files delivered ($nfiles at a time)" \
      test "$SEQ_MISSING" -eq 0
    check "$name: no misleading truncation message from reused inodes" \
      test "$(grep -c 'shorter than its checkpoint' "$T/$name.log")" -eq 0
  fi
fi

# ---- rotate_wait_ms: late writes into a renamed file ----
if want rotate-wait; then
  name=rotate-wait
  setup $name
  conf $name -- "paths = $D/logs/app.log" "rotate_wait_ms = 20000"
  start $name
  "$SEQW" -f "$D/logs/app.log" -n 1000 >/dev/null
  drained 1000
  exec {late}>>"$D/logs/app.log" # the application, not reopened yet
  mv "$D/logs/app.log" "$D/logs/app.log.1"
  : >"$D/logs/app.log"
  wait_until 10 in_stat_eq "$AGENT_HTTP" app files_rotated 1
  rotated=$(in_stat "$AGENT_HTTP" app files_rotated)
  seq_lines 1500 | tail -n 500 >&$late # a late write, well within rotate_wait_ms
  exec {late}>&-
  # Read at once (not when rotate_wait_ms ends): acknowledged long before 20 s.
  wait_until 10 in_stat_ge "$AGENT_HTTP" app lines_acked 1500
  acked=$(in_stat "$AGENT_HTTP" app lines_acked)
  stop
  collect $name 1500
  note "$name: $REPORT (files_rotated $rotated while draining)"
  check "$name: /stats counts the rotated file still open" test "${rotated:-0}" -eq 1
  check "$name: a late write is read while the rotated file waits (rotate_wait_ms 20000)" \
    test "${acked:-0}" -ge 1500 -a "$SEQ_MISSING" -eq 0
fi

# ---- state_dir on a full file system ----
if want state-full; then
  name=state-full
  setup $name
  mnt=$D/state-mnt
  mkdir -p "$mnt"
  if mount -t tmpfs -o size=16k tmpfs "$mnt" 2>/dev/null; then
    conf $name "state_dir = $mnt" -- "paths = $D/logs/app.log"
    start $name
    "$SEQW" -f "$D/logs/app.log" -n 5000 -r 5000 >/dev/null
    drained 5000
    head -c 1M /dev/zero >"$mnt/filler" 2>/dev/null # the disk is full now
    "$SEQW" -f "$D/logs/app.log" -n 5000 -s 5001 -r 5000 >/dev/null
    drained 10000
    wait_until 20 in_stat_ge "$AGENT_HTTP" app checkpoint_errors 3
    e1=$(in_stat "$AGENT_HTTP" app checkpoint_errors)
    sleep 12 # the scenario: 12 s of a full disk; retries are capped at 5 s apart
    e2=$(in_stat "$AGENT_HTTP" app checkpoint_errors)
    tmp=$(find "$mnt" -name '*.tmp' | wc -l)
    rm -f "$mnt/filler"
    wait_until 20 grep -q 'written again' "$T/$name.log"
    stop
    umount "$mnt"
    collect $name 10000
    note "$name: $REPORT (checkpoint errors $e1, then $e2 after 12 s; .tmp files $tmp)"
    check "$name: nothing lost with a full state_dir" test "$SEQ_MISSING" -eq 0
    check "$name: retried at least every 5 s ($e1 -> $e2 errors in 12 s)" \
      test "$((e2 - e1))" -ge 2
    check "$name: no .tmp file left on the full disk" test "$tmp" -eq 0
    check "$name: the checkpoint is written again once there is room" \
      grep -q 'written again' "$T/$name.log"
  else
    note "$name: skipped (tmpfs cannot be mounted here)"
  fi
fi

# ---- a proxy cutting connections at random bytes ----
if want proxy; then
  name=proxy
  n=$(long && echo 90000 || echo 40000)
  setup $name 1
  "$LW_TOOLS/cutproxy" -t "$MOCK_FIRST" -m 1048576 -s 7 >"$T/proxy.out" 2>"$T/proxy.err" </dev/null &
  PROXY=$!
  LW_BG_PIDS+=("$PROXY")
  wait_until 10 grep -q listen= "$T/proxy.out"
  px=$(sed -n 's/listen=//p' "$T/proxy.out")
  # Every broker of the cluster reached through the proxy to the first one (the topic's
  # only partition is led by whichever broker: the mock forwards nothing, so map them all
  # and keep the partition on broker 1).
  mock_cmd "leader $name 0 1"
  BROKERS=$px CONNECT_TO=$(echo "$MOCK_BOOTSTRAP" | tr ',' '\n' | sed "s/\$/=$px/" | paste -sd,) \
    conf $name -- "paths = $D/logs/app.log"
  start $name
  "$SEQW" -f "$D/logs/app.log" -n "$n" -r 10000 >/dev/null
  drained "$n" 180
  stop
  kill -TERM $PROXY
  wait_exit 10 $PROXY
  collect $name "$n"
  note "$name: $REPORT (proxy: $(cat "$T/proxy.err"))"
  # Duplicates are reported, not failed: whether a retried batch is dropped as a duplicate is
  # the broker's part of idempotence (the mock cluster's, here).
  check "$name: connections cut at random bytes: nothing lost" test "$SEQ_MISSING" -eq 0
fi

# ---- the broker down ----
if want broker-down; then
  name=broker-down
  secs=$(long && echo 30 || echo 5)
  setup $name 1
  mock_cmd "leader $name 0 1"
  conf $name -- "paths = $D/logs/app.log"
  start $name
  "$SEQW" -f "$D/logs/app.log" -n 40000 -r 2000 >/dev/null &
  w=$!
  wait_until 20 in_stat_ge "$AGENT_HTTP" app lines_acked 2000
  mock_cmd "down 1"
  sleep "$secs" # the scenario: the broker is down this long
  mock_cmd "up 1"
  wait $w
  drained 40000
  stop
  collect $name 40000
  note "$name: $REPORT (broker down ${secs}s)"
  check "$name: ${secs}s without the broker: nothing lost, nothing duplicated" \
    test "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0
fi

# ---- leaders moving, Produce errors injected ----
if want leaders; then
  name=leaders
  n=$(long && echo 200000 || echo 30000)
  setup $name 3 3
  conf $name -- "paths = $D/logs/app.log"
  start $name
  "$SEQW" -f "$D/logs/app.log" -n "$n" -r 5000 >/dev/null &
  w=$!
  moves=0
  while kill -0 $w 2>/dev/null; do
    mock_cmd "leader $name $((RANDOM % 3)) $((RANDOM % 3 + 1))"
    ((moves % 5 == 0)) && mock_cmd "err 0 6 1" # NOT_LEADER_OR_FOLLOWER once
    ((moves % 7 == 0)) && mock_cmd "err 0 7 1" # REQUEST_TIMED_OUT once
    moves=$((moves + 1))
    sleep 0.1 # the scenario: a leader move every 100 ms
  done
  wait $w
  drained "$n" 180
  stop
  collect $name "$n"
  note "$name: $REPORT ($moves leader moves, errors injected)"
  check "$name: $moves leader moves and injected errors: nothing lost" test "$SEQ_MISSING" -eq 0
fi

# ---- rename rotation, the new file created late ----
if want rename-late; then
  name=rename-late
  n=$(long && echo 100000 || echo 20000)
  setup $name
  conf $name -- "paths = $D/logs/app.log"
  start $name
  "$SEQW" -f "$D/logs/app.log" -n "$n" -r 5000 >/dev/null &
  w=$!
  rots=0
  while kill -0 $w 2>/dev/null; do
    sleep 0.5 # the scenario: a rotation every 0.5 s
    mv "$D/logs/app.log" "$D/logs/app.log.1" || break
    sleep 0.2 # the scenario: the application writes on in the renamed file, then reopens
    kill -HUP $w 2>/dev/null
    rots=$((rots + 1))
  done
  wait $w
  drained "$n"
  stop
  collect $name "$n"
  note "$name: $REPORT ($rots rotations, the new file created 200 ms late)"
  check "$name: every line delivered once" test "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0
fi

# ---- bad lines ----
if want bad-lines; then
  name=bad-lines
  setup $name
  conf $name -- "paths = $D/logs/app.log"
  start $name
  {
    seq_lines 1000
    printf 'bin \000\000 \377\376 \303\050 cr\rmid\n'
    head -c 3145728 /dev/zero | tr '\0' x
    echo
    seq_lines 2000 | tail -n 1000
  } >"$D/logs/app.log"
  wait_until 60 in_stat_ge "$AGENT_HTTP" app lines_acked 2005
  drained 2005
  stop
  collect $name 2000
  note "$name: $REPORT (a binary line and a 3 MiB line amid them)"
  check "$name: lines around a binary line and a 3 MiB line all delivered" \
    test "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0
fi

exit $FAILED
