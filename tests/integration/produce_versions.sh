#!/usr/bin/env bash
# produce_versions.sh — every Produce version logwire speaks (v0-v12) round-trips, read back by
# kcat with CRC checks on and by `logwire consume`: v3, v4, v6, v7 against librdkafka's mock
# cluster limited to that version; v0-v2 (legacy magic 0/1 MessageSets), v5 and v8-v12 against
# the fake broker (tests/tools/fakebroker.c), which checks every CRC on arrival as a real broker
# does. Also: Metadata versions, api_version_request=false with each broker_version_fallback, the
# fake broker's CRC checks proven both ways (it rejects corrupted Records and accepts what
# librdkafka writes), kcat catching a corrupted stored message, and idempotent retries.
source "$(dirname "$0")/lib.sh"

N=1500
# Keyed lines "key-K:line NNNNNNN ..." (tabs and UTF-8 in the values).
awk -v n=$N 'BEGIN { for (i = 1; i <= n; i++)
  printf "key-%d:line %07d\tpayload ✓ %s\n", i % 13, i, substr("abcdefghijklmnopqrstuvwxyz", 1, i % 27) }' >"$T/in.txt"
sort "$T/in.txt" >"$T/in.sorted"
T0=$(date +%s%3N)

# kc TOPIC [FORMAT]: every record of TOPIC through kcat, CRC checks on (errors in kcat.err).
kc() {
  timeout 30 kcat -C -b "$MOCK_BOOTSTRAP" -t "$1" -o beginning -e -q -X check.crcs=true \
    -X fetch.wait.max.ms=20 -f "${2:-%k:%s\n}" 2>"$T/kcat.err"
}

# read_back TOPIC [notime]: kcat and logwire consume must both give exactly the lines of
# in.txt (as key:value), with timestamps from this run (none at all, 0, with "notime": magic 0).
# Sets WHY when not.
read_back() {
  kc "$1" | sort >"$T/kcat.sorted"
  if ! cmp -s "$T/in.sorted" "$T/kcat.sorted"; then
    WHY="kcat read back $(wc -l <"$T/kcat.sorted") records that differ from the $N sent: $(head -c 300 "$T/kcat.err")"
    return 1
  fi
  local bad
  bad=$(kc "$1" '%T\n' | awk -v lo=$((T0 - 60000)) -v hi=$(($(date +%s%3N) + 60000)) -v none=${2:-} '
    (none && $1 != 0) || (!none && ($1 < lo || $1 > hi)) { bad++ } END { print bad + 0 }')
  if [[ $bad -ne 0 ]]; then
    WHY="kcat read $bad records with a timestamp ${2:+other than none}${2:-outside this run}"
    return 1
  fi
  timeout 30 "$LW_BIN" consume -q -b "$MOCK_BOOTSTRAP" -t "$1" -e -k 2>"$T/consume.err" |
    sed 's/\t/:/' | sort >"$T/lw.sorted"
  if ! cmp -s "$T/in.sorted" "$T/lw.sorted"; then
    WHY="logwire consume read back $(wc -l <"$T/lw.sorted") records that differ: $(head -c 300 "$T/consume.err")"
    return 1
  fi
}

# produce TOPIC [ARGS...]: logwire produce of in.txt in ~1 KiB batches (many per partition, so
# that offsets are assigned after the first). Sets WHY when it fails.
produce() {
  local t=$1
  shift
  if ! timeout 60 "$LW_BIN" produce -q -b "$MOCK_BOOTSTRAP" -t "$t" -K : -X batch_bytes=1024 \
    -X delivery_timeout_ms=20000 "$@" -f "$T/in.txt" 2>"$T/produce.err"; then
    WHY="produce failed: $(tail -2 "$T/produce.err" | tr '\n' ' ')"
    return 1
  fi
}

# expect_used APIKEY [V]: the fake broker saw requests of APIKEY at version V only (no V: none).
expect_used() {
  local got
  got=$(mock_ask "used $1")
  [[ $got == "ok${2:+ $2}" ]] || {
    WHY="expected API $1 at ${2:+v}${2:-no version}, the fake broker saw: ${got#ok}"
    return 1
  }
}

# report NAME STATUS: ok, or not ok with WHY.
report() { if [[ $2 -eq 0 ]]; then ok "$1"; else notok "$1: $WHY"; fi; }

# ---- librdkafka's mock cluster: Produce v3, v4, v6, v7 (v5: its response lacks
# LogStartOffset), and Metadata v0, v1 ----
if mock_start -n 1; then
  for v in 3 4 6 7; do
    mock_cmd "apiversion 0 $v $v" || notok "mock: limit Produce to v$v"
    for z in none gzip lz4; do
      topic=mock-v$v-$z
      mock_topic "$topic" 2 1 || notok "$topic: partition layout"
      produce "$topic" -z $z && read_back "$topic"
      report "mock cluster, Produce v$v, compression=$z" $?
    done
  done
  mock_cmd "apiversion 0 0 7" || notok "mock: Produce range back to v0-v7"
  for m in 0 1; do
    mock_cmd "apiversion 3 $m $m" || notok "mock: limit Metadata to v$m"
    topic=mock-md$m
    mock_topic "$topic" 2 1 || notok "$topic: partition layout"
    produce "$topic" -z gzip && read_back "$topic"
    report "mock cluster, Metadata v$m" $?
  done
  mock_stop
else
  notok "mock cluster did not start"
fi

# ---- The fake broker ----
if ! fakebroker_start -m $((48 << 20)); then
  notok "fakebroker did not start: $(cat "$T/mock.err")"
  exit 1
fi

# Every Produce version the mock cannot take, each codec. The broker advertises only v$v while
# logwire writes, then its whole range again: kcat (librdkafka) reads magic 0/1 sets only
# through Fetch v4+, which it uses only with a broker that takes Produce v3+.
for v in 0 1 2 5 8 9 10 11 12; do
  for z in none gzip lz4; do
    topic=fb-v$v-$z
    mock_cmd "create $topic 2" && mock_cmd reset && mock_cmd "apiversion 0 $v $v" &&
      produce "$topic" -z $z && expect_used 0 $v
    rc=$?
    mock_cmd "apiversion 0 0 12" || rc=1
    [[ $rc -eq 0 ]] && read_back "$topic" $((v < 2))
    report "fakebroker, Produce v$v, compression=$z" $?
  done
done

# ApiVersions: a broker refuses v4 (logwire's first try) with UNSUPPORTED_VERSION in the v0
# layout and its own range; logwire asks again within it (v3, or v0 from a 0.10-0.11 broker).
for av in 3 0; do
  topic=fb-apiversions-$av
  mock_cmd reset && mock_cmd "apiversion 18 0 $av" && produce "$topic" && expect_used 18 "$av,4"
  rc=$?
  mock_cmd "apiversion 18 0 3" || rc=1
  [[ $rc -eq 0 ]] && read_back "$topic"
  report "fakebroker with ApiVersions v0-v$av: logwire asks v4, then v$av" $?
done

# Records buffered before the leader's versions are known are batched as v2 RecordBatches,
# then rewritten as MessageSets for an old leader. A legacy message frames a tiny record with
# ~4 times the bytes: every record of a full batch must still be written.
yes x | head -200000 >"$T/tiny.txt"
for v in 0 2; do
  topic=fb-tiny-v$v
  mock_cmd "create $topic 1" && mock_cmd "apiversion 0 $v $v" &&
    timeout 60 "$LW_BIN" produce -q -b "$MOCK_BOOTSTRAP" -t "$topic" -f "$T/tiny.txt" \
      2>"$T/produce.err"
  rc=$?
  hwm=$(mock_ask "hwm $topic 0")
  mock_cmd "apiversion 0 0 12" || rc=1
  n=$(kc "$topic" '%s\n' | grep -c '^x$')
  if [[ $rc -eq 0 && $hwm == "ok 200000" && $n -eq 200000 ]]; then
    ok "Produce v$v: 200000 one-byte records buffered before the leader was ready, all written"
  else
    notok "Produce v$v, 200000 one-byte records: produce rc=$rc, broker has ${hwm#ok }, kcat read $n"
  fi
done

# A broker upgraded (or downgraded) under a running producer: the batch whose answer is lost
# with the connection was sealed in the old format and must be rewritten for the new one when
# it is sent again, not failed.
hwm_is() { [[ $(mock_ask "hwm $1 0") == "ok $2" ]]; }
for c in "2 12 gzip" "1 12 none" "12 2 lz4" "12 0 gzip"; do
  read -r from to z <<<"$c"
  topic=fb-change-v$from-v$to
  mkfifo "$T/$topic.in"
  { mock_topic "$topic" 1 && mock_cmd reset && mock_cmd "apiversion 0 0 $from"; } ||
    notok "$topic: topic layout or broker setup"
  timeout 60 "$LW_BIN" produce -b "$MOCK_BOOTSTRAP" -t "$topic" -z $z -f "$T/$topic.in" \
    >"$T/change.out" 2>&1 &
  pid=$!
  exec {W}>"$T/$topic.in"
  seq -f "line %07g" 1 100 >&$W
  wait_until 20 hwm_is "$topic" 100 && mock_cmd "apiversion 0 0 $to" && mock_cmd "drop 1"
  rc=$?
  seq -f "line %07g" 101 200 >&$W
  exec {W}>&-
  wait $pid || rc=1
  used=$(mock_ask "used 0")
  mock_cmd "apiversion 0 0 12" || rc=1
  kc "$topic" '%s\n' >"$T/change.txt"
  seq_report 200 "$T/change.txt" >/dev/null
  lo=$((from < to ? from : to)) hi=$((from < to ? to : from))
  if [[ $rc -eq 0 && $SEQ_MISSING -eq 0 && $used == "ok $lo,$hi" ]] &&
    grep -q "200 delivered, 0 failed" "$T/change.out"; then
    ok "broker changed from Produce v$from to v$to under the producer: every line written"
  else
    notok "broker changed from Produce v$from to v$to: rc=$rc, missing $SEQ_MISSING, versions ${used#ok }, $(tail -1 "$T/change.out")"
  fi
done

# Metadata v0-v12.
for m in 0 1 2 3 4 5 6 7 8 9 10 11 12; do
  topic=fb-md$m
  mock_cmd reset && mock_cmd "apiversion 3 $m $m" && produce "$topic" && expect_used 3 $m
  rc=$?
  mock_cmd "apiversion 3 0 12" || rc=1
  [[ $rc -eq 0 ]] && read_back "$topic"
  report "fakebroker, Metadata v$m (topic auto-created)" $?
done

# api_version_request=false: the broker closes the connection on ApiVersions (before 0.10)
# and takes only the versions of the release logwire assumes.
for fb in "0.9.0 1 0 -1" "0.10.0 2 1 -1" "0.11.0 3 4 0"; do
  read -r rel pv mv iv <<<"$fb"
  topic=fb-fallback-${rel//./}
  mock_cmd "create $topic 2" && mock_cmd reset && mock_cmd "apiversions off" &&
    mock_cmd "apiversion 0 0 $pv" && mock_cmd "apiversion 3 0 $mv" &&
    mock_cmd "apiversion 22 $iv $iv" &&
    produce "$topic" -z lz4 -X api_version_request=false -X broker_version_fallback=$rel &&
    expect_used 0 $pv && expect_used 3 $mv && expect_used 18
  rc=$?
  if [[ $iv -ge 0 ]]; then expect_used 22 $iv || rc=1; else expect_used 22 || rc=1; fi
  mock_cmd "apiversions on" && mock_cmd "apiversion 0 0 12" && mock_cmd "apiversion 3 0 12" &&
    mock_cmd "apiversion 22 0 4" || rc=1
  [[ $rc -eq 0 ]] && read_back "$topic" $((pv < 2))
  report "fakebroker without ApiVersions, api_version_request=false broker_version_fallback=$rel" $?
done

# The fake broker rejects corrupted Records: one byte flipped in what it receives must give
# CORRUPT_MESSAGE (logwire then retries, and every line arrives once).
for c in "0 none" "1 gzip" "2 lz4" "2 none" "3 gzip" "12 lz4"; do
  read -r v z <<<"$c"
  topic=fb-mangle-v$v-$z
  mock_cmd "create $topic 1" && mock_cmd reset && mock_cmd "apiversion 0 $v $v" &&
    mock_cmd "mangle 1" && produce "$topic" -z $z
  rc=$?
  st=$(mock_ask stats)
  mock_cmd "apiversion 0 0 12" || rc=1
  if [[ $rc -eq 0 && $st != *" crc=1 invalid=1 "* ]]; then
    WHY="the corrupted Records were not rejected for their CRC: $st"
    rc=1
  fi
  [[ $rc -eq 0 ]] && read_back "$topic" $((v < 2))
  report "fakebroker rejects a flipped byte with CORRUPT_MESSAGE, Produce v$v compression=$z" $?
done

# ...and accepts what an independent client writes (librdkafka through kcat -P): magic 0
# (fallback 0.9.0, no ApiVersions), magic 1 (Produce v2; librdkafka writes it only to a broker
# that also takes Fetch v2, which kcat -P never sends) and magic 2.
for c in "0.9.0 none" "0.9.0 gzip" "0.9.0 lz4" "v2 none" "v2 gzip" "v7 gzip" "v7 lz4"; do
  read -r how z <<<"$c"
  topic=fb-kcat-${how//./}-$z
  args=()
  { mock_topic "$topic" 2 && mock_cmd reset; } || notok "$topic: topic layout or broker setup"
  case $how in
    0.9.0)
      mock_cmd "apiversions off"
      args=(-X api.version.request=false -X broker.version.fallback=0.9.0)
      ;;
    v2) mock_cmd "apiversion 0 0 2" && mock_cmd "apiversion 1 2 12" ;; # magic 1 needs Fetch v2
  esac
  timeout 30 kcat -P -b "$MOCK_BOOTSTRAP" -t "$topic" -K : -z $z "${args[@]}" -l "$T/in.txt" \
    2>"$T/kcatp.err"
  rc=$?
  WHY="kcat -P failed: $(tail -2 "$T/kcatp.err" | tr '\n' ' ')"
  st=$(mock_ask stats)
  mock_cmd "apiversions on" && mock_cmd "apiversion 0 0 12" && mock_cmd "apiversion 1 4 12" || rc=1
  if [[ $rc -eq 0 && $st != *" crc=0 invalid=0 "* ]]; then
    WHY="records written by librdkafka were rejected: $st"
    rc=1
  fi
  [[ $rc -eq 0 ]] && read_back "$topic" $([[ $how == 0.9.0 ]] && echo 1)
  report "fakebroker accepts librdkafka's Records, $how compression=$z" $?
done

# kcat itself detects a corrupted stored message or batch (so the round trips above would fail
# on a bad CRC): flip a byte of the last stored entry.
for topic in fb-v0-gzip fb-v2-none fb-v5-none fb-v12-lz4; do
  mock_cmd "flip $topic 0" || {
    notok "flip a byte in $topic"
    continue
  }
  n=$(kc "$topic" | wc -l)
  if grep -q "failed CRC32C\? check" "$T/kcat.err" && [[ $n -lt $N ]]; then
    ok "kcat reports the CRC error of a corrupted entry in $topic ($n of $N records read)"
  else
    notok "kcat read a corrupted $topic without a CRC error: $n records, $(head -c 300 "$T/kcat.err")"
  fi
done

# Idempotence: the broker writes a batch but the answer is lost with the connection. The
# idempotent producer's retry is recognised as a duplicate (no record twice); without
# idempotence the same loss writes the batch twice (the check can fail).
for idem in true false; do
  topic=fb-drop-$idem
  mock_cmd "create $topic 1" && mock_cmd reset && mock_cmd "drop 1" &&
    produce "$topic" -X idempotence=$idem
  rc=$?
  st=$(mock_ask stats)
  kc "$topic" '%s\n' >"$T/drop.txt"
  seq_report $N "$T/drop.txt" >/dev/null
  if [[ $rc -ne 0 ]]; then
    notok "lost Produce answer, idempotence=$idem: $WHY"
  elif [[ $idem == true && ($SEQ_MISSING -ne 0 || $SEQ_DUP -ne 0 || $st == *" duplicate=0 "*) ]]; then
    notok "lost Produce answer, idempotent: missing $SEQ_MISSING duplicated $SEQ_DUP ($st)"
  elif [[ $idem == false && ($SEQ_MISSING -ne 0 || $SEQ_DUP -eq 0) ]]; then
    notok "lost Produce answer, not idempotent: expected duplicates, got missing $SEQ_MISSING duplicated $SEQ_DUP"
  else
    ok "lost Produce answer, idempotence=$idem: missing $SEQ_MISSING duplicated $SEQ_DUP"
  fi
done

mock_stop
exit $FAILED
