#!/usr/bin/env bash
# produce_keys.sh — keyed records land where other clients put them: murmur2 as the Java
# client (librdkafka's "murmur2_random" partitioner is Java-compatible and serves as the
# reference) and crc32 as librdkafka's "consistent" partitioner. Both topics have the same
# partition counts; kcat writes one copy, logwire the other, and every key must map to the
# same partition in both.
source "$(dirname "$0")/lib.sh"

mock_start -n 3 || exit 1
awk 'BEGIN { for (i = 1; i <= 2000; i++) printf "user-%d-%x:payload %d\n", i, i * 7919, i }' >"$T/keyed.txt"

for parts in 3 7 16; do
  for p in murmur2:murmur2_random crc32:consistent_random; do
    ours=${p%%:*} theirs=${p#*:}
    mock_cmd "create keys-lw-$ours-$parts $parts 3"
    mock_cmd "create keys-kcat-$ours-$parts $parts 3"
    "$LW_BIN" produce -q -b "$MOCK_BOOTSTRAP" -t "keys-lw-$ours-$parts" -K : -X partitioner=$ours \
      -f "$T/keyed.txt" || notok "logwire produce keys ($ours)"
    kcat -P -b "$MOCK_BOOTSTRAP" -t "keys-kcat-$ours-$parts" -K : -X partitioner=$theirs \
      -l "$T/keyed.txt" 2>"$T/kcat-p.err" || notok "kcat produce keys ($theirs)"
    kcat_read "keys-lw-$ours-$parts" '%k %p\n' | sort >"$T/lw.map"
    kcat_read "keys-kcat-$ours-$parts" '%k %p\n' | sort >"$T/kcat.map"
    n=$(wc -l <"$T/lw.map")
    diff=$(comm -3 "$T/lw.map" "$T/kcat.map" | wc -l)
    used=$(cut -d' ' -f2 "$T/lw.map" | sort -u | wc -l)
    note "$ours over $parts partitions: $n keys, $used partitions used, $diff differences"
    check "$ours keys -> same partitions as librdkafka's $theirs ($parts partitions)" \
      test "$n" -eq 2000 -a "$diff" -eq 0 -a "$used" -eq "$parts"
  done
done
exit $FAILED
