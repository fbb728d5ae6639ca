#!/usr/bin/env bash
# broker_model.sh — the broker model (tests/tools/fakebroker.c) over real connections, with
# `logwire produce` and `logwire metadata` as clients: the rules the fault tests rely on answer
# as Kafka's broker does (tests/unit/test_fb_model.c checks the record rules on crafted
# batches): socket.request.max.bytes closes the connection, a lone record over
# max.message.bytes / message.max.bytes is MESSAGE_TOO_LARGE, auto-creation can be off, a
# broker going down moves its leaders (epoch bumped), a Produce to a former leader is answered
# NOT_LEADER_OR_FOLLOWER with the new leader and its endpoint (KIP-951), acks=0 is never
# answered, a lagging broker's Metadata keeps the old leader and epoch, topic ids can be off.
source "$(dirname "$0")/lib.sh"

fakebroker_start -n 3 || exit 1
seq_lines 200 >"$T/in.txt"
produce() { "$LW_BIN" produce -b "$MOCK_BOOTSTRAP" -X delivery_timeout_ms=2000 "$@"; }

# socket.request.max.bytes: a larger request closes the connection before it is read.
mock_cmd "create sock 1 1" && mock_cmd reset && mock_cmd "set socket.request.max.bytes 2048"
produce -t sock -f "$T/in.txt" 2>"$T/sock.log"
check "socket.request.max.bytes: the produce fails (exit 1)" test $? -eq 1
check "socket.request.max.bytes: connections closed, nothing stored" \
  eval '[[ $(model_stat oversize_closed) -ge 1 && $(model_count sock) -eq 0 ]]'
check "socket.request.max.bytes: the model names the limit" \
  grep -q "larger than socket.request.max.bytes 2048: closing" "$T/mock.err"
mock_cmd "set socket.request.max.bytes 104857600"

# A lone record over the topic's max.message.bytes, then over the broker's message.max.bytes.
head -c 3000 /dev/zero | tr '\0' x >"$T/big.txt"
echo >>"$T/big.txt"
mock_cmd "create big 1 1" && mock_cmd reset && mock_cmd "topic big max.message.bytes 2000"
produce -t big -f "$T/big.txt" 2>"$T/big.log"
check "max.message.bytes: a lone record over it fails (exit 1)" test $? -eq 1
check "max.message.bytes: MESSAGE_TOO_LARGE answered, named by the producer" \
  eval '[[ $(model_stat too_large) -ge 1 ]] && grep -q MESSAGE_TOO_LARGE "$T/big.log"'
mock_cmd "topic big max.message.bytes -1" && mock_cmd "set message.max.bytes 2000"
produce -t big -f "$T/big.txt" 2>>"$T/big.log"
check "message.max.bytes: applies without a topic override" \
  eval '[[ $(model_stat too_large) -ge 2 && $(model_count big) -eq 0 ]]'
mock_cmd "set message.max.bytes 1048588"
produce -t big -f "$T/big.txt" 2>>"$T/big.log"
check "message.max.bytes: the record fits the default" test "$(model_count big)" -eq 1

# auto.create.topics.enable false: a missing topic stays missing; true: created on Metadata.
mock_cmd "set auto.create.topics.enable false"
produce -t nocreate -X topic_wait_ms=1000 -f "$T/in.txt" 2>"$T/nocreate.log"
check "auto-creation off: the produce fails (exit 1)" test $? -eq 1
check "auto-creation off: the topic was not created" \
  eval '[[ $(mock_ask "hwm nocreate 0") == error* ]]'
mock_cmd "set auto.create.topics.enable true"
produce -t nocreate -f "$T/in.txt" 2>>"$T/nocreate.log"
check "auto-creation on: created and every line stored" test "$(model_count nocreate)" -eq 200

# A broker down: its partitions move to an in-sync replica, the leader epoch is bumped.
mock_cmd "create moves 1 3"
before=$(mock_ask "leaderof moves 0")
mock_cmd "down 1"
"$LW_BIN" metadata -b "$MOCK_BOOTSTRAP" -t moves >"$T/md.txt" 2>/dev/null
check "down 1: the leader moved to broker 2 with epoch + 1 ($before -> $(mock_ask "leaderof moves 0"))" \
  test "$before/$(mock_ask "leaderof moves 0")" = "ok 1 0/ok 2 1"
check "down 1: Metadata lists 2 brokers, broker 1 offline" \
  grep -q "partition 0, leader 2, replicas: 1,2,3, isrs: 2,3, offline: 1" "$T/md.txt"
mock_cmd "up 1"

# KIP-951: a Produce v10+ to the former leader is answered with the new leader and endpoint.
mock_cmd "create hint 1 3" && mock_cmd reset
rm -f "$T/pipe" && mkfifo "$T/pipe"
"$LW_BIN" produce --trace -b "$MOCK_BOOTSTRAP" -t hint <"$T/pipe" >/dev/null 2>"$T/hint.log" &
pid=$!
exec {W}>"$T/pipe"
head -n 100 "$T/in.txt" >&$W
wait_until 20 eval '[[ $(model_count hint) -eq 100 ]]'
mock_cmd "leader hint 0 3"
tail -n 100 "$T/in.txt" >&$W
exec {W}>&-
wait_exit 30 $pid
check "leader moved: every line delivered (exit $EXIT_RC)" \
  eval '[[ $EXIT_RC -eq 0 && $(model_count hint) -eq 200 ]]'
check "leader moved: NOT_LEADER_OR_FOLLOWER answered" eval '[[ $(model_stat not_leader) -ge 1 ]]'
check "leader moved: the answer carries CurrentLeader 3 and its endpoint (KIP-951)" \
  eval 'grep -A3 "CurrentLeader" "$T/hint.log" | grep -q "LeaderId .* 3$" &&
        grep -q "NodeEndpoints .* 1 element" "$T/hint.log"'

# A lagging broker answers Metadata with the leader and epoch it knew; the others are current.
mock_cmd "create lag 1 3" && mock_cmd "stale 2 on" && mock_cmd "leader lag 0 3"
"$LW_BIN" metadata --trace -b "$(cut -d, -f2 <<<"$MOCK_BOOTSTRAP")" -t lag >"$T/lag2.txt" 2>&1
"$LW_BIN" metadata --trace -b "$MOCK_FIRST" -t lag >"$T/lag1.txt" 2>&1
check "stale broker 2: still names leader 1, epoch 0" \
  eval 'grep -q "partition 0, leader 1," "$T/lag2.txt" && grep -q "LeaderEpoch .* 0$" "$T/lag2.txt"'
check "current broker 1: leader 3, epoch 1" \
  eval 'grep -q "partition 0, leader 3," "$T/lag1.txt" && grep -q "LeaderEpoch .* 1$" "$T/lag1.txt"'
mock_cmd "stale 2 off"

# Metadata without topic ids (brokers before 2.8), then with.
mock_cmd "set model.topic.ids false"
"$LW_BIN" metadata --trace -b "$MOCK_FIRST" -t lag 2>&1 | grep "TopicId" >"$T/ids.txt"
mock_cmd "set model.topic.ids true"
"$LW_BIN" metadata --trace -b "$MOCK_FIRST" -t lag 2>&1 | grep "TopicId" >>"$T/ids.txt"
check "model.topic.ids: a zero TopicId, then a real one" \
  eval '[[ $(grep -c " 0\{32\}$" "$T/ids.txt") -ge 1 && $(grep -vc " 0\{32\}$" "$T/ids.txt") -ge 1 ]]'

# acks=0: stored, never answered.
mock_cmd reset
"$LW_BIN" produce --trace -a 0 -b "$MOCK_BOOTSTRAP" -t acks0 -f "$T/in.txt" 2>"$T/acks0.log"
rc=$?
check "acks=0: exit 0, every line stored" \
  eval '[[ $rc -eq 0 && $(model_count acks0) -eq 200 && $(model_stat acks0) -ge 1 ]]'
check "acks=0: Produce sent, never answered" \
  eval 'grep -q "^>>> send Produce" "$T/acks0.log" && ! grep -q "^<<< recv Produce" "$T/acks0.log"'

exit $FAILED
