# lib.sh — shared by the integration scripts: a mock Kafka cluster (librdkafka's, test-only),
# kcat as the independent reader, condition waits with deadlines, and loss/duplicate counting.
# Source it; each script reports "ok - NAME" / "not ok - NAME" lines (scripts/run-tests.sh).

set -uo pipefail
LW_ROOT=${LW_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LW_BIN=${LW_BIN:-$LW_ROOT/build/logwire}
LW_TOOLS=${LW_TOOLS:-$LW_ROOT/build/tools}
T=$(mktemp -d /tmp/lw-it.XXXXXX)
FAILED=0
MOCK_PID=
declare -a LW_BG_PIDS=()

cleanup() {
  for p in "${LW_BG_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  mock_stop
  [[ -n ${LW_KEEP:-} ]] || rm -rf "$T"
}
trap cleanup EXIT

ok() { echo "ok - $*"; }
notok() {
  echo "not ok - $*"
  FAILED=1
}
note() { echo "# $*"; }
# check NAME CMD...: ok when CMD succeeds.
check() {
  local name=$1
  shift
  if "$@"; then ok "$name"; else notok "$name"; fi
}

# wait_until SECONDS CMD...: poll CMD (every 20 ms) until it succeeds; fails after SECONDS.
wait_until() {
  local deadline=$(($(date +%s%N) + $1 * 1000000000))
  shift
  while ! "$@"; do
    (($(date +%s%N) > deadline)) && return 1
    sleep 0.02
  done
  return 0
}

# mock_start [mockcluster args]: start the cluster; sets MOCK_BOOTSTRAP.
mock_start() { peer_start mockcluster "$@"; }
# fakebroker_start [fakebroker args]: start the broker model (tests/tools/fakebroker.c) in its
# place; mock_cmd, mock_ask, mock_stop and kcat_read work the same with it, and both take
# create/leader/down/up/err the same way.
fakebroker_start() { peer_start fakebroker "$@"; }

# ---- The broker model's own checks (commands listed at the top of tests/tools/fakebroker.c) ----

# model_stat KEY: one counter of the model's "stats" answer (empty when absent).
model_stat() { mock_ask stats | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# model_dump FILE [TOPIC]: every record the model stored, one tab-separated line each (TOPIC
# PARTITION OFFSET PRODUCER_ID EPOCH SEQUENCE MAGIC CODEC ACKS KEY VALUE).
model_dump() {
  local ans
  ans=$(mock_ask "dump $1${2:+ $2}")
  [[ $ans == ok* ]] || {
    echo "model: dump: $ans" >&2
    return 1
  }
}

# model_count TOPIC: records the model stored for TOPIC.
model_count() { mock_ask "count $1" | sed -n 's/^ok //p'; }

# seq_order FILE: lines "PARTITION PREFIX NNNNNNN ..." in offset order within each partition
# (kcat -f '%p %s\n'); prints how many first deliveries of a sequence number come after a
# higher one in the same partition (0: order held; repeated numbers are counted by seq_report).
seq_order() {
  awk '{ s = $3 + 0; if (s in seen) next; seen[s] = 1
         if (s < last[$1]) bad++; last[$1] = s } END { print bad + 0 }' "$1"
}

# peer_start TOOL [args]: start a broker tool taking commands on stdin; sets MOCK_BOOTSTRAP.
peer_start() {
  local tool=$1
  shift
  rm -f "$T/mock.in" "$T/mock.out" # left by a peer that did not start
  mkfifo "$T/mock.in" "$T/mock.out"
  "$LW_TOOLS/$tool" "$@" <"$T/mock.in" >"$T/mock.out" 2>"$T/mock.err" &
  MOCK_PID=$!
  exec {MOCK_W}>"$T/mock.in"
  exec {MOCK_R}<"$T/mock.out"
  local line
  if ! read -r -t 20 line <&"$MOCK_R"; then
    echo "$tool did not start: $(cat "$T/mock.err")" >&2
    return 1
  fi
  MOCK_BOOTSTRAP=${line#bootstrap=}
  MOCK_FIRST=${MOCK_BOOTSTRAP%%,*}
}

# mock_cmd "COMMAND": send a command to the mock cluster; succeeds when it answers ok.
mock_cmd() {
  echo "$1" >&"$MOCK_W"
  local ans
  read -r -t 10 ans <&"$MOCK_R" || return 1
  [[ $ans == ok ]] || {
    echo "mock: $1: $ans" >&2
    return 1
  }
}

# mock_ask "COMMAND": send a command, print its answer line ("ok ..." or "error: ...").
mock_ask() {
  echo "$1" >&"$MOCK_W"
  local ans
  read -r -t 10 ans <&"$MOCK_R" || return 1
  echo "$ans"
}

mock_stop() {
  [[ -n $MOCK_PID ]] || return 0
  echo quit >&"$MOCK_W" 2>/dev/null
  exec {MOCK_W}>&- {MOCK_R}<&-
  local i
  for i in $(seq 100); do
    kill -0 "$MOCK_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill -9 "$MOCK_PID" 2>/dev/null
  wait "$MOCK_PID" 2>/dev/null
  MOCK_PID=
  rm -f "$T/mock.in" "$T/mock.out"
}

# topic_partitions TOPIC: how many partitions the broker reports for TOPIC (kcat -L).
topic_partitions() {
  kcat -L -b "$MOCK_BOOTSTRAP" -t "$1" 2>/dev/null |
    sed -n "s/^ *topic \"$1\" with \([0-9]*\) partitions.*/\1/p" | head -1
}

# mock_topic TOPIC PARTITIONS [RF]: create TOPIC (a broker that already has it may refuse);
# succeeds only when the broker then reports TOPIC with exactly PARTITIONS partitions, so a
# test never runs on a layout it did not ask for. Says why when it fails.
mock_topic() {
  mock_cmd "create $1 $2${3:+ $3}" 2>/dev/null
  local n
  n=$(topic_partitions "$1")
  [[ $n == "$2" ]] || {
    echo "topic $1: wanted $2 partitions, the broker reports ${n:-none}" >&2
    return 1
  }
}

# kcat_read TOPIC [FORMAT]: every record of TOPIC through kcat with CRC checks on.
kcat_read() {
  kcat -C -b "$MOCK_BOOTSTRAP" -t "$1" -o beginning -e -q -X check.crcs=true \
    -f "${2:-%s\n}" 2>"$T/kcat.err"
}

# kcat_count TOPIC: how many records TOPIC holds (all partitions).
kcat_count() { kcat_read "$1" '.\n' | wc -l; }

# seq_lines N [PREFIX]: N lines "PREFIX 000001 ..." with varied lengths and characters.
seq_lines() {
  awk -v n="$1" -v p="${2:-line}" 'BEGIN {
    pad = "abcdefghijklmnopqrstuvwxyz0123456789 !#$%&()*+-./:;<=>?@[]^_{|}~";
    for (i = 1; i <= n; i++) printf "%s %07d %s\n", p, i, substr(pad, 1, (i * 7) % 64);
  }'
}

# seq_report EXPECTED_N FILE [PREFIX]: counts lines "PREFIX NNNNNNN" in FILE against 1..N;
# prints "written N delivered D missing M duplicated U" and sets SEQ_MISSING, SEQ_DUP.
seq_report() {
  local n=$1 f=$2 p=${3:-line} out
  out=$(awk -v n="$n" -v p="$p" '$1 == p { c[$2 + 0]++; d++ }
    END {
      for (i = 1; i <= n; i++) { if (!(i in c)) m++; else if (c[i] > 1) u += c[i] - 1 }
      printf "%d %d %d %d\n", n, d, m, u
    }' "$f")
  read -r _ SEQ_DELIVERED SEQ_MISSING SEQ_DUP <<<"$out"
  echo "written $n delivered $SEQ_DELIVERED missing $SEQ_MISSING duplicated $SEQ_DUP"
}

# Start a command in the background, killed at exit.
bg() {
  "$@" &
  LW_BG_PIDS+=($!)
}

# ---- The agent (`logwire run`) ----

# agent_start NAME CONF [run options...]: start the agent in the background, its log in
# $T/NAME.log (the log of a previous start with that NAME is appended to $T/NAME.old); sets
# AGENT_PID (killed at exit).
agent_start() {
  local name=$1 conf=$2
  shift 2
  [[ -f $T/$name.log ]] && cat "$T/$name.log" >>"$T/$name.old"
  "$LW_BIN" run -c "$conf" "$@" 2>"$T/$name.log" &
  AGENT_PID=$!
  LW_BG_PIDS+=("$AGENT_PID")
}

# agent_port LOG: the stats endpoint's port of the last agent started with LOG (http =
# 127.0.0.1:0); empty until it logged it.
agent_port() { sed -n 's/.*msg="statistics served".* port=\([0-9]*\).*/\1/p' "$1" | tail -1; }

# agent_wait_port NAME: wait for the agent logging to $T/NAME.log to serve its statistics;
# sets AGENT_HTTP (127.0.0.1:PORT).
agent_wait_port() {
  AGENT_HTTP=
  wait_until 20 has_port "$T/$1.log" || return 1
  AGENT_HTTP=127.0.0.1:$(agent_port "$T/$1.log")
}
has_port() { [[ -n $(agent_port "$1") ]]; }

# stats_input ADDR INPUT: the JSON object of one input in /stats (one line, flat).
stats_input() {
  "$LW_BIN" stats --raw -a "$1" 2>/dev/null | tr -d '\n' | grep -o "{\"name\":\"$2\"[^{}]*}"
}

# json_num KEY: the first numeric value of "KEY" in the JSON on stdin (empty when absent).
json_num() { grep -o "\"$1\":[0-9.]*" | head -1 | cut -d: -f2; }

# in_stat ADDR INPUT KEY: one input's number from /stats (empty when unreachable).
in_stat() { stats_input "$1" "$2" | json_num "$3"; }

# in_stat_ge ADDR INPUT KEY N: true when that number is at least N.
in_stat_ge() {
  local v
  v=$(in_stat "$1" "$2" "$3")
  [[ -n $v ]] && ((v >= $4))
}

# in_stat_eq ADDR INPUT KEY N: true when that number is exactly N.
in_stat_eq() {
  local v
  v=$(in_stat "$1" "$2" "$3")
  [[ -n $v ]] && ((v == $4))
}

# stopped PID: true when the process is stopped (SIGSTOP took effect).
stopped() { [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == T ]]; }

# gone PID: true when the process has exited (reaped or zombie).
gone() {
  local s
  s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
  [[ -z $s || $s == Z ]]
}

# wait_exit SECONDS PID: wait for a background child to exit; sets EXIT_RC (124: still running,
# then killed).
wait_exit() {
  if wait_until "$1" gone "$2"; then
    wait "$2" 2>/dev/null
    EXIT_RC=$?
  else
    kill -9 "$2" 2>/dev/null
    wait "$2" 2>/dev/null
    EXIT_RC=124
  fi
}
