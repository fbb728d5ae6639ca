#!/usr/bin/env bash
# produce_lines.sh — `logwire produce -f` with plain lines (no key): the lines go to the
# producer many at a time, and every place where that stops and one line is sent alone must
# give the same records as line by line. Against the broker model (tests/tools/fakebroker.c),
# which checks batch sizes, CRCs and idempotent sequences:
#   - small batches and a small buffer (a new batch every few hundred lines, the buffer full
#     again and again), empty lines, lines past 4 KiB, a last line without its newline, every
#     codec: read back byte for byte and in order, sequence numbers equal to the offsets, and
#     the summary's record and byte counts;
#   - a topic whose max.message.bytes (from DescribeConfigs) is lower than some lines: those are
#     refused alone, named by line number, the others delivered in order;
#   - message_max_bytes lower than some lines: the same;
#   - -p: every line in the partition asked for.
source "$(dirname "$0")/lib.sh"

fakebroker_start -n 1 || {
  notok "broker model"
  exit 1
}

# The input: 20,000 lines of 0 to ~70 bytes, every 1,000th empty, every 2,500th 5,000 bytes
# long, and a last line without its newline.
awk 'BEGIN { pad = "abcdefghijklmnopqrstuvwxyz0123456789 !#$%&()*+-./:;<=>?@[]^_{|}~"
  for (i = 1; i <= 20000; i++) {
    if (i % 1000 == 0) { print ""; continue }
    if (i % 2500 == 0) { s = sprintf("long %07d ", i); while (length(s) < 5000) s = s pad; print substr(s, 1, 5000); continue }
    printf "line %07d %s\n", i, substr(pad, 1, (i * 7) % 64) }
  printf "the last line, without its newline" }' >"$T/in.txt"
lines=20001
bytes=$(($(stat -c %s "$T/in.txt") - 20000))

# summary_is FILE RECORDS BYTES DELIVERED FAILED: the summary line says so.
summary_is() {
  grep -q "^logwire produce: $2 records ($3 bytes) to [^:]*: $4 delivered, $5 failed" "$1"
}

for z in none gzip lz4; do
  name="plain lines, batch_bytes=16K buffer_bytes=64K, compression=$z"
  topic="lines-$z"
  mock_topic "$topic" 1 1 || notok "$name: topic layout"
  "$LW_BIN" produce -b "$MOCK_BOOTSTRAP" -t "$topic" -z $z -a all -X batch_bytes=16K \
    -X buffer_bytes=64K -v -f "$T/in.txt" >"$T/offsets" 2>"$T/err"
  rc=$?
  kcat_read "$topic" >"$T/out.txt"
  { cat "$T/in.txt" && echo; } >"$T/in.nl"
  check "$name: exit 0, the summary counts $lines records of $bytes bytes" \
    eval "[[ $rc -eq 0 ]] && summary_is '$T/err' $lines $bytes $lines 0"
  check "$name: read back byte for byte, in order" cmp -s "$T/in.nl" "$T/out.txt"
  check "$name: -v printed offsets 0..$((lines - 1)) in order" \
    eval "awk '\$1 != 0 || \$2 != NR - 1 { bad++ } END { exit bad || NR != $lines }' '$T/offsets'"
  model_dump "$T/dump.txt" "$topic" || notok "$name: the model's dump failed"
  check "$name: idempotent, sequence numbers equal to the offsets, codec $z" \
    eval "awk -F'\t' -v z=$z '\$4 < 0 || \$6 != \$3 || \$8 != z { bad++ } END { exit bad || NR != $lines }' '$T/dump.txt'"
done

# Lines longer than the topic takes: max.message.bytes 2000 (DescribeConfigs), and lines of
# 1,900 (taken, one per batch), 1,950 and 3,000 bytes (refused) among short ones.
awk 'BEGIN { for (i = 1; i <= 3000; i++) {
    n = i % 500 == 7 ? 1950 : i % 500 == 8 ? 3000 : i % 300 == 9 ? 1900 : 20
    s = sprintf("%07d ", i); while (length(s) < n) s = s "x"; print s } }' >"$T/big.txt"
grep -v -E '^.{1950,}$' "$T/big.txt" >"$T/big.ok"
refused=$(($(wc -l <"$T/big.txt") - $(wc -l <"$T/big.ok")))
name="max.message.bytes 2000: $refused lines over it refused alone"
mock_topic big 1 1 && mock_cmd "topic big max.message.bytes 2000" || notok "$name: topic layout"
"$LW_BIN" produce -b "$MOCK_BOOTSTRAP" -t big -f "$T/big.txt" 2>"$T/err"
rc=$?
kcat_read big >"$T/out.txt"
# (Lines sent before the DescribeConfigs answer are refused by the broker, not named here.)
check "$name: exit 1, $refused failed, a line after the first named with its line number" \
  eval "[[ $rc -eq 1 ]] && grep -q '^logwire: line 1008 (3000 bytes) is larger' '$T/err' &&
    grep -q ': 2988 delivered, $refused failed' '$T/err'"
check "$name: the other lines delivered, in order" cmp -s "$T/big.ok" "$T/out.txt"

name="message_max_bytes=1024: the lines over it refused alone"
mock_topic big2 1 1 || notok "$name: topic layout"
"$LW_BIN" produce -b "$MOCK_BOOTSTRAP" -t big2 -X message_max_bytes=1024 -f "$T/big.txt" 2>"$T/err"
rc=$?
kcat_read big2 >"$T/out.txt"
grep -v -E '^.{1001,}$' "$T/big.txt" >"$T/big2.ok"
check "$name: exit 1, the other lines delivered, in order" \
  eval "[[ $rc -eq 1 ]] && cmp -s '$T/big2.ok' '$T/out.txt'"

name="-p 2: every line in partition 2, in order"
mock_topic parts 4 1 || notok "$name: topic layout"
"$LW_BIN" produce -q -b "$MOCK_BOOTSTRAP" -t parts -p 2 -X batch_bytes=16K -f "$T/in.txt" 2>"$T/err"
rc=$?
kcat_read parts '%p %s\n' >"$T/out.txt"
check "$name" eval "[[ $rc -eq 0 ]] && ! grep -qv '^2 ' '$T/out.txt' &&
  cut -c3- '$T/out.txt' | cmp -s '$T/in.nl' -"
exit $FAILED
