#!/usr/bin/env bash
# sasl.sh — SASL against tests/tools/saslbroker (a SASL front, written independently of
# logwire's client, relaying to the mock cluster's broker): PLAIN, SCRAM-SHA-256 and
# SCRAM-SHA-512 with good and bad passwords (the broker's message shown, no tight reconnect
# loop), a server with a wrong SCRAM signature refused, a mechanism the broker does not enable,
# a broker with only SaslHandshake v0, re-authentication (KIP-368) under a steady produce with
# nothing lost and no request sent mid-re-authentication, sasl_password_file, and --trace
# showing no password.
source "$(dirname "$0")/lib.sh"

"$LW_TOOLS/saslbroker" -h >/dev/null 2>&1
if [[ $? -eq 77 ]]; then
  echo "skip - sasl: built without OpenSSL (make TLS=0)"
  exit 0
fi

mock_start -n 1 || {
  notok "mock cluster starts"
  exit 1
}

# sasl_start NAME SASLBROKER-ARGS...: a saslbroker in front of the mock's broker, with users
# alice (PLAIN and SCRAM password "alice-secret-1") and "b=o,b" (escaped in SCRAM's saslname).
# Sets SASL_ADDR, SASL_LOG, SASL_PID.
sasl_start() {
  local name=$1
  shift
  SASL_LOG=$T/$name.log
  "$LW_TOOLS/saslbroker" -u "$MOCK_FIRST" -U alice:alice-secret-1 -U 'b=o,b:bob-secret-2' \
    -L "$SASL_LOG" "$@" >"$T/$name.out" 2>"$T/$name.err" &
  SASL_PID=$!
  LW_BG_PIDS+=("$SASL_PID")
  wait_until 10 grep -q '^listening=' "$T/$name.out" || return 1
  SASL_ADDR=$(sed -n 's/^listening=//p' "$T/$name.out")
}

# accepts_ge N: the current saslbroker accepted at least N connections.
accepts_ge() { (($(grep -c ' accept$' "$SASL_LOG" 2>/dev/null) >= $1)); }

sasl_stop() {
  kill "$SASL_PID" 2>/dev/null
  wait "$SASL_PID" 2>/dev/null
}

# lw_sasl MECH USER PASSWORD TOPIC [produce args...]: logwire produce through the front. With
# LW_EXEC=exec (in a background subshell) logwire replaces the subshell: $! is its pid.
lw_sasl() {
  local mech=$1 user=$2 pw=$3 topic=$4
  shift 4
  ${LW_EXEC:-} "$LW_BIN" produce -b "$SASL_ADDR" -t "$topic" -X connect_to="$MOCK_FIRST=$SASL_ADDR" \
    -X security_protocol=sasl_plaintext -X sasl_mechanism="$mech" -X sasl_username="$user" \
    -X sasl_password="$pw" "$@"
}

seq_lines 2000 >"$T/in.txt"

# ---- Good and bad passwords, each mechanism ----
for mech in PLAIN SCRAM-SHA-256 SCRAM-SHA-512; do
  sasl_start "ok-$mech" || notok "$mech: saslbroker starts"
  topic="sasl-$mech"
  mock_cmd "create $topic 3 1"
  if lw_sasl "$mech" alice alice-secret-1 "$topic" -q -f "$T/in.txt" 2>"$T/err"; then
    kcat_read "$topic" >"$T/got"
    seq_report 2000 "$T/got" >/dev/null
    if [[ $SEQ_MISSING -eq 0 && $SEQ_DUP -eq 0 ]] &&
      grep -q "auth-ok user=alice mechanism=$mech" "$SASL_LOG" &&
      ! grep -q reject "$SASL_LOG"; then
      ok "$mech: authenticated, 2000 lines read back by kcat"
    else
      notok "$mech: missing $SEQ_MISSING duplicated $SEQ_DUP; $(grep -c reject "$SASL_LOG") requests rejected"
    fi
  else
    notok "$mech: produce failed: $(tail -3 "$T/err")"
  fi
  # A user name with '=' and ',' (SCRAM's saslname escapes them).
  if lw_sasl "$mech" 'b=o,b' bob-secret-2 "$topic" -q -f "$T/in.txt" 2>"$T/err"; then
    ok "$mech: user name with = and ,"
  else
    notok "$mech: user name with = and ,: $(tail -2 "$T/err")"
  fi
  sasl_stop

  # Bad password: the broker's message shown, nothing produced; the next attempt waits
  # reconnect_backoff_max_ms (2000, less 20% jitter), not reconnect_backoff_ms (50). The gap
  # between the first two connections is a lower bound: a slower machine only makes it longer.
  sasl_start "bad-$mech" || notok "$mech: saslbroker starts"
  before=$(kcat_count "$topic")
  LW_EXEC=exec lw_sasl "$mech" alice wrong-password "$topic" -q -f "$T/in.txt" \
    -X delivery_timeout_ms=60000 -X reconnect_backoff_ms=50 -X reconnect_backoff_max_ms=2000 \
    2>"$T/err" &
  lw=$!
  LW_BG_PIDS+=("$lw")
  wait_until 30 accepts_ge 1
  t1=$(date +%s%N)
  wait_until 30 accepts_ge 2
  gap=$((($(date +%s%N) - t1) / 1000000))
  kill "$lw" 2>/dev/null
  wait "$lw" 2>/dev/null
  after=$(kcat_count "$topic")
  if [[ $mech == PLAIN ]]; then want="Invalid username or password"; else want="invalid credentials with SASL mechanism $mech"; fi
  if grep -q "SASL_AUTHENTICATION_FAILED: .*$want" "$T/err" && accepts_ge 2 &&
    ((gap >= 1600)) && [[ $after -eq $before ]]; then
    ok "$mech: wrong password refused with the broker's message, next attempt after ${gap} ms (>= 1600), nothing produced"
  else
    notok "$mech: wrong password: second attempt after $gap ms, records $before -> $after, stderr: $(head -3 "$T/err")"
  fi
  sasl_stop
done

# ---- A server that does not know the password cannot pass for the broker ----
sasl_start badsig -S
mock_cmd "create sasl-badsig 1 1"
lw_sasl SCRAM-SHA-512 alice alice-secret-1 sasl-badsig -q -f "$T/in.txt" \
  -X delivery_timeout_ms=2000 2>"$T/err"
rc=$?
if [[ $rc -ne 0 ]] && grep -q "wrong SCRAM server signature" "$T/err" &&
  [[ $(kcat_count sasl-badsig) -eq 0 ]]; then
  ok "SCRAM: a wrong server signature is refused, nothing produced"
else
  notok "SCRAM wrong server signature: exit $rc, $(kcat_count sasl-badsig) records, stderr: $(head -2 "$T/err")"
fi
sasl_stop

# ---- Mechanism not enabled; broker with SaslHandshake v0 only ----
# Failures wait delivery_timeout_ms; these only need the first message, then stop logwire.
expect_message() { # NAME PATTERN -- produce args
  local name=$1 pattern=$2
  shift 2
  (LW_EXEC=exec lw_sasl "$@" -q -f "$T/in.txt" 2>"$T/err.$name") &
  local pid=$!
  if wait_until 10 grep -q "$pattern" "$T/err.$name"; then
    ok "$name"
  else
    notok "$name: stderr: $(head -3 "$T/err.$name")"
  fi
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  check "$name: nothing produced" test "$(kcat_count sasl-x)" -eq 0
}
mock_cmd "create sasl-x 1 1"
sasl_start plain-only -m PLAIN
expect_message "mechanism not enabled: the broker's list is shown" \
  "does not enable SCRAM-SHA-512 (it enables: PLAIN)" SCRAM-SHA-512 alice alice-secret-1 sasl-x
sasl_stop
sasl_start v0 -H 0
expect_message "SaslHandshake v0 only: a clear refusal" \
  "offers only SaslHandshake v0" PLAIN alice alice-secret-1 sasl-x
sasl_stop

# ---- Re-authentication (KIP-368) under a steady stream ----
# Sessions of 3 s; the front answers each SaslAuthenticate 100 ms late, so a client that kept
# writing during re-authentication would be caught ("reject ... during-reauth"), and one that
# re-authenticated late would be caught too ("reject ... expired"). 8000 lines over ~8 s.
sasl_start reauth -l 3000 -D 100
mock_cmd "create sasl-reauth 3 1"
paced() {
  local i
  for i in $(seq 0 159); do
    awk -v s=$((i * 50)) 'BEGIN { for (j = 1; j <= 50; j++) printf "line %07d paced\n", s + j }'
    sleep 0.05 # pacing the source, not waiting for a condition
  done
}
paced | lw_sasl SCRAM-SHA-256 alice alice-secret-1 sasl-reauth -q 2>"$T/err"
rc=$?
kcat_read sasl-reauth >"$T/got"
note "$(seq_report 8000 "$T/got")"
reauths=$(grep -c "auth-ok user=alice mechanism=SCRAM-SHA-256 reauth=1" "$SASL_LOG")
rejects=$(grep -c reject "$SASL_LOG")
note "re-authentications: $reauths, rejected requests: $rejects"
if [[ $rc -eq 0 && $SEQ_MISSING -eq 0 && $SEQ_DUP -eq 0 && $reauths -ge 2 && $rejects -eq 0 ]]; then
  ok "re-authentication: $reauths re-authentications on the live connection, 8000 lines, none lost or duplicated"
else
  notok "re-authentication: exit $rc, missing $SEQ_MISSING, duplicated $SEQ_DUP, $reauths re-authentications, $rejects rejected: $(grep reject "$SASL_LOG" | head -3)"
fi
sasl_stop

# ---- Password from a file; --trace shows no password ----
sasl_start files
mock_cmd "create sasl-file 1 1"
printf 'alice-secret-1\n' >"$T/pw"
chmod 600 "$T/pw"
if "$LW_BIN" produce -q -b "$SASL_ADDR" -t sasl-file -X connect_to="$MOCK_FIRST=$SASL_ADDR" \
  -X security_protocol=sasl_plaintext -X sasl_mechanism=SCRAM-SHA-512 -X sasl_username=alice \
  -X sasl_password_file="$T/pw" -f "$T/in.txt" 2>"$T/err" && [[ $(kcat_count sasl-file) -eq 2000 ]]; then
  ok "sasl_password_file (trailing newline stripped)"
else
  notok "sasl_password_file: $(tail -2 "$T/err")"
fi
"$LW_BIN" produce -q -b "$SASL_ADDR" -t sasl-file -X security_protocol=sasl_plaintext \
  -X sasl_username=alice -X sasl_password_file="$T/no-such-file" -f "$T/in.txt" 2>"$T/err"
rc=$?
if [[ $rc -ne 0 ]] && grep -q "sasl_password_file: cannot read $T/no-such-file" "$T/err"; then
  ok "a missing sasl_password_file is a configuration error naming the file"
else
  notok "missing sasl_password_file: exit $rc: $(cat "$T/err")"
fi
for mech in PLAIN SCRAM-SHA-512; do
  head -3 "$T/in.txt" | "$LW_BIN" produce -b "$SASL_ADDR" -t sasl-file --trace -d \
    -X connect_to="$MOCK_FIRST=$SASL_ADDR" -X security_protocol=sasl_plaintext \
    -X sasl_mechanism=$mech -X sasl_username=alice -X sasl_password=alice-secret-1 \
    >"$T/trace.$mech" 2>&1
  rc=$?
  n=$(grep -c "SaslAuthenticate" "$T/trace.$mech")
  if [[ $rc -eq 0 && $n -ge 2 ]] && ! grep -q "alice-secret-1" "$T/trace.$mech" &&
    grep -q "AuthBytes.*<redacted>" "$T/trace.$mech"; then
    ok "$mech: --trace -d shows SaslAuthenticate ($n lines) with AuthBytes redacted, no password"
  else
    notok "$mech --trace: exit $rc, $n SaslAuthenticate lines, password lines: $(grep -c alice-secret-1 "$T/trace.$mech")"
  fi
done
sasl_stop

exit $FAILED
