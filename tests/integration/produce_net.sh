#!/usr/bin/env bash
# produce_net.sh — how logwire reaches brokers: several bootstrap addresses with failover (a dead
# one first), IPv6, connect_to rewriting the addresses brokers advertise, a topic that does not
# exist (named in the error), and a broker with no Produce version in common (the error names
# the API and both ranges).
source "$(dirname "$0")/lib.sh"

mock_start -n 1 || exit 1
seq_lines 500 >"$T/in.txt"

# A closed port: bound, then released.
dead_port=$(awk 'BEGIN { srand(); print 20000 + int(rand() * 20000) }')
while (exec 9<>/dev/tcp/127.0.0.1/$dead_port) 2>/dev/null; do dead_port=$((dead_port + 1)); done

check "bootstrap failover: a dead address first, then a live one" \
  "$LW_BIN" produce -q -b "127.0.0.1:$dead_port,$MOCK_BOOTSTRAP" -t net-failover -f "$T/in.txt"
check "bootstrap failover: every line delivered" test "$(kcat_count net-failover)" -eq 500

# IPv6: a proxy on [::1] in front of the mock broker; connect_to sends the advertised IPv4
# address to it as well, so every connection goes through IPv6.
if socat -h >/dev/null 2>&1 && (ip -6 addr show lo 2>/dev/null | grep -q ::1); then
  port6=$((dead_port + 1))
  socat "TCP6-LISTEN:$port6,bind=[::1],reuseaddr,fork" "TCP:$MOCK_BOOTSTRAP" 2>"$T/socat.err" &
  LW_BG_PIDS+=($!)
  wait_until 10 bash -c "(exec 9<>/dev/tcp/::1/$port6) 2>/dev/null"
  "$LW_BIN" produce --trace -b "[::1]:$port6" -X "connect_to=$MOCK_BOOTSTRAP=[::1]:$port6" \
    -t net-ipv6 -f "$T/in.txt" 2>"$T/ipv6.log"
  check "IPv6 bootstrap and connect_to: exit 0" test $? -eq 0
  check "IPv6: every line delivered" test "$(kcat_count net-ipv6)" -eq 500
  check "connect_to: the Produce request went to broker 1 through the IPv6 proxy" \
    grep -q "^>>> send Produce v[0-9]* request.* to \[::1\]:$port6 (node 1)" "$T/ipv6.log"
  check "connect_to: nothing sent to the advertised IPv4 address" \
    bash -c "! grep -q '^>>> .* to $MOCK_BOOTSTRAP ' '$T/ipv6.log'"
else
  echo "skip - IPv6 bootstrap and connect_to: no IPv6 loopback or no socat"
fi

# A topic the broker refuses to create: the error names it, quickly.
mock_cmd "topicerr net-missing 3"
"$LW_BIN" produce -b "$MOCK_BOOTSTRAP" -t net-missing -X topic_wait_ms=1000 -f "$T/in.txt" \
  2>"$T/missing.log"
check "missing topic: exit 1" test $? -eq 1
check "missing topic: the error names the topic" grep -q 'topic "net-missing" does not exist' "$T/missing.log"
check "missing topic: failures reported by name" grep -q "UNKNOWN_TOPIC: 500" "$T/missing.log"
mock_stop

# No Produce version in common: a broker that only speaks Produce v13 (logwire's producer uses
# up to v12, naming topics).
fakebroker_start -a 0:13:13 || exit 1
"$LW_BIN" produce -b "$MOCK_BOOTSTRAP" -t net-versions -X delivery_timeout_ms=2000 \
  -f "$T/in.txt" 2>"$T/versions.log"
check "no common Produce version: exit 1" test $? -eq 1
check "no common Produce version: the error names the API and both ranges" \
  grep -q "no Produce version both sides support (broker 13-13, logwire 0-12)" "$T/versions.log"
exit $FAILED
