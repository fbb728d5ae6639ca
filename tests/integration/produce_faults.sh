#!/usr/bin/env bash
# produce_faults.sh — `logwire produce` under broker faults, mid-stream: a partition leader
# moved, a broker down and back up, injected retriable errors (NOT_LEADER_OR_FOLLOWER,
# REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS) and a non-retriable one (MESSAGE_TOO_LARGE). Lines
# carry sequence numbers; kcat reads them back to count what is missing or duplicated. With
# the idempotent producer (the default with acks=all) nothing may be lost or duplicated.
source "$(dirname "$0")/lib.sh"

N=6000
mock_start -n 3 || exit 1

# scenario NAME TOPIC FAULT_FUNCTION [produce options...]: half the lines, the fault, the rest.
scenario() {
  local name=$1 topic=$2 fault=$3
  shift 3
  mock_cmd "create $topic 3 3"
  seq_lines $N >"$T/in.txt"
  rm -f "$T/pipe" && mkfifo "$T/pipe"
  "$LW_BIN" produce -d -b "$MOCK_BOOTSTRAP" -t "$topic" "$@" <"$T/pipe" >/dev/null \
    2>"$T/produce.log" &
  local pid=$!
  exec {W}>"$T/pipe"
  head -n $((N / 2)) "$T/in.txt" >&$W
  if ! wait_until 20 eval '[[ $(kcat_count '"$topic"') -ge $((N / 4)) ]]'; then
    notok "$name: the first lines never arrived"
  fi
  PRODUCE_LOG=$T/produce.log
  $fault "$topic"
  tail -n +$((N / 2 + 1)) "$T/in.txt" >&$W
  exec {W}>&-
  local i rc=124
  for i in $(seq 600); do
    if ! kill -0 $pid 2>/dev/null; then
      wait $pid
      rc=$?
      break
    fi
    sleep 0.1
  done
  [[ $rc -eq 124 ]] && kill -9 $pid 2>/dev/null
  PRODUCE_RC=$rc
  kcat_read "$topic" >"$T/out.txt"
  seq_report $N "$T/out.txt" >"$T/report"
  note "$name: $(cat "$T/report") (produce exit $rc)"
}

leader_move() {
  local p
  for p in 0 1 2; do mock_cmd "leader $1 $p $(((p + 1) % 3 + 1))"; done
}
scenario "leader moved mid-stream" faults-leader leader_move
check "leader moved: none lost, none duplicated, exit 0" \
  test "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0 -a "$PRODUCE_RC" -eq 0

broker_bounce() {
  mock_cmd "down 1"
  # Up again once the producer has seen the broker go away (a refused reconnect).
  wait_until 20 grep -q "refused\|closed by the broker" "$PRODUCE_LOG"
  mock_cmd "up 1"
}
scenario "broker down and up" faults-bounce broker_bounce
check "broker down and up: none lost, none duplicated, exit 0" \
  test "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0 -a "$PRODUCE_RC" -eq 0

for e in 6:NOT_LEADER_OR_FOLLOWER 7:REQUEST_TIMED_OUT 19:NOT_ENOUGH_REPLICAS; do
  code=${e%%:*} ename=${e#*:}
  inject() { mock_cmd "err 0 $code 4"; }
  scenario "injected $ename" "faults-$code" inject
  check "$ename x4 retried: none lost, none duplicated, exit 0" \
    test "$SEQ_MISSING" -eq 0 -a "$SEQ_DUP" -eq 0 -a "$PRODUCE_RC" -eq 0
done

# The same retriable errors without idempotence (acks=1): still nothing lost.
inject() { mock_cmd "err 0 6 3"; }
scenario "NOT_LEADER_OR_FOLLOWER, acks=1" faults-acks1 inject -a 1
check "acks=1 with NOT_LEADER_OR_FOLLOWER x3: none lost, exit 0" \
  test "$SEQ_MISSING" -eq 0 -a "$PRODUCE_RC" -eq 0

# MESSAGE_TOO_LARGE is not retriable: the records of that request fail, named, and only those.
too_large() { mock_cmd "err 0 10 1"; }
scenario "MESSAGE_TOO_LARGE" faults-large too_large
failed=$(sed -n 's/.* \([0-9]*\) failed in .*/\1/p' "$T/produce.log")
check "MESSAGE_TOO_LARGE fails the produce (exit 1)" test "$PRODUCE_RC" -eq 1
check "MESSAGE_TOO_LARGE named in the summary" grep -q "MESSAGE_TOO_LARGE: $failed" "$T/produce.log"
check "MESSAGE_TOO_LARGE: exactly the failed records are missing (${failed:-?}), none duplicated" \
  test "${failed:-0}" -gt 0 -a "$SEQ_MISSING" -eq "${failed:-0}" -a "$SEQ_DUP" -eq 0

exit $FAILED
