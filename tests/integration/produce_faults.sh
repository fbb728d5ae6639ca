#!/usr/bin/env bash
# produce_faults.sh — `logwire produce` under broker faults, mid-stream, against two peers:
# librdkafka's mock cluster and the broker model (tests/tools/fakebroker.c), both with 3
# brokers. Faults: a partition leader moved, a broker down and back up, the whole cluster down
# and back, injected retriable errors, and (model only, the mock cannot do them) answers lost
# after the write, errors answered after the append, and too few in-sync replicas.
#
# Lines carry sequence numbers; kcat reads them back. Every scenario checks that its fault
# happened (the producer retried records, the model counted the error it answered, delivery
# stopped while the cluster was down), that nothing is missing and that order held within each
# partition. "Nothing duplicated" is asserted only against the model with the idempotent
# producer (the default with acks=all): the mock neither deduplicates retries nor stores an
# errored request, so zero duplicates there proves nothing, while the model answers a retried
# batch it already holds with its original offset, as Kafka does.
source "$(dirname "$0")/lib.sh"

N=6000

# peer_up mock|model: start that peer with 3 brokers; sets PEER.
peer_up() {
  PEER=$1
  if [[ $PEER == mock ]]; then mock_start -n 3; else fakebroker_start -n 3; fi
}

# scenario NAME TOPIC FAULT_FUNCTION [produce options...]: half the lines, the fault, the rest;
# then the read-back. Sets PRODUCE_RC, RETRIED (records retried, from the summary),
# SEQ_MISSING, SEQ_DUP, SEQ_DISORDER.
scenario() {
  local name=$1 topic=$PEER-$2 fault=$3
  shift 3
  mock_topic "$topic" 3 3 || notok "$PEER: $name: topic layout"
  seq_lines $N >"$T/in.txt"
  rm -f "$T/pipe" && mkfifo "$T/pipe"
  "$LW_BIN" produce -d -b "$MOCK_BOOTSTRAP" -t "$topic" "$@" <"$T/pipe" >/dev/null \
    2>"$T/produce.log" &
  local pid=$!
  exec {W}>"$T/pipe"
  head -n $((N / 2)) "$T/in.txt" >&$W
  if ! wait_until 20 eval '[[ $(kcat_count '"$topic"') -ge $((N / 4)) ]]'; then
    notok "$PEER: $name: the first lines never arrived"
  fi
  PRODUCE_LOG=$T/produce.log
  SECOND_WRITTEN=
  $fault "$topic"
  [[ -n $SECOND_WRITTEN ]] || tail -n +$((N / 2 + 1)) "$T/in.txt" >&$W
  exec {W}>&-
  wait_exit 60 $pid
  PRODUCE_RC=$EXIT_RC
  RETRIED=$(sed -n 's/.* \([0-9]*\) records retried.*/\1/p' "$T/produce.log" | tail -1)
  RETRIED=${RETRIED:-0}
  kcat_read "$topic" '%p %s\n' >"$T/out.txt"
  awk '{ $1 = ""; print substr($0, 2) }' "$T/out.txt" >"$T/values.txt"
  seq_report $N "$T/values.txt" >"$T/report"
  SEQ_DISORDER=$(seq_order "$T/out.txt")
  note "$PEER: $name: $(cat "$T/report"), $SEQ_DISORDER out of order, $RETRIED retried" \
    "(produce exit $PRODUCE_RC)"
}

# verdict NAME [nodup]: the checks every scenario makes; with nodup, none duplicated (model).
verdict() {
  check "$PEER: $1: none missing, exit 0" test "$SEQ_MISSING" -eq 0 -a "$PRODUCE_RC" -eq 0
  check "$PEER: $1: order held within each partition" test "$SEQ_DISORDER" -eq 0
  if [[ ${2:-} == nodup && $PEER == model ]]; then
    check "$PEER: $1: none duplicated" test "$SEQ_DUP" -eq 0
  fi
}

# stat_mark: the model's counters back to 0; stat_ge KEY N: that counter is N or more since.
stat_mark() { mock_cmd reset; }
stat_ge() { [[ $(model_stat "$1") -ge $2 ]]; }

# second_half_bg: write the rest of the lines in the background (the producer may not read
# while the fault lasts); sets WRITER.
second_half_bg() {
  SECOND_WRITTEN=1
  tail -n +$((N / 2 + 1)) "$T/in.txt" >&$W &
  WRITER=$!
}
writer_done() { ! kill -0 "$WRITER" 2>/dev/null; }

# Every partition's leader moves to another broker (the mock places leaders at random: read
# them first, so that each one really moves).
leader_move() {
  local p l
  kcat -L -b "$MOCK_BOOTSTRAP" -t "$1" >"$T/leaders.txt" 2>/dev/null
  for p in 0 1 2; do
    l=$(sed -n "s/^ *partition $p, leader \([0-9]*\),.*/\1/p" "$T/leaders.txt")
    [[ -n $l ]] || notok "$PEER: no leader known for $1[$p]"
    mock_cmd "leader $1 $p $((${l:-0} % 3 + 1))"
  done
}

broker_bounce() {
  mock_cmd "down 1"
  # Up again once the producer has seen the broker go away (a refused reconnect).
  wait_until 20 grep -q "refused\|closed by the broker" "$PRODUCE_LOG"
  mock_cmd "up 1"
}

# The whole cluster down while the second half is written: nothing may be delivered until it
# is back. The model counts what it holds while down; kcat cannot read from the mock then.
outage() {
  local b
  OUTAGE_HELD=
  for b in 1 2 3; do mock_cmd "down $b"; done
  [[ $PEER == model ]] && OUTAGE_BEFORE=$(model_count "$1")
  second_half_bg
  # Down until the producer has been refused twice and has been handed every line it can take.
  wait_until 20 eval '[[ $(grep -c "refused" "$PRODUCE_LOG") -ge 2 ]]'
  wait_until 20 writer_done
  [[ $PEER == model ]] && OUTAGE_HELD=$(model_count "$1")
  for b in 1 2 3; do mock_cmd "up $b"; done
  wait "$WRITER"
}

inject() { mock_cmd "err 0 $CODE 4"; }

for peer in mock model; do
  peer_up $peer || {
    notok "$peer did not start"
    continue
  }
  [[ $PEER == model ]] && stat_mark
  scenario "leader moved mid-stream" leader leader_move
  verdict "leader moved" nodup
  check "$PEER: leader moved: the producer retried" test "$RETRIED" -gt 0
  if [[ $PEER == model ]]; then
    check "model: leader moved: NOT_LEADER_OR_FOLLOWER answered" stat_ge not_leader 1
  fi

  scenario "broker down and up" bounce broker_bounce
  verdict "broker down and up" nodup
  check "$PEER: broker down and up: the producer saw it go" \
    grep -q "refused\|closed by the broker" "$T/produce.log"

  scenario "cluster down and up" outage outage
  verdict "cluster down and up" nodup
  check "$PEER: cluster down and up: the producer was refused while down" \
    test "$(grep -c refused "$T/produce.log")" -ge 2
  if [[ $PEER == model ]]; then
    check "model: cluster down and up: nothing stored while down ($OUTAGE_BEFORE, $OUTAGE_HELD)" \
      test -n "$OUTAGE_HELD" -a "$OUTAGE_BEFORE" = "$OUTAGE_HELD"
  fi

  for e in 6:NOT_LEADER_OR_FOLLOWER 7:REQUEST_TIMED_OUT 19:NOT_ENOUGH_REPLICAS; do
    CODE=${e%%:*} ename=${e#*:}
    [[ $PEER == model ]] && stat_mark
    scenario "injected $ename x4" "err$CODE" inject
    verdict "$ename x4" nodup
    check "$PEER: $ename x4: the producer retried" test "$RETRIED" -gt 0
    if [[ $PEER == model ]]; then
      check "model: $ename x4: answered at least 4 times" stat_ge injected 4
    fi
  done

  # Without idempotence (acks=1) retries may duplicate, never lose.
  CODE=6
  scenario "NOT_LEADER_OR_FOLLOWER x4, acks=1" acks1 inject -a 1
  verdict "acks=1 with NOT_LEADER_OR_FOLLOWER x4"
  check "$PEER: acks=1: the producer retried" test "$RETRIED" -gt 0

  if [[ $PEER == mock ]]; then
    # MESSAGE_TOO_LARGE injected once (the mock enforces no size) on batches of many records:
    # they are split in two and sent again, as Kafka's producer does; nothing is lost.
    too_large() { mock_cmd "err 0 10 1"; }
    scenario "MESSAGE_TOO_LARGE" large too_large
    check "mock: MESSAGE_TOO_LARGE on multi-record batches: split, resent, none lost, exit 0" \
      test "$PRODUCE_RC" -eq 0 -a "$SEQ_MISSING" -eq 0
    check "mock: MESSAGE_TOO_LARGE: the split is logged" \
      grep -q "MESSAGE_TOO_LARGE for a batch of [0-9]* records" "$T/produce.log"
  else
    # Written, but the answer lost with the connection: the retry is a duplicate the model
    # recognises and answers with the original offsets.
    lost() { mock_cmd "drop 2"; }
    stat_mark
    scenario "answers lost after the write" lost lost
    verdict "answers lost" nodup
    check "model: answers lost: the producer retried" test "$RETRIED" -gt 0
    check "model: answers lost: retries answered as duplicates" stat_ge duplicate 1

    after_ok() { stat_ge injected 1 && [[ $RETRIED -gt 0 ]] && stat_ge duplicate 1; }
    # Appended, then answered with a retriable error (as when the ISR shrinks while waiting
    # for acks=all, or the wait times out): the retry must be deduplicated.
    for e in 20:NOT_ENOUGH_REPLICAS_AFTER_APPEND 7:REQUEST_TIMED_OUT; do
      CODE=${e%%:*} ename=${e#*:}
      after() {
        local p
        for p in 0 1 2; do mock_cmd "perr $1 $p $CODE 1 after"; done
      }
      stat_mark
      scenario "$ename after the append" "after$CODE" after
      verdict "$ename after the append" nodup
      check "model: $ename after the append: answered, retried, deduplicated" after_ok
    done

    # min.insync.replicas 2 with one replica in sync: acks=all is refused until the ISR is back.
    isr_short() {
      local p
      mock_cmd "topic $1 min.insync.replicas 2"
      for p in 0 1 2; do mock_cmd "isr $1 $p $((p + 1))"; done
      ISR_BEFORE=$(model_count "$1")
      second_half_bg
      wait_until 20 stat_ge not_enough_replicas 3
      wait_until 20 writer_done
      ISR_HELD=$(model_count "$1")
      for p in 0 1 2; do mock_cmd "isr $1 $p all"; done
      wait "$WRITER"
    }
    isr_ok() { stat_ge not_enough_replicas 3 && [[ $ISR_BEFORE == "$ISR_HELD" ]]; }
    stat_mark
    scenario "too few in-sync replicas" isr isr_short
    verdict "too few in-sync replicas" nodup
    check "model: too few in-sync replicas: refused, nothing stored meanwhile ($ISR_BEFORE, $ISR_HELD)" \
      isr_ok
  fi
  mock_stop
done

exit $FAILED
