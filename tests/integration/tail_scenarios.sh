#!/usr/bin/env bash
# tail_scenarios.sh — the agent (`logwire run`) follows files written by an application
# (build/tools/seqwrite) through what happens to log files in production, against the mock
# cluster, and not a line may be lost: rename rotation every 2500 lines (globs matching only
# the live name, and matching the rotated names too), copytruncate every 2500 lines, files deleted
# with unread data, the agent SIGKILLed and restarted, the broker down for 10 s, a huge line
# and a binary one. Lines carry sequence numbers; kcat reads the topic back (CRCs checked)
# and seq_report counts what is missing or duplicated. Each scenario has its own topic,
# directory and state.
#
# LW_SCENARIOS="1 3" runs only some of them (all by default).
source "$(dirname "$0")/lib.sh"

SEQW=$LW_TOOLS/seqwrite
SCENARIOS=${LW_SCENARIOS:-1 2 3 4 5 6}
mock_start -n 1 || exit 1

want() { [[ " $SCENARIOS " == *" $1 "* ]]; }

# setup NAME: a directory $D with logs/ and state/, and topic NAME (1 partition: one order).
setup() {
  D=$T/$1
  mkdir -p "$D/logs" "$D/state"
  mock_cmd "create $1 1 1"
}

# conf NAME [agent keys...] -- [input keys...]: write $D/lw.conf with one input "app".
conf() {
  local name=$1 k
  shift
  {
    printf '[kafka]\nbrokers = %s\nlinger_ms = 5\nreconnect_backoff_max_ms = 500\n' \
      "$MOCK_BOOTSTRAP"
    printf '[agent]\nstate_dir = %s/state\nhttp = 127.0.0.1:0\n' "$D"
    while (($#)) && [[ $1 != -- ]]; do
      echo "$1"
      shift
    done
    shift
    printf '[input.app]\ntopic = %s\nstart = beginning\n' "$name"
    for k in "$@"; do echo "$k"; done
  } >"$D/lw.conf"
}

# collect NAME N [PREFIX]: read topic NAME back into $D/out.txt and count lines 1..N. Sets
# SEQ_* (lib.sh) and REPORT.
collect() {
  local name=$1 n=$2 p=${3:-line}
  kcat_read "$name" >"$D/out.txt"
  seq_report "$n" "$D/out.txt" "$p" >"$D/report"
  REPORT=$(cat "$D/report")
}

# ---- 1. rename rotation every 2500 lines ----

# stopped_or_gone PID: the writer stopped itself (seqwrite -x) or exited.
stopped_or_gone() { stopped "$1" || gone "$1"; }

# holds AGENT_PID FILE: the agent has FILE (the inode now at that path) open.
holds() {
  local fd
  for fd in /proc/"$1"/fd/*; do
    [[ $fd -ef $2 ]] && return 0 # same device and inode
  done
  return 1
}

# rotate_rename DIR WRITER_PID AGENT_PID: logrotate's rename + create (rotate 3) at every
# stop of the writer (seqwrite -x: it stops itself after every so many lines, so the number of
# rotations does not depend on the machine's speed); the writer goes on (SIGCONT) and writes
# into the renamed file until it reopens on SIGHUP (postrotate). A file renamed away before
# the agent found it at all is out of anyone's reach (tail.h): a rotation waits until the
# agent holds the file, so what is measured is the agent, not the scheduler. Prints the
# number of rotations.
rotate_rename() {
  local d=$1 w=$2 agent=$3 n=0
  while wait_until 60 stopped_or_gone "$w" && ! gone "$w"; do
    wait_until 10 holds "$agent" "$d/app.log"
    [[ -e $d/app.log.2 ]] && mv "$d/app.log.2" "$d/app.log.3"
    [[ -e $d/app.log.1 ]] && mv "$d/app.log.1" "$d/app.log.2"
    mv "$d/app.log" "$d/app.log.1" || break
    : >>"$d/app.log"
    kill -CONT "$w" 2>/dev/null
    kill -HUP "$w" 2>/dev/null
    n=$((n + 1))
  done
  echo $n
}

scenario_rename() {
  local name=$1 glob=$2 n=30000 rate=10000 every=2500
  setup "$name"
  conf "$name" -- "paths = $D/logs/$glob"
  agent_start "$name" "$D/lw.conf"
  agent_wait_port "$name" || notok "$name: the agent did not start"
  "$SEQW" -f "$D/logs/app.log" -n $n -r $rate -x $every >/dev/null &
  local w=$!
  local rot
  rot=$(rotate_rename "$D/logs" $w "$AGENT_PID")
  wait $w
  wait_until 60 in_stat_ge "$AGENT_HTTP" app lines_acked $n
  wait_until 20 in_stat_eq "$AGENT_HTTP" app lag_bytes 0
  collect "$name" $n
  note "$name: $REPORT ($rot rotations)"
  check "$name: every line delivered once ($rot rotations)" \
    test "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0 -a "$rot" -eq $((n / every - 1))
  kill -TERM "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
}

# ---- 2. copytruncate every 2500 lines ----
#
# copytruncate (cp app.log app.log.1; truncate -s0 app.log) loses by itself what the
# application writes between the copy and the truncation, unless a follower read it before
# the truncation: those bytes are in no copy and no longer in the file. To measure exactly
# that window and nothing else, each rotation goes:
#   1. the application (writer) stops itself (seqwrite -x) and the agent is let catch up with the
#      file (its lines_read reaches what the file holds), so the agent's own lag is no part
#      of the window;
#   2. the file is copied (app.log.K);
#   3. the "window": W (1..20) lines "win NNNNNNN" are appended, in one write, as the
#      application would write them during the copy;
#   4. the file is truncated (at every other rotation by the same process right after that
#      write, so the agent rarely sees the window; at the others a process start later), the
#      agent's truncation counter is awaited, and its lines_read
#      says how many of the W lines it read before the truncation: the rest are the
#      copytruncate window's loss, recorded by number;
#   5. the application goes on (SIGCONT) at offset 0 (O_APPEND).
# Required: every "line" delivered once; the "win" lines missing are exactly those recorded.
rotate_copytruncate() {
  local d=$1 w=$2 addr=$3 k=0 base=0 inlog nw wnext=1 read r
  : >"$D/win.lost"
  while wait_until 60 stopped_or_gone "$w" && ! gone "$w"; do
    inlog=$(wc -l <"$d/app.log")
    if ((inlog == 0)); then
      kill -CONT "$w"
      continue
    fi
    if ! wait_until 30 in_stat_eq "$addr" app lines_read $((base + inlog)); then
      notok "copytruncate: the agent did not read the $inlog lines of generation $k"
      kill -CONT "$w"
      break
    fi
    cp "$d/app.log" "$d/app.log.$k"
    nw=$((RANDOM % 20 + 1))
    if ((k % 2)); then # the window closes at once: the agent may not see it at all
      perl -e 'open(my $f, ">>", $ARGV[0]) or die; syswrite($f, join("",
        map { sprintf("win %07d\n", $_) } $ARGV[1] .. $ARGV[1] + $ARGV[2] - 1));
        truncate($f, 0) or die' "$d/app.log" $wnext $nw
    else # the window stays open for two process starts
      awk -v a=$wnext -v n=$nw 'BEGIN { for (i = a; i < a + n; i++) printf "win %07d\n", i }' \
        >>"$d/app.log"
      truncate -s0 "$d/app.log"
    fi
    k=$((k + 1))
    if ! wait_until 30 in_stat_eq "$addr" app truncations $k; then
      notok "copytruncate: truncation $k not seen"
      kill -CONT "$w"
      break
    fi
    read=$(in_stat "$addr" app lines_read)
    r=$((read - base - inlog)) # window lines the agent read before the truncation
    seq $((wnext + r)) $((wnext + nw - 1)) >>"$D/win.lost"
    echo "$nw $r" >>"$D/win.log"
    wnext=$((wnext + nw))
    base=$read
    kill -CONT "$w"
  done
  kill -CONT "$w" 2>/dev/null
  echo $k $((wnext - 1))
}

scenario_copytruncate() {
  local name=copytruncate n=30000 rate=10000 every=2500
  setup $name
  conf $name -- "paths = $D/logs/app.log"
  agent_start $name "$D/lw.conf"
  agent_wait_port $name || notok "$name: the agent did not start"
  "$SEQW" -f "$D/logs/app.log" -n $n -r $rate -x $every >/dev/null &
  local w=$! out rot nwin
  out=$(rotate_copytruncate "$D/logs" $w "$AGENT_HTTP")
  read -r rot nwin <<<"$out"
  wait $w
  wait_until 60 in_stat_ge "$AGENT_HTTP" app lines_read $n
  wait_until 20 in_stat_eq "$AGENT_HTTP" app lag_bytes 0
  collect $name $n
  local lines=$REPORT lmiss=$SEQ_MISSING ldup=$SEQ_DUP
  seq_report "$nwin" "$D/out.txt" win >"$D/report.win"
  local lost
  lost=$(wc -l <"$D/win.lost")
  # The window lines missing, by number, must be exactly those recorded as lost.
  awk -v n="$nwin" '$1 == "win" { got[$2 + 0] = 1 }
    END { for (i = 1; i <= n; i++) if (!(i in got)) print i }' "$D/out.txt" >"$D/win.missing"
  note "$name: $lines ($rot truncations)"
  note "$name window: $(cat "$D/report.win"): lines written between a copy and its" \
    "truncation; $lost of them were not read by the agent before the truncation and are lost"
  check "$name: every line delivered once ($rot truncations)" \
    test "$lmiss" -eq 0 -a "$ldup" -eq 0 -a "$rot" -eq $((n / every - 1))
  check "$name: the lines missing are exactly the copytruncate window's loss ($lost)" \
    cmp -s "$D/win.lost" "$D/win.missing"
  kill -TERM "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
}

if want 1; then
  scenario_rename rename app.log
  scenario_rename rename-glob 'app.log*'
fi

want 2 && scenario_copytruncate

# ---- 3. a file deleted with unread data ----
#
# a. the agent is stopped (SIGSTOP) with the file open, the application writes on, the file
#    is deleted, the agent goes on (SIGCONT): what it had not read comes from its descriptor.
# b. Kafka is slow (1 s added to every round trip, read_ahead_bytes 64K): the agent reads
#    only as far as Kafka takes, the file is deleted while most of it is unread and reading
#    is paused; then Kafka is fast again and the rest arrives.
scenario_deleted_stopped() {
  local name=deleted-stopped n1=10000 n2=20000
  setup $name
  conf $name -- "paths = $D/logs/app.log"
  agent_start $name "$D/lw.conf"
  agent_wait_port $name || notok "$name: the agent did not start"
  "$SEQW" -f "$D/logs/app.log" -n $n1 >/dev/null
  wait_until 20 in_stat_ge "$AGENT_HTTP" app lines_read 1
  kill -STOP "$AGENT_PID"
  wait_until 10 stopped "$AGENT_PID"
  "$SEQW" -f "$D/logs/app.log" -n $n2 -s $((n1 + 1)) >/dev/null
  rm "$D/logs/app.log"
  kill -CONT "$AGENT_PID"
  wait_until 60 in_stat_ge "$AGENT_HTTP" app lines_acked $((n1 + n2))
  collect $name $((n1 + n2))
  note "$name: $REPORT"
  check "$name: the lines written while the agent was stopped, then deleted, delivered once" \
    test "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0
  kill -TERM "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
}

scenario_deleted_slow() {
  local name=deleted-slow n=30000 read lag
  setup $name
  conf $name "read_ahead_bytes = 64K" -- "paths = $D/logs/app.log"
  agent_start $name "$D/lw.conf"
  agent_wait_port $name || notok "$name: the agent did not start"
  wait_until 20 grep -q "producer id" "$T/$name.log" # connected
  mock_cmd "rtt 1 1000"
  "$SEQW" -f "$D/logs/app.log" -n 5000 >/dev/null
  wait_until 20 in_stat_ge "$AGENT_HTTP" app lines_read 1 # reading now waits for Kafka
  "$SEQW" -f "$D/logs/app.log" -n $((n - 5000)) -s 5001 >/dev/null
  rm "$D/logs/app.log"
  read=$(in_stat "$AGENT_HTTP" app lines_read)
  # /stats: the lag counts the deleted file's unread bytes while reading waits for Kafka.
  wait_until 20 in_stat_ge "$AGENT_HTTP" app lag_bytes 500000
  lag=$(in_stat "$AGENT_HTTP" app lag_bytes)
  mock_cmd "rtt 1 0"
  wait_until 60 in_stat_ge "$AGENT_HTTP" app lines_acked $n
  collect $name $n
  note "$name: $REPORT (deleted when $read lines were read; lag then shown: $lag bytes)"
  check "$name: deleted while reading waited for Kafka, unread data still delivered once" \
    test "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0 -a "${read:-$n}" -lt $((n / 2))
  check "$name: /stats lag_bytes shows the unread part while reading waits" \
    test "${lag:-0}" -ge 500000
  kill -TERM "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
}

if want 3; then
  scenario_deleted_stopped
  scenario_deleted_slow
fi

# ---- 4. the agent SIGKILLed mid-stream, several times ----
#
# After each kill the checkpoint file says where the next start resumes. Nothing may be
# missing. Lines between the checkpoint and what Kafka already had are sent again: those are
# the only duplicates allowed, so every run of duplicated lines must start right after one of
# the checkpoints found after a kill, and end no later than the last line written when that
# run was killed (a run cannot have sent what was not written yet). The bound is counted in
# lines, not derived from rates and checkpoint_ms: it holds on a machine of any speed.

# ckpt_line STATE FILE: the number of lines of FILE before the offset the checkpoint STATE
# records for it (0 when it has none). STATE is a directory holding the checkpoint's files as
# the kill left them: NAME and NAME.prev (durable), NAME.live (the last cheap generation), and
# NAME.tmp when the kill came between two steps of a durable write. A restart loads the newest
# complete generation of them; offsets only grow, so that is the largest offset recorded for
# FILE. (A kill between the two steps of a cheap write leaves the new generation followed by
# older bytes: their offsets are smaller.)
ckpt_line() {
  local off
  off=$(cat "$1"/* 2>/dev/null | awk -v p="$2" 'NF >= 9 && $9 == p && $5 + 0 > m { m = $5 + 0 }
    END { print m + 0 }')
  awk -v o="${off:-0}" '{ e += length($0) + 1; if (e <= o) n++ } END { print n + 0 }' "$2"
}

scenario_kill() {
  local name=kill n=40000 rate=10000 kills=4 ra=65536 ck=100 k
  setup $name
  conf $name "read_ahead_bytes = $ra" "checkpoint_ms = $ck" -- "paths = $D/logs/app.log"
  agent_start $name "$D/lw.conf"
  agent_wait_port $name || notok "$name: the agent did not start"
  "$SEQW" -f "$D/logs/app.log" -n $n -r $rate >/dev/null &
  local w=$!
  for k in $(seq $kills); do
    # Kill once this run acknowledged some lines and has more in flight.
    wait_until 30 in_stat_ge "$AGENT_HTTP" app lines_acked 3000
    kill -KILL "$AGENT_PID"
    wait_exit 10 "$AGENT_PID"
    mkdir -p "$D/ckpt.$k" && cp "$D/state/app.ckpt"* "$D/ckpt.$k/"
    wc -l <"$D/logs/app.log" >>"$D/written" # at least what the killed run could have read
    agent_start $name "$D/lw.conf"
    agent_wait_port $name || notok "$name: the agent did not start again"
  done
  wait $w
  wait_until 60 in_stat_eq "$AGENT_HTTP" app lag_bytes 0
  for k in $(seq $kills); do ckpt_line "$D/ckpt.$k" "$D/logs/app.log"; done >"$D/ckpt.lines"
  collect $name $n
  # Runs of duplicated lines: "first last" each.
  awk '$1 == "line" { c[$2 + 0]++ } END { for (i in c) if (c[i] > 1) print i }' "$D/out.txt" |
    sort -n | awk 'NR == 1 { a = b = $1; next } $1 == b + 1 { b = $1; next }
      { print a, b; a = b = $1 } END { if (NR) print a, b }' >"$D/dup.runs"
  local bad=0 a b runs="" lim
  while read -r a b; do
    runs="$runs $a-$b"
    # The kill whose checkpoint this run starts after, and the lines written by then.
    lim=$(paste "$D/ckpt.lines" "$D/written" | awk -v c=$((a - 1)) '$1 == c { m = $2 } END { print m }')
    [[ -n $lim ]] && ((b <= lim)) || bad=1
  done <"$D/dup.runs"
  note "$name: $REPORT ($kills SIGKILLs; duplicated runs:${runs:- none};" \
    "checkpoints at lines $(tr '\n' ' ' <"$D/ckpt.lines")written at the kills $(tr '\n' ' ' <"$D/written"))"
  check "$name: nothing lost after $kills SIGKILLs" test "$SEQ_MISSING" -eq 0
  check "$name: duplicates only from a checkpoint on, up to what was written at that kill" \
    test $bad -eq 0
  kill -TERM "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
}

want 4 && scenario_kill

# ---- 5. the broker down for 10 s mid-stream ----
#
# The cluster's only broker goes down (connections closed, reconnects refused) for 10 s of
# real time while the application writes on; the agent stops reading when its read-ahead is
# full and catches up once the broker is back. The idempotent producer keeps retries from
# writing twice: nothing missing, nothing duplicated.
scenario_broker_down() {
  local name=broker-down n=30000 rate=2500 acked
  setup $name
  conf $name -- "paths = $D/logs/app.log"
  agent_start $name "$D/lw.conf"
  agent_wait_port $name || notok "$name: the agent did not start"
  "$SEQW" -f "$D/logs/app.log" -n $n -r $rate >/dev/null &
  local w=$!
  wait_until 20 in_stat_ge "$AGENT_HTTP" app lines_acked 2000
  mock_cmd "down 1"
  sleep 10 # the scenario: 10 s without a broker
  acked=$(in_stat "$AGENT_HTTP" app lines_acked)
  mock_cmd "up 1"
  wait $w
  wait_until 60 in_stat_ge "$AGENT_HTTP" app lines_acked $n
  wait_until 20 in_stat_eq "$AGENT_HTTP" app lag_bytes 0
  collect $name $n
  note "$name: $REPORT (acknowledged $acked lines before the 10 s outage)"
  check "$name: 10 s without a broker: nothing lost, nothing duplicated" \
    test "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0
  kill -TERM "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
}

want 5 && scenario_broker_down

# ---- 6. a huge line and a binary line in the middle of a file ----
#
# Two inputs follow the same file with the default limits (max_line_bytes and
# message_max_bytes both 1 MiB): one splits longer lines into pieces, one truncates them.
# The file: 1000 lines, a line of 3 MiB + 1000 bytes, a binary line (NUL bytes, invalid
# UTF-8, a lone CR), a line of exactly 1 MiB, 1000 more lines. A piece is at most 1 MiB less
# the room its record's framing needs (so a line of exactly 1 MiB is split too). Reading goes
# on after each; /stats counts the long lines; what kcat reads back, records concatenated, is
# the file without its newlines byte for byte (split), or that with the long lines cut
# (truncate); the binary line is one record, byte-exact.
scenario_long_lines() {
  local name=long-lines mib=1048576
  setup $name
  mock_cmd "create $name-trunc 1 1"
  {
    printf '[kafka]\nbrokers = %s\nlinger_ms = 5\n' "$MOCK_BOOTSTRAP"
    printf '[agent]\nstate_dir = %s/state\nhttp = 127.0.0.1:0\n' "$D"
    printf '[input.split]\npaths = %s/logs/app.log\ntopic = %s\nstart = beginning\n' "$D" $name
    printf 'max_line_bytes = 1M\nlong_lines = split\n'
    printf '[input.trunc]\npaths = %s/logs/app.log\ntopic = %s-trunc\n' "$D" $name
    printf 'start = beginning\nmax_line_bytes = 1M\nlong_lines = truncate\n'
  } >"$D/lw.conf"
  # The parts, each also kept alone to build what must arrive.
  seq_lines 1000 >"$D/part1"
  head -c $((3 * mib + 1000)) /dev/urandom | base64 -w0 | head -c $((3 * mib + 1000)) >"$D/huge"
  printf 'bin \000\000 \377\376 \303\050 \355\240\200 cr\rmid end' >"$D/binary"
  head -c $mib /dev/urandom | base64 -w0 | head -c $mib >"$D/exact"
  seq_lines 2000 | tail -n 1000 >"$D/part2"
  agent_start $name "$D/lw.conf"
  agent_wait_port $name || notok "$name: the agent did not start"
  local f=$D/logs/app.log
  cat "$D/part1" >>"$f"
  wait_until 20 in_stat_ge "$AGENT_HTTP" split lines_read 1000
  { cat "$D/huge"; echo; } >>"$f"
  { cat "$D/binary"; echo; } >>"$f"
  { cat "$D/exact"; echo; } >>"$f"
  cat "$D/part2" >>"$f"
  # truncate: 1000 + 1 + 1 + 1 + 1000 records; split: as many, plus 3 + 1 more pieces.
  wait_until 60 in_stat_eq "$AGENT_HTTP" trunc lines_acked 2003
  wait_until 60 in_stat_eq "$AGENT_HTTP" split lines_acked 2007
  wait_until 20 in_stat_eq "$AGENT_HTTP" split lag_bytes 0
  kcat_read $name '%s' >"$D/split.out"
  kcat_read $name-trunc '%s' >"$D/trunc.out"
  local piece
  piece=$(kcat -C -b "$MOCK_BOOTSTRAP" -t $name -o 1000 -c 1 -e -q -f '%S' 2>/dev/null)
  tr -d '\n' <"$f" >"$D/split.want"
  { tr -d '\n' <"$D/part1"; head -c "$piece" "$D/huge"; cat "$D/binary"
    head -c "$piece" "$D/exact"; tr -d '\n' <"$D/part2"; } >"$D/trunc.want"
  kcat -C -b "$MOCK_BOOTSTRAP" -t $name -o 1004 -c 1 -e -q -f '%s' >"$D/binary.out" 2>/dev/null
  local ns nt ls lt
  ns=$(kcat_count $name)
  nt=$(kcat_count $name-trunc)
  ls=$(in_stat "$AGENT_HTTP" split long_lines)
  lt=$(in_stat "$AGENT_HTTP" trunc long_lines)
  kcat_read $name >"$D/split.lines"
  kcat_read $name-trunc >"$D/trunc.lines"
  note "$name (split): the 2000 lines around them: $(seq_report 2000 "$D/split.lines")"
  note "$name (truncate): the 2000 lines around them: $(seq_report 2000 "$D/trunc.lines")"
  note "$name: split: $ns records, long_lines $ls; truncate: $nt records, long_lines $lt;" \
    "pieces of $piece bytes"
  check "$name: split: every byte arrives, in order (2007 records)" \
    eval 'cmp -s "$D/split.want" "$D/split.out" && [[ $ns -eq 2007 ]]'
  check "$name: truncate: the long lines cut, the rest intact (2003 records)" \
    eval 'cmp -s "$D/trunc.want" "$D/trunc.out" && [[ $nt -eq 2003 ]]'
  check "$name: pieces as long as max_line_bytes allows ($piece bytes)" \
    test "${piece:-0}" -le $mib -a "${piece:-0}" -ge $((mib - 4096))
  check "$name: the binary line arrives byte-exact" cmp -s "$D/binary" "$D/binary.out"
  check "$name: long_lines counted in /stats (split 2, truncate 2)" \
    test "${ls:-0}" -eq 2 -a "${lt:-0}" -eq 2
  kill -TERM "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
}

want 6 && scenario_long_lines

exit $FAILED
