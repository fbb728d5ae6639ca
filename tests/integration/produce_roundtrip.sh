#!/usr/bin/env bash
# produce_roundtrip.sh — lines produced by `logwire produce` come back byte-identical through
# kcat (CRC checks on) and through `logwire consume`, for every combination of compression x
# acks x partitioner, with 1 and 3 brokers; order is kept within each partition.
source "$(dirname "$0")/lib.sh"

N=3000
# Keyed lines "key-K:payload" (the payload holds the sequence number, tabs and UTF-8).
awk -v n=$N 'BEGIN { for (i = 1; i <= n; i++)
  printf "key-%d:line %07d\tpayload ✓ %s\n", i % 97, i, substr("abcdefghijklmnopqrstuvwxyz", 1, i % 27) }' >"$T/in.txt"
sort "$T/in.txt" >"$T/in.sorted"
cut -d: -f2- "$T/in.txt" | sort >"$T/values.sorted"

for brokers in 1 3; do
  mock_start -n $brokers || { notok "mock cluster with $brokers brokers"; continue; }
  for z in none gzip lz4; do
    for a in 0 1 all; do
      for part in murmur2 crc32 round_robin random; do
        name="brokers=$brokers compression=$z acks=$a partitioner=$part"
        topic="rt-$brokers-$z-$a-$part"
        mock_cmd "create $topic 4 $brokers" || true
        if ! "$LW_BIN" produce -q -b "$MOCK_BOOTSTRAP" -t "$topic" -z $z -a $a -K : \
          -X partitioner=$part -f "$T/in.txt" 2>"$T/produce.err"; then
          notok "$name: produce exited with an error: $(tail -1 "$T/produce.err")"
          continue
        fi
        kcat_read "$topic" '%k:%s\n' | sort >"$T/kcat.sorted"
        "$LW_BIN" consume -q -b "$MOCK_BOOTSTRAP" -t "$topic" -e -k | sed 's/\t/:/' | sort >"$T/lw.sorted"
        if ! cmp -s "$T/in.sorted" "$T/kcat.sorted"; then
          notok "$name: kcat read back $(wc -l <"$T/kcat.sorted") records that differ from the $N sent"
        elif ! cmp -s "$T/in.sorted" "$T/lw.sorted"; then
          notok "$name: logwire consume read back $(wc -l <"$T/lw.sorted") records that differ"
        else
          # Within a partition the sequence numbers must increase (no reordering).
          bad=$(kcat_read "$topic" '%p %s\n' | awk '{ split($3, a, " "); s = $3 + 0
            if (s <= last[$1]) bad++; last[$1] = s } END { print bad + 0 }')
          if [[ $bad -ne 0 ]]; then notok "$name: $bad records out of order in a partition"; else ok "$name"; fi
        fi
      done
    done
  done
  mock_stop
done
exit $FAILED
