#!/usr/bin/env bash
# produce_recovery.sh — what the producer does when the broker says no, against the broker
# model (tests/tools/fakebroker.c), which enforces Kafka's size limits and idempotent sequences
# and deduplicates retries: every scenario must deliver every record, in order within each
# partition, with nothing written twice. docs/WRITE_PATH.md ("When the broker says no") lists
# each error, what Kafka's Java producer does and what logwire does.
#
# Scenarios: a request split by request_max_bytes with sealed batches; UNKNOWN_PRODUCER_ID on a
# request carrying 4 partitions, and producer state expired mid-stream; MESSAGE_TOO_LARGE on
# multi-record batches (injected, and a real max.message.bytes with and without DescribeConfigs);
# a lone record over the limit; OUT_OF_ORDER_SEQUENCE_NUMBER; a leader killed and a leader moved
# mid-stream; and the agent: a topic with max.message.bytes 100000 and 1 MiB of read-ahead, and a
# topic created 10 s after the agent started.
source "$(dirname "$0")/lib.sh"

fakebroker_start -n 3 || exit 1
# Without DescribeConfigs the producer learns a topic's limit from MESSAGE_TOO_LARGE: the
# scenarios below start that way; one turns it on.
mock_cmd "apiversion 32 -1 -1"

# report TOPIC N [PREFIX]: read TOPIC back from the model's dump; sets SEQ_* (seq_report) and
# DISORDER (first deliveries out of order within a partition).
report() {
  model_dump "$T/dump" "$1" || return 1
  awk -F'\t' '{ print $2, $11 }' "$T/dump" >"$T/pv"
  cut -d' ' -f2- "$T/pv" >"$T/values"
  seq_report "$2" "$T/values" "${3:-line}" >"$T/report"
  DISORDER=$(seq_order "$T/pv")
}

# produce NAME TOPIC N [produce options...]: N sequence lines through `logwire produce`; sets
# RC, LOG (its stderr) and the report.
produce() {
  local name=$1 topic=$2 n=$3
  shift 3
  seq_lines "$n" >"$T/in.txt"
  LOG=$T/$name.log
  "$LW_BIN" produce -b "$MOCK_BOOTSTRAP" -t "$topic" -f "$T/in.txt" "$@" 2>"$LOG" &
  wait_exit 120 $!
  RC=$EXIT_RC
  report "$topic" "$n"
  note "$name: $(cat "$T/report"), $DISORDER out of order (produce exit $RC)"
}

# all_delivered: exit 0, nothing missing, nothing twice, order held.
all_delivered() { [[ $RC -eq 0 && $SEQ_MISSING -eq 0 && $SEQ_DUP -eq 0 && $DISORDER -eq 0 ]]; }

stat_mark() { STAT0=$(mock_ask stats); }
# stat_delta KEY: how much a model counter grew since stat_mark.
stat_delta() {
  local a b
  a=$(tr ' ' '\n' <<<"$STAT0" | sed -n "s/^$1=//p")
  b=$(model_stat "$1")
  echo $((${b:-0} - ${a:-0}))
}
stat_grew() { (($(stat_delta "$1") >= ${2:-1})); }

# ---- 1. Sealed batches left behind by the request_max_bytes split ----
# 200,000 keyed lines over 8 partitions with 64 KiB batches and requests: a request holds one
# batch or two, the others are sealed and wait for the next request.
mock_cmd "create split 8 1"
seq_lines 200000 | awk '{ print $2 % 97 "\t" $0 }' >"$T/keyed.txt"
LOG=$T/split.log
"$LW_BIN" produce -b "$MOCK_BOOTSTRAP" -t split -K $'\t' -f "$T/keyed.txt" \
  -X batch_bytes=65536 -X request_max_bytes=65536 -X message_max_bytes=65536 2>"$LOG" &
wait_exit 120 $!
RC=$EXIT_RC
report split 200000
note "sealed batches: $(cat "$T/report"), $DISORDER out of order (produce exit $RC)"
check "sealed batches in a split request: every record delivered once, in order" all_delivered

# ---- 2. UNKNOWN_PRODUCER_ID ----
# On a request carrying 4 partitions' batches: every batch is kept and numbered again.
mock_cmd "create upid 4 1"
stat_mark
mock_cmd "err 0 59 1"
produce "UNKNOWN_PRODUCER_ID on 4 partitions" upid 400 -X partitioner=round_robin \
  --linger-ms 200
check "UNKNOWN_PRODUCER_ID across 4 partitions: every record delivered once, in order" \
  all_delivered
check "UNKNOWN_PRODUCER_ID: injected, and a new epoch obtained" \
  eval 'stat_grew injected && stat_grew initpid 2'
check "UNKNOWN_PRODUCER_ID: logged with the partition and the error" \
  grep -q "UNKNOWN_PRODUCER_ID on upid\[[0-3]\]" "$LOG"

# Producer state expired mid-stream (retention): the next batches carry sequences the broker no
# longer knows. round_robin: every partition holds the producer's state before the expiry (a
# partition first written after it would rightly take sequence 0, and nothing would be refused).
mock_cmd "create expire 3 3"
seq_lines 30000 >"$T/in.txt"
rm -f "$T/pipe" && mkfifo "$T/pipe"
"$LW_BIN" produce -b "$MOCK_BOOTSTRAP" -t expire -X partitioner=round_robin -f "$T/pipe" \
  2>"$T/expire.log" &
pid=$!
exec {W}>"$T/pipe"
head -n 15000 "$T/in.txt" >&$W
wait_until 60 eval '(($(model_count expire) >= 15000))' ||
  notok "state expired: the first half never arrived"
stat_mark
note "producer states expired: $(mock_ask expire)"
tail -n +15001 "$T/in.txt" >&$W
exec {W}>&-
wait_exit 60 $pid
RC=$EXIT_RC
report expire 30000
note "state expired: $(cat "$T/report"), $DISORDER out of order (produce exit $RC)"
check "producer state expired mid-stream: every record delivered once, in order" all_delivered
note "after the expiry: unknown_producer +$(stat_delta unknown_producer), out_of_order +$(stat_delta out_of_order), initpid +$(stat_delta initpid)"
check "producer state expired: the broker refused the next batches, a new epoch was obtained" \
  eval 'stat_grew unknown_producer && stat_grew initpid'
check "producer state expired: logged with the partition and the error" \
  grep -q "UNKNOWN_PRODUCER_ID on expire\[[0-2]\]" "$T/expire.log"

# ---- 3. MESSAGE_TOO_LARGE ----
# Injected once on a request of multi-record batches: split, resent, all delivered.
mock_cmd "create mtl 3 1"
stat_mark
mock_cmd "err 0 10 1"
produce "MESSAGE_TOO_LARGE injected" mtl 20000
check "MESSAGE_TOO_LARGE once on multi-record batches: every record delivered once, in order" \
  all_delivered
check "MESSAGE_TOO_LARGE: injected, and the split logged with the partition" \
  eval 'stat_grew injected && grep -q "mtl\[[0-2]\]: MESSAGE_TOO_LARGE for a batch of" "$LOG"'

# A topic that takes 100,000-byte batches, 1 MiB batches from the producer, no DescribeConfigs:
# the limit is learned from the errors.
mock_cmd "create small 3 1"
mock_cmd "topic small max.message.bytes 100000"
stat_mark
produce "max.message.bytes 100000, learned from errors" small 100000 -X batch_bytes=1048576
check "max.message.bytes 100000 (learned from errors): every record delivered once, in order" \
  all_delivered
check "max.message.bytes 100000: the broker refused batches, the producer split them" \
  stat_grew too_large

# The same with DescribeConfigs: batches are built below the limit from the start.
mock_cmd "apiversion 32 0 4"
mock_cmd "create small2 3 1"
mock_cmd "topic small2 max.message.bytes 100000"
stat_mark
produce "max.message.bytes 100000, described" small2 100000 -X batch_bytes=1048576
check "max.message.bytes 100000 (DescribeConfigs): every record delivered once, in order" \
  all_delivered
check "max.message.bytes 100000 (DescribeConfigs): no batch refused" \
  test "$(stat_delta too_large)" -eq 0
mock_cmd "apiversion 32 -1 -1"

# A lone record over the limit fails, reported with its size and the limit; the rest arrive.
mock_cmd "create lone 1 1"
mock_cmd "topic lone max.message.bytes 100000"
{
  seq_lines 1000 | head -n 500
  printf 'big %0150000d\n' 0
  seq_lines 1000 | tail -n 500
} >"$T/lone.txt"
"$LW_BIN" produce -b "$MOCK_BOOTSTRAP" -t lone -f "$T/lone.txt" 2>"$T/lone.log" &
wait_exit 60 $!
RC=$EXIT_RC
report lone 1000
note "lone record: $(cat "$T/report") (produce exit $RC)"
check "a lone record over max.message.bytes fails alone; the 1000 others arrive once, in order" \
  eval '[[ $RC -eq 1 && $SEQ_MISSING -eq 0 && $SEQ_DUP -eq 0 && $DISORDER -eq 0 ]] &&
        grep -q "1 failed" "$T/lone.log"'
check "the lone record's failure names its size and the limit" \
  grep -q "lone\[0\]: a record of [0-9]* bytes .*max.message.bytes [0-9]*" "$T/lone.log"

# ---- 4. OUT_OF_ORDER_SEQUENCE_NUMBER ----
# For the batch the broker expects next: the epoch changes, everything is numbered again.
mock_cmd "create oosn 1 1"
stat_mark
mock_cmd "perr oosn 0 45 1"
produce "OUT_OF_ORDER_SEQUENCE_NUMBER" oosn 20000
check "OUT_OF_ORDER_SEQUENCE_NUMBER on the expected batch: every record delivered once, in order" \
  all_delivered
check "OUT_OF_ORDER_SEQUENCE_NUMBER: a new epoch was obtained" stat_grew initpid 2

# ---- 5. Leaders ----
# Killed mid-stream, idempotence on: 0 missing, 0 duplicated.
mock_cmd "create kill 3 3"
seq_lines 60000 >"$T/in.txt"
rm -f "$T/pipe" && mkfifo "$T/pipe"
"$LW_BIN" produce -b "$MOCK_BOOTSTRAP" -t kill -f "$T/pipe" 2>"$T/kill.log" &
pid=$!
exec {W}>"$T/pipe"
head -n 30000 "$T/in.txt" >&$W
wait_until 60 eval '(($(model_count kill) >= 10000))' ||
  notok "leader killed: the first lines never arrived"
mock_cmd "down 1"
tail -n +30001 "$T/in.txt" >&$W
exec {W}>&-
wait_exit 60 $pid
RC=$EXIT_RC
report kill 60000
note "leader killed: $(cat "$T/report"), $DISORDER out of order (produce exit $RC)"
check "leader killed mid-stream, idempotent: 0 missing, 0 duplicated, in order" all_delivered
mock_cmd "up 1"

# Moved mid-stream: the old leader names the new one (KIP-951) and the producer goes there.
mock_cmd "create move 3 3"
seq_lines 60000 >"$T/in.txt"
rm -f "$T/pipe" && mkfifo "$T/pipe"
"$LW_BIN" produce -b "$MOCK_BOOTSTRAP" -t move -f "$T/pipe" 2>"$T/move.log" &
pid=$!
exec {W}>"$T/pipe"
head -n 30000 "$T/in.txt" >&$W
wait_until 60 eval '(($(model_count move) >= 10000))' ||
  notok "leader moved: the first lines never arrived"
for p in 0 1 2; do mock_cmd "leader move $p $(((p + 1) % 3 + 1))"; done
tail -n +30001 "$T/in.txt" >&$W
exec {W}>&-
wait_exit 60 $pid
RC=$EXIT_RC
report move 60000
note "leader moved: $(cat "$T/report"), $DISORDER out of order (produce exit $RC)"
check "leader moved mid-stream: every record delivered once, in order" all_delivered
check "leader moved: the broker's KIP-951 hint was followed" \
  grep -q "the broker names [1-3] (leader epoch [0-9]*) as leader" "$T/move.log"

# Moved while the broker the producer asks for metadata lags (it keeps naming the old leaders
# with their old epochs): the leader epochs (KIP-320) keep the newer leader, learned from the
# old leader's hint.
mock_cmd "create lag 3 3"
seq_lines 30000 >"$T/in.txt"
rm -f "$T/pipe" && mkfifo "$T/pipe"
"$LW_BIN" produce -b "$MOCK_BOOTSTRAP" -t lag -f "$T/pipe" -X metadata_refresh_ms=1000 \
  2>"$T/lag.log" &
pid=$!
exec {W}>"$T/pipe"
head -n 15000 "$T/in.txt" >&$W
wait_until 60 eval '(($(model_count lag) >= 5000))' ||
  notok "metadata lagging: the first lines never arrived"
for b in 1 2 3; do mock_cmd "stale $b on"; done
for p in 0 1 2; do mock_cmd "leader lag $p $(((p + 1) % 3 + 1))"; done
tail -n +15001 "$T/in.txt" >&$W
exec {W}>&-
wait_exit 60 $pid
RC=$EXIT_RC
for b in 1 2 3; do mock_cmd "stale $b off"; done
report lag 30000
note "leader moved, metadata lagging: $(cat "$T/report"), $DISORDER out of order (produce exit $RC)"
check "leader moved while Metadata lags: every record delivered once, in order" all_delivered

# Metadata without topic ids (brokers before 2.8) and a broker that speaks Produce v13: v13
# names topics by id, so the producer stays at v12.
mock_cmd "set model.topic.ids false"
mock_cmd "apiversion 0 0 13"
mock_cmd "create noids 2 1"
produce "no topic ids, Produce v13 offered" noids 5000
USED=$(mock_ask "used 0")
note "Produce versions used: $USED"
check "no topic ids: every record delivered once, in order, with Produce v12 (not v13)" \
  eval 'all_delivered && [[ $USED == *12* && $USED != *13* ]]'
mock_cmd "apiversion 0 0 12"
mock_cmd "set model.topic.ids true"

# ---- 6. The agent ----

# agent_conf DIR TOPIC [KAFKA_KEY...]: a configuration reading DIR/app.log into TOPIC (1 MiB of
# read-ahead, the default).
agent_conf() {
  mkdir -p "$1/state"
  cat >"$1/lw.conf" <<CONF
[kafka]
brokers = $MOCK_BOOTSTRAP
linger_ms = 5
reconnect_backoff_max_ms = 500
${3:-}

[agent]
state_dir = $1/state
read_ahead_bytes = 1M

[input.app]
paths = $1/app.log
topic = $2
start = beginning
CONF
}

# A topic taking 100,000-byte batches: 1 MiB batches are split, and lines longer than the
# topic takes are cut into pieces that fit (the model does not answer DescribeConfigs here:
# the limit is learned from MESSAGE_TOO_LARGE).
d=$T/agbig
agent_conf "$d" agbig
mock_cmd "create agbig 3 1"
mock_cmd "topic agbig max.message.bytes 100000"
{
  seq_lines 30000 | head -n 10000
  printf 'long %0250000d\n' 1
  seq_lines 30000 | sed -n '10001,20000p'
  printf 'long %0250000d\n' 2
  seq_lines 30000 | tail -n 10000
} >"$d/app.log"
"$LW_BIN" run --once -c "$d/lw.conf" 2>"$T/agbig.log" &
wait_exit 120 $!
RC=$EXIT_RC
report agbig 30000
# The long lines arrive as pieces: every piece of each, in order, makes up the line again.
awk -F'\t' '$11 !~ /^line / { print $2 }' "$T/dump" | sort | uniq -c >"$T/pieces"
LONG_BYTES=$(awk -F'\t' '$11 !~ /^line / { n += length($11) } END { print n + 0 }' "$T/dump")
note "agent, max.message.bytes 100000: $(cat "$T/report"), $DISORDER out of order," \
  "$LONG_BYTES bytes of long-line pieces (agent exit $RC)"
# Cutting re-reads from the checkpoint: lines after a long one may be sent twice (at least
# once), and unkeyed ones may land in another partition the second time.
check "agent, max.message.bytes 100000, 1 MiB read-ahead: no line lost" \
  eval '[[ $RC -eq 0 && $SEQ_MISSING -eq 0 ]]'
check "agent: the two 250,000-byte lines arrive cut into pieces, none skipped" \
  eval '((LONG_BYTES >= 2 * 250005)) && ! grep -q "skipped" "$T/agbig.log"'
check "agent: the cut is logged" grep -q "cutting lines into pieces that fit" "$T/agbig.log"

# A topic created 10 s after the agent started (auto-creation off), 7 s after its records
# first failed (topic_wait_ms 3000): it gets every line, soon after its creation.
d=$T/late
agent_conf "$d" late "topic_wait_ms = 3000"
mock_cmd "set auto.create.topics.enable false"
seq_lines 2000 >"$d/app.log"
agent_start late "$d/lw.conf"
sleep 10 # the scenario: the topic appears 10 s later (not a wait for a condition)
mock_cmd "create late 2 1"
t0=$(date +%s%N)
wait_until 20 eval '(($(model_count late) >= 2000))'
ms=$((($(date +%s%N) - t0) / 1000000))
report late 2000
note "topic created 10 s late: $(cat "$T/report"), all there ${ms} ms after its creation"
check "a topic created 10 s after the agent started (past topic_wait_ms) gets every line" \
  eval '[[ $SEQ_MISSING -eq 0 && $DISORDER -eq 0 ]]'
kill "$AGENT_PID" 2>/dev/null
wait_exit 10 "$AGENT_PID"
mock_cmd "set auto.create.topics.enable true"

exit $FAILED
