#!/usr/bin/env bash
# tls.sh — TLS to the mock cluster through a TLS terminator (socat) per broker, logwire's
# connect_to pointing the advertised address at it. A throwaway PKI made with the openssl CLI:
# with the right CA, `logwire produce` works (by host name and by IP address, TLS 1.3 and 1.2)
# and kcat reads the lines back; another CA, a certificate for another host name, an expired certificate, the
# system store (default) with the test CA absent, a plaintext port and a server limited to
# TLS 1.1 each fail with their cause named on stderr; ssl_verify=false connects and warns;
# mutual TLS works with a client certificate (its key encrypted, the password from a file) and
# fails without one, also against a broker that refuses without an alert (tests/tools/
# certreqbroker, TLS 1.3 and 1.2); SASL_SSL with SCRAM-SHA-512 end to end (TLS -> saslbroker ->
# mock).
source "$(dirname "$0")/lib.sh"

"$LW_TOOLS/saslbroker" -h >/dev/null 2>&1
if [[ $? -eq 77 ]]; then
  echo "skip - tls: built without OpenSSL (make TLS=0)"
  exit 0
fi

for tool in socat openssl ss; do
  command -v $tool >/dev/null || {
    notok "$tool is installed (scripts/deps.sh)"
    exit 1
  }
done

# ---- A throwaway PKI ----
P=$T/pki
mkdir -p "$P"
pki() { openssl "$@" >>"$P/openssl.log" 2>&1; }
# ca NAME: a self-signed CA.
ca() {
  pki req -x509 -newkey rsa:2048 -nodes -keyout "$P/$1.key" -out "$P/$1.pem" -days 2 \
    -subj "/CN=logwire test $1"
}
# leaf NAME CA SAN [EXTRA...]: a key and a certificate signed by CA for subjectAltName SAN.
leaf() {
  local name=$1 ca=$2 san=$3
  shift 3
  pki req -newkey rsa:2048 -nodes -keyout "$P/$name.key" -out "$P/$name.csr" -subj "/CN=$name"
  printf 'subjectAltName=%s\n' "$san" >"$P/$name.ext"
  pki x509 -req -in "$P/$name.csr" -CA "$P/$ca.pem" -CAkey "$P/$ca.key" -CAcreateserial \
    -out "$P/$name.pem" -days 2 -extfile "$P/$name.ext" "$@"
}
ca ca
ca otherca
leaf good ca "DNS:localhost,IP:127.0.0.1"
leaf foreign otherca "DNS:localhost,IP:127.0.0.1"
leaf wrongname ca "DNS:wrong.example.net"
# Expired: `openssl x509 -days` cannot set dates in the past (OpenSSL 3.0 has no -not_after);
# `openssl ca` takes -startdate/-enddate.
cat >"$P/ca.cnf" <<EOF
[ca]
default_ca = test_ca
[test_ca]
database = $P/index.txt
new_certs_dir = $P
serial = $P/serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
EOF
: >"$P/index.txt"
echo 1000 >"$P/serial"
pki req -newkey rsa:2048 -nodes -keyout "$P/expired.key" -out "$P/expired.csr" -subj "/CN=expired"
pki ca -batch -config "$P/ca.cnf" -cert "$P/ca.pem" -keyfile "$P/ca.key" -in "$P/expired.csr" \
  -out "$P/expired.pem" -startdate 20200101000000Z -enddate 20200102000000Z \
  -extfile "$P/good.ext"
# The client of mutual TLS, its key encrypted; the password in a file.
leaf client ca "DNS:logwire-client"
printf 'client-key-pass\n' >"$P/client.pass"
chmod 600 "$P/client.pass"
pki pkey -in "$P/client.key" -aes256 -passout pass:client-key-pass -out "$P/client.enc.key"
for f in good foreign wrongname expired client; do
  [[ -s $P/$f.pem ]] || {
    notok "throwaway PKI: $f.pem not made: $(tail -3 "$P/openssl.log")"
    exit 1
  }
done
note "throwaway PKI made with the openssl CLI (expired one via openssl ca -enddate)"
# Hashed CA directories for ssl_ca_path (what c_rehash makes): one with the test CA, one with
# the other CA only.
mkdir -p "$P/capath" "$P/capath-other"
cp "$P/ca.pem" "$P/capath/"
cp "$P/otherca.pem" "$P/capath-other/"
pki rehash "$P/capath" "$P/capath-other"

mock_start -n 1 || {
  notok "mock cluster starts"
  exit 1
}

# proxy CERT UPSTREAM [socat options]: a TLS terminator on a free port; sets PROXY_PORT.
proxy() {
  local cert=$1 up=$2 opts=${3:-verify=0} tries port pid
  for tries in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    ss -Hltn "sport = :$port" | grep -q . && continue
    socat "openssl-listen:$port,reuseaddr,fork,cert=$P/$cert.pem,key=$P/$cert.key,$opts" \
      "tcp:$up" 2>>"$T/socat.err" &
    pid=$!
    LW_BG_PIDS+=("$pid")
    if wait_until 5 eval "ss -Hltn 'sport = :$port' | grep -q . || ! kill -0 $pid 2>/dev/null" &&
      kill -0 "$pid" 2>/dev/null; then
      PROXY_PORT=$port
      PROXY_PID=$pid
      return 0
    fi
  done
  return 1
}
proxy_stop() {
  kill "$PROXY_PID" 2>/dev/null
  wait "$PROXY_PID" 2>/dev/null
}

seq_lines 2000 >"$T/in.txt"

# lw_tls HOST TOPIC [produce args...]: produce over TLS to HOST:PROXY_PORT. With LW_EXEC=exec
# (in a background subshell) logwire replaces the subshell, so that $! is logwire's own pid.
lw_tls() {
  local host=$1 topic=$2
  shift 2
  ${LW_EXEC:-} "$LW_BIN" produce -b "$host:$PROXY_PORT" -t "$topic" -X security_protocol=ssl \
    -X connect_to="$MOCK_FIRST=$host:$PROXY_PORT" "$@"
}

# expect_fail NAME PATTERN HOST [produce args...]: logwire names the cause on stderr (it keeps
# retrying with backoff, so it is stopped once the message is there), and not a record reached
# the topic (tls-fail, read directly from the mock cluster).
expect_fail() {
  local name=$1 pattern=$2 host=$3 n
  shift 3
  (LW_EXEC=exec lw_tls "$host" tls-fail -q -f "$T/in.txt" "$@" 2>"$T/err.fail") &
  local pid=$!
  if wait_until 15 grep -q "$pattern" "$T/err.fail"; then
    ok "$name: $(grep -ao "TLS.*" "$T/err.fail" | head -1 | cut -c1-150)"
  else
    notok "$name: expected \"$pattern\"; stderr: $(head -3 "$T/err.fail")"
  fi
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  n=$(kcat_count tls-fail)
  check "$name: nothing reached the topic ($n records)" test "$n" -eq 0
}

# ---- The right certificate ----
mock_cmd "create tls-fail 1 1" || notok "mock: create tls-fail"
proxy good "$MOCK_FIRST" || notok "socat TLS terminator starts: $(tail -2 "$T/socat.err")"
mock_cmd "create tls-ok 3 1"
for host in localhost 127.0.0.1; do
  if lw_tls $host tls-ok -q -f "$T/in.txt" -X ssl_ca_file="$P/ca.pem" 2>"$T/err"; then
    ok "ssl to $host with ssl_ca_file: produce works"
  else
    notok "ssl to $host: $(tail -3 "$T/err")"
  fi
done
kcat_read tls-ok >"$T/got"
seq_report 2000 "$T/got" >/dev/null
# Both runs wrote the same 2000 lines: every line twice.
if [[ $SEQ_MISSING -eq 0 && $SEQ_DUP -eq 2000 && $SEQ_DELIVERED -eq 4000 ]]; then
  ok "kcat reads back every line written over TLS"
else
  notok "kcat read back $SEQ_DELIVERED lines (missing $SEQ_MISSING)"
fi
expect_fail "verification on by default: the system store does not know the test CA" \
  "TLS handshake failed: unknown CA" localhost
# ssl_ca_path: a hashed directory holding the test CA verifies; one without it does not.
mock_cmd "create tls-capath 1 1"
if lw_tls localhost tls-capath -q -f "$T/in.txt" -X ssl_ca_path="$P/capath" 2>"$T/err" &&
  [[ $(kcat_count tls-capath) -eq 2000 ]]; then
  ok "ssl_ca_path with the test CA: produce works"
else
  notok "ssl_ca_path: $(tail -3 "$T/err")"
fi
expect_fail "ssl_ca_path without the test CA: unknown CA" "TLS handshake failed: unknown CA" \
  localhost -X ssl_ca_path="$P/capath-other"
proxy_stop

# ---- Certificates that must be refused ----
proxy good "$MOCK_FIRST" "verify=0,max-version=TLS1.2"
mock_cmd "create tls-12 1 1"
if lw_tls localhost tls-12 -q -f "$T/in.txt" -X ssl_ca_file="$P/ca.pem" 2>"$T/err" &&
  [[ $(kcat_count tls-12) -eq 2000 ]]; then
  ok "a server limited to TLS 1.2: produce works"
else
  notok "TLS 1.2: $(tail -3 "$T/err")"
fi
proxy_stop

proxy foreign "$MOCK_FIRST"
expect_fail "another CA: unknown CA" "TLS handshake failed: unknown CA" localhost \
  -X ssl_ca_file="$P/ca.pem"
# ssl_verify=false: connects anyway, and says so.
mock_cmd "create tls-noverify 1 1"
if lw_tls localhost tls-noverify -f "$T/in.txt" -X ssl_verify=false 2>"$T/err" &&
  grep -q "warning: .*ssl_verify = false: .*NOT verified" "$T/err" &&
  [[ $(kcat_count tls-noverify) -eq 2000 ]]; then
  ok "ssl_verify=false works with an unknown CA and warns"
else
  notok "ssl_verify=false: $(tail -3 "$T/err")"
fi
proxy_stop

proxy wrongname "$MOCK_FIRST"
expect_fail "wrong host name: mismatch named" \
  "TLS handshake failed: host name mismatch: .*not valid for \"localhost\" (it names DNS:wrong.example.net)" \
  localhost -X ssl_ca_file="$P/ca.pem"
expect_fail "reached by an IP address the certificate does not hold" \
  "TLS handshake failed: host name mismatch: .*not valid for \"127.0.0.1\"" 127.0.0.1 \
  -X ssl_ca_file="$P/ca.pem"
proxy_stop

proxy expired "$MOCK_FIRST"
expect_fail "expired certificate" \
  "TLS handshake failed: certificate expired: .*expired on 2020-01-02" localhost \
  -X ssl_ca_file="$P/ca.pem"
proxy_stop

proxy good "$MOCK_FIRST" "verify=0,max-version=TLS1.1"
expect_fail "a server limited to TLS 1.1: protocol version" \
  "TLS handshake failed: protocol version" localhost -X ssl_ca_file="$P/ca.pem"
proxy_stop

PROXY_PORT=${MOCK_FIRST##*:}
expect_fail "a plaintext port" "TLS handshake failed: .*is this port a TLS listener?" 127.0.0.1 \
  -X ssl_ca_file="$P/ca.pem"

# ---- Mutual TLS ----
proxy good "$MOCK_FIRST" "verify=1,cafile=$P/ca.pem"
mock_cmd "create tls-mutual 1 1"
if lw_tls localhost tls-mutual -q -f "$T/in.txt" -X ssl_ca_file="$P/ca.pem" \
  -X ssl_cert_file="$P/client.pem" -X ssl_key_file="$P/client.enc.key" \
  -X ssl_key_password_file="$P/client.pass" 2>"$T/err" &&
  [[ $(kcat_count tls-mutual) -eq 2000 ]]; then
  ok "mutual TLS with a client certificate (encrypted key, ssl_key_password_file)"
else
  notok "mutual TLS: $(tail -3 "$T/err")"
fi
if lw_tls localhost tls-mutual -q -f "$T/in.txt" -X ssl_ca_file="$P/ca.pem" \
  -X ssl_cert_file="$P/client.pem" -X ssl_key_file="$P/client.enc.key" \
  -X ssl_key_password=wrong 2>"$T/err"; then
  notok "a wrong ssl_key_password is refused"
elif grep -q "cannot load the client private key $P/client.enc.key" "$T/err"; then
  ok "a wrong ssl_key_password is refused at start, naming the key file"
else
  notok "wrong ssl_key_password: $(cat "$T/err")"
fi
expect_fail "mutual TLS without a client certificate" "requires a client certificate" localhost \
  -X ssl_ca_file="$P/ca.pem"
proxy_stop

# ---- A broker requiring a client certificate that refuses without an alert ----
# certreqbroker asks for a client certificate and, given none, ends the connection the way a
# JVM broker (ssl.client.auth=required) may: a plain close, or a record where an alert would
# be. In TLS 1.3 logwire's handshake has completed by then. The cause is named, and produce
# (default delivery timeout: 120 s) gives up at once with it.
for ver in 1.3 1.2; do
  for mode in close record; do
    name="client certificate required (TLS $ver, refused by $mode)"
    : >"$T/certreq.log"
    "$LW_TOOLS/certreqbroker" -c "$P/good.pem" -k "$P/good.key" -v $ver -m $mode \
      -L "$T/certreq.log" >"$T/certreq.out" 2>"$T/certreq.err" &
    crpid=$!
    LW_BG_PIDS+=("$crpid")
    if ! wait_until 10 grep -q '^listening=' "$T/certreq.out"; then
      notok "$name: certreqbroker starts: $(cat "$T/certreq.err")"
      continue
    fi
    craddr=$(sed -n 's/^listening=//p' "$T/certreq.out")
    "$LW_BIN" produce -b "$craddr" -t tls-certreq -X security_protocol=ssl \
      -X ssl_ca_file="$P/ca.pem" -f "$T/in.txt" 2>"$T/err.certreq" &
    pid=$!
    LW_BG_PIDS+=("$pid")
    wait_exit 30 "$pid"
    check "$name: the broker refused the session (no certificate)" grep -q '^refused ' "$T/certreq.log"
    check "$name: produce gives up by itself, exit 1" test "$EXIT_RC" -eq 1
    check "$name: the cause is named, with the settings to use" grep -q \
      'TLS handshake failed: the broker requires a client certificate .*set ssl_cert_file and ssl_key_file' \
      "$T/err.certreq"
    check "$name: ... in produce's final words" \
      grep -q '^logwire produce: TLS handshake failed: .*requires a client certificate' "$T/err.certreq"
    kill "$crpid" 2>/dev/null
    wait "$crpid" 2>/dev/null
  done
done

# ---- SASL_SSL with SCRAM-SHA-512: TLS -> saslbroker -> mock ----
"$LW_TOOLS/saslbroker" -u "$MOCK_FIRST" -U alice:alice-secret-1 -L "$T/sasl.log" \
  >"$T/sasl.out" 2>"$T/sasl.err" &
LW_BG_PIDS+=($!)
wait_until 10 grep -q '^listening=' "$T/sasl.out"
proxy good "$(sed -n 's/^listening=//p' "$T/sasl.out")"
mock_cmd "create tls-sasl 3 1"
if lw_tls localhost tls-sasl -q -f "$T/in.txt" -X security_protocol=sasl_ssl \
  -X ssl_ca_file="$P/ca.pem" -X sasl_mechanism=SCRAM-SHA-512 -X sasl_username=alice \
  -X sasl_password=alice-secret-1 2>"$T/err" && [[ $(kcat_count tls-sasl) -eq 2000 ]] &&
  grep -q "auth-ok user=alice mechanism=SCRAM-SHA-512" "$T/sasl.log"; then
  ok "sasl_ssl with SCRAM-SHA-512: 2000 lines through TLS and SASL"
else
  notok "sasl_ssl SCRAM-SHA-512: $(tail -3 "$T/err")"
fi

# The agent, from a configuration file: SASL_SSL, the password from a file, --once.
mkdir -p "$T/agent/logs" "$T/agent/state"
seq_lines 3000 agent >"$T/agent/logs/app.log"
printf 'alice-secret-1\n' >"$T/agent/sasl.pw"
chmod 600 "$T/agent/sasl.pw"
mock_cmd "create tls-agent 3 1"
cat >"$T/agent/logwire.conf" <<EOF
[kafka]
brokers = localhost:$PROXY_PORT
connect_to = $MOCK_FIRST=localhost:$PROXY_PORT
security_protocol = sasl_ssl
ssl_ca_file = $P/ca.pem
sasl_mechanism = SCRAM-SHA-512
sasl_username = alice
sasl_password_file = $T/agent/sasl.pw

[agent]
state_dir = $T/agent/state

[input.app]
paths = $T/agent/logs/*.log
topic = tls-agent
start = beginning
EOF
chmod 600 "$T/agent/logwire.conf"
if timeout 60 "$LW_BIN" run -c "$T/agent/logwire.conf" --once 2>"$T/agent/err"; then
  kcat_read tls-agent >"$T/got"
  seq_report 3000 "$T/got" agent >/dev/null
  if [[ $SEQ_MISSING -eq 0 && $SEQ_DUP -eq 0 ]]; then
    ok "logwire run --once over sasl_ssl with sasl_password_file: 3000 lines delivered"
  else
    notok "agent over sasl_ssl: missing $SEQ_MISSING duplicated $SEQ_DUP"
  fi
else
  notok "agent over sasl_ssl: $(tail -3 "$T/agent/err")"
fi
proxy_stop

exit $FAILED
