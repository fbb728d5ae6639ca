#!/usr/bin/env bash
# produce_roundtrip.sh — lines produced by `logwire produce` come back byte-identical through
# kcat (CRC checks on) and through `logwire consume`, order kept within each partition:
#   - against librdkafka's mock cluster, every combination of compression x acks x partitioner,
#     with 1 and 3 brokers;
#   - against the broker model (tests/tools/fakebroker.c), every combination of compression x
#     acks with 1 and 3 brokers (the partitioners taken in turn), checking what went on the wire
#     from the model's record: each batch's compression attribute, the Acks of the request that
#     wrote it (acks=0 is never answered, as by a real broker), and, with acks=all, producer
#     sequences equal to the offsets (idempotent, no gap, no reuse). The mock ignores Acks and
#     kcat decompresses silently, so only the model can tell these apart.
source "$(dirname "$0")/lib.sh"

N=3000
# Keyed lines "key-K:payload" (the payload holds the sequence number, tabs and UTF-8).
awk -v n=$N 'BEGIN { for (i = 1; i <= n; i++)
  printf "key-%d:line %07d\tpayload ✓ %s\n", i % 97, i, substr("abcdefghijklmnopqrstuvwxyz", 1, i % 27) }' >"$T/in.txt"
sort "$T/in.txt" >"$T/in.sorted"

# roundtrip NAME TOPIC COMPRESSION ACKS PARTITIONER: produce, read back, compare; true when
# every check passed (each failure reported as "not ok").
roundtrip() {
  local name=$1 topic=$2 z=$3 a=$4 part=$5
  if ! "$LW_BIN" produce -q -b "$MOCK_BOOTSTRAP" -t "$topic" -z "$z" -a "$a" -K : \
    -X partitioner="$part" -f "$T/in.txt" 2>"$T/produce.err"; then
    notok "$name: produce exited with an error: $(tail -1 "$T/produce.err")"
    return 1
  fi
  kcat_read "$topic" '%k:%s\n' | sort >"$T/kcat.sorted"
  "$LW_BIN" consume -q -b "$MOCK_BOOTSTRAP" -t "$topic" -e -k | sed 's/\t/:/' | sort >"$T/lw.sorted"
  if ! cmp -s "$T/in.sorted" "$T/kcat.sorted"; then
    notok "$name: kcat read back $(wc -l <"$T/kcat.sorted") records that differ from the $N sent"
    return 1
  elif ! cmp -s "$T/in.sorted" "$T/lw.sorted"; then
    notok "$name: logwire consume read back $(wc -l <"$T/lw.sorted") records that differ"
    return 1
  fi
  # Within a partition the sequence numbers must increase (no reordering).
  local bad
  bad=$(kcat_read "$topic" '%p %s\n' | awk '{ s = $3 + 0
    if (s <= last[$1]) bad++; last[$1] = s } END { print bad + 0 }')
  if [[ $bad -ne 0 ]]; then
    notok "$name: $bad records out of order in a partition"
    return 1
  fi
}

# wire_check NAME TOPIC COMPRESSION ACKS: what the model stored for TOPIC: N records, each batch
# with the codec asked for and the request's Acks; with acks=all, an idempotent producer whose
# sequence numbers are the offsets. Prints the first mismatch.
wire_check() {
  local name=$1 topic=$2 z=$3 a=$4 acks=$4 bad
  [[ $a == all ]] && acks=-1
  model_dump "$T/dump.txt" "$topic" || {
    notok "$name: the model's dump failed"
    return
  }
  bad=$(awk -F'\t' -v n=$N -v z="$z" -v acks="$acks" '
    $8 != z { print "record at " $2 "/" $3 " has codec " $8; exit }
    $9 != acks { print "record at " $2 "/" $3 " was written with acks=" $9; exit }
    acks == -1 && ($4 < 0 || $6 != $3) {
      print "record at " $2 "/" $3 " has producer " $4 " sequence " $6; exit }
    acks != -1 && $4 != -1 { print "record at " $2 "/" $3 " has producer id " $4; exit }
    { c++ }
    END { if (c != n && !done) print c + 0 " records stored, not " n }' "$T/dump.txt" | head -1)
  if [[ -n $bad ]]; then
    notok "$name: on the wire: $bad"
    return
  fi
  local st
  st=$(mock_ask stats)
  case $a in
    0) [[ $st == *" acks0="[1-9]*" acks1=0 acksall=0 "* ]] ;;
    1) [[ $st == *" acks0=0 acks1="[1-9]*" acksall=0 "* ]] ;;
    all) [[ $st == *" acks0=0 acks1=0 acksall="[1-9]* ]] ;;
  esac || {
    notok "$name: the model counted other Produce requests: $st"
    return
  }
  ok "$name"
}

for brokers in 1 3; do
  mock_start -n $brokers || {
    notok "mock cluster with $brokers brokers"
    continue
  }
  for z in none gzip lz4; do
    for a in 0 1 all; do
      for part in murmur2 crc32 round_robin random; do
        name="mock: brokers=$brokers compression=$z acks=$a partitioner=$part"
        topic="rt-$brokers-$z-$a-$part"
        mock_topic "$topic" 4 $brokers || notok "$name: topic layout"
        roundtrip "$name" "$topic" $z $a $part && ok "$name"
      done
    done
  done
  mock_stop
done

parts=(murmur2 crc32 round_robin random)
i=0
for brokers in 1 3; do
  fakebroker_start -n $brokers || {
    notok "broker model with $brokers brokers"
    continue
  }
  for z in none gzip lz4; do
    for a in 0 1 all; do
      part=${parts[$((i++ % 4))]}
      name="model: brokers=$brokers compression=$z acks=$a partitioner=$part"
      topic="rt-$brokers-$z-$a"
      { mock_topic "$topic" 4 $brokers && mock_cmd reset; } || notok "$name: topic layout"
      roundtrip "$name" "$topic" $z $a $part && wire_check "$name" "$topic" $z $a
    done
  done
  mock_stop
done
exit $FAILED
