#!/usr/bin/env bash
# capture.sh — regenerates the seeds in this directory (see README.md): run from the repository
# root after `make tools`. Needs python3 (capture.py), not part of `make check`.
set -uo pipefail
cd "$(dirname "$0")/../../.."
source tests/integration/lib.sh
OUT=$PWD/tests/fuzz/sasl-seeds
mock_start -n 1
mock_cmd "create s 1 1"
"$LW_TOOLS/saslbroker" -u "$MOCK_FIRST" -U alice:alice-secret-1 -l 60000 -L "$T/sb.log" >"$T/sb.out" 2>&1 &
LW_BG_PIDS+=($!)
wait_until 10 grep -q '^listening=' "$T/sb.out"
SB=$(sed -n 's/^listening=//p' "$T/sb.out")
for mech in PLAIN SCRAM-SHA-256 SCRAM-SHA-512; do
  for pw in alice-secret-1 wrong; do
    port=$((20000 + RANDOM % 40000))
    python3 tests/fuzz/sasl-seeds/capture.py $port "$SB" "$OUT" "$mech-$([[ $pw == wrong ]] && echo refused || echo ok)" 8 >"$T/cap.out" &
    cp=$!
    wait_until 5 grep -q listening "$T/cap.out"
    echo "line 1" | timeout 6 "$LW_BIN" produce -q -b 127.0.0.1:$port -t s -X connect_to="$MOCK_FIRST=127.0.0.1:$port" \
      -X security_protocol=sasl_plaintext -X sasl_mechanism=$mech -X sasl_username=alice -X sasl_password=$pw \
      -X reconnect_backoff_max_ms=5000 2>/dev/null
    wait $cp
    cat "$T/cap.out"
  done
done
