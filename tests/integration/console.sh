#!/usr/bin/env bash
# console.sh — `logwire console` against a throwaway etcd (free ports, temp dir), the mock Kafka
# cluster and two real agents: the API's security over curl (login and its throttle, cookies,
# CSRF, roles, 4xx JSON errors, size caps, TLS), then the page in Debian's chromium driven by
# playwright-core (tests/browser/console.test.js). The browser part is skipped, with a message,
# only when Chromium cannot start. Screenshots go to $LW_BUILD/console/.
source "$(dirname "$0")/lib.sh"

ETCD=${ETCD:-$(command -v etcd || echo /usr/bin/etcd)}
[[ -x $ETCD ]] || {
  notok "etcd is installed (scripts/deps.sh installs etcd-server)"
  exit 1
}
SHOT_DIR=${LW_BUILD:-$LW_ROOT/build}/console
mkdir -p "$SHOT_DIR"

# free_port: a port nothing listens on now (the kernel's pick for a socket bound to port 0).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ---- etcd ----
EP=$(free_port)
PP=$(free_port)
ETCD_URL=http://127.0.0.1:$EP
bg "$ETCD" --name console-test --data-dir "$T/etcd" --listen-client-urls "$ETCD_URL" \
  --advertise-client-urls "$ETCD_URL" --listen-peer-urls "http://127.0.0.1:$PP" \
  --initial-advertise-peer-urls "http://127.0.0.1:$PP" \
  --initial-cluster "console-test=http://127.0.0.1:$PP" >"$T/etcd.log" 2>&1
etcd_up() { ETCDCTL_API=3 etcdctl --endpoints "$ETCD_URL" endpoint health >/dev/null 2>&1; }
wait_until 30 etcd_up || {
  notok "etcd starts"
  tail -20 "$T/etcd.log"
  exit 1
}
ectl() { ETCDCTL_API=3 etcdctl --endpoints "$ETCD_URL" "$@"; }

mock_start -n 1 || exit 1

# ---- users: an admin and a read-only viewer (few iterations: the test logs in often) ----
ADMIN_PASS='adm1n-pass'
VIEWER_PASS='v1ewer-pass'
ha=$(echo "$ADMIN_PASS" | "$LW_BIN" console --hash-password --iterations 1000)
hv=$(echo "$VIEWER_PASS" | "$LW_BIN" console --hash-password --iterations 1000)
check "--hash-password prints a PBKDF2-SHA256 hash with its salt" \
  grep -Eq '^pbkdf2-sha256\$1000\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$' <<<"$ha"
check "--hash-password salts each hash" test "$ha" != "$(echo "$ADMIN_PASS" | "$LW_BIN" console --hash-password --iterations 1000)"
printf '# console users\nadmin:%s\nviewer:%s:readonly\n' "$ha" "$hv" >"$T/users"

# ---- two agents, each with its local [kafka] and [etcd]; inputs come from etcd ----
OLD_LOG=$T/logs/old.log NEW_LOG=$T/logs/new.log
mkdir -p "$T/logs"
: >"$OLD_LOG"
: >"$NEW_LOG"
ectl put /logwire/config/web-01 "$(printf '[input.old]\npaths = %s\ntopic = console-old\n' "$OLD_LOG")" >/dev/null
ectl put /logwire/config/web-02 "[{\"path\": \"$OLD_LOG\", \"topic\": \"console-json\"}]" >/dev/null
for h in web-01 web-02; do
  cat >"$T/$h.conf" <<EOF
[kafka]
brokers = $MOCK_BOOTSTRAP
linger_ms = 5

[agent]
state_dir = $T/state-$h

[etcd]
endpoints = $ETCD_URL
prefix = /logwire
host = $h
allowed_paths = $T/logs/**
EOF
  agent_start "$h" "$T/$h.conf"
  declare "PID_${h//-/_}=$AGENT_PID"
done

# ---- the console ----
console_start() { # NAME ARGS...: start it, wait for its port; sets CPORT and CPID
  local name=$1
  shift
  "$LW_BIN" console --etcd "$ETCD_URL" --users "$T/users" --listen 127.0.0.1:0 "$@" \
    >"$T/$name.out" 2>"$T/$name.err" &
  CPID=$!
  LW_BG_PIDS+=("$CPID")
  wait_until 20 grep -q "listening on" "$T/$name.out" || return 1
  CPORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/$name.out")
}
console_start console || {
  notok "the console starts"
  cat "$T/console.err"
  exit 1
}
U=http://127.0.0.1:$CPORT
check "listens on 127.0.0.1 unless told otherwise" \
  bash -c "'$LW_BIN' console --help | grep -q 127.0.0.1:9643"

# req METHOD PATH [curl args...]: prints "STATUS BODY"
req() {
  local m=$1 p=$2
  shift 2
  curl -s -o "$T/body" -w '%{http_code}' -X "$m" -b "$T/jar" -c "$T/jar" "$@" "$U$p"
  printf ' '
  cat "$T/body"
}
json() { req "$@" -H 'Content-Type: application/json'; }

check "the page is served from the binary" bash -c "curl -s '$U/' | grep -q '<title>logwire console</title>'"
check "the script is served with its type" \
  bash -c "curl -sI '$U/app.js' | grep -qi '^content-type: text/javascript'"
r=$(req GET /api/agents)
check "the API needs a session (401 JSON)" grep -q '^401 {"error":' <<<"$r"
r=$(json POST /api/login -d '{"user":"admin","password":"wrong"}')
check "a wrong password: 401" grep -q '^401 ' <<<"$r"
r=$(json POST /api/login -d '{"user":"nobody","password":"wrong"}')
check "an unknown user: the same 401" grep -q '^401 {"error":"wrong user name or password"}' <<<"$r"
r=$(json POST /api/login -d "{\"user\":\"admin\",\"password\":\"$ADMIN_PASS\"}" -D "$T/hdr")
check "the right password: 200 with a CSRF token" grep -q '^200 .*"csrf":"' <<<"$r"
check "the session cookie is HttpOnly and SameSite=Strict (no Secure without TLS)" \
  grep -Eq '^Set-Cookie: lw_session=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict.?$' "$T/hdr"
CSRF=$(sed -n 's/.*"csrf":"\([^"]*\)".*/\1/p' <<<"$r")
check "the agents' state is served" bash -c "[[ \$(curl -s -b '$T/jar' '$U/api/agents') == *'\"agents\":'* ]]"

cur=$(req GET /api/config/web-01)
rev=$(sed -n 's/.*"mod_revision":\([0-9]*\).*/\1/p' <<<"$cur")
r=$(json PUT /api/config/web-01 -d "{\"value\":\"\",\"mod_revision\":$rev}")
check "a write without the CSRF token: 403" grep -q '^403 .*CSRF' <<<"$r"
r=$(req PUT /api/config/web-01 -H "X-CSRF-Token: $CSRF" -H 'Content-Type: text/plain' -d 'x')
check "a write that is not JSON: 415" grep -q '^415 ' <<<"$r"
r=$(json PUT /api/config/web-01 -H "X-CSRF-Token: $CSRF" -H 'Origin: http://evil.example' -d '{}')
check "a write from another origin: 403" grep -q '^403 .*cross-origin' <<<"$r"
r=$(json PUT /api/config/web-01 -H "X-CSRF-Token: $CSRF" -d '{"value": 5}')
check "a malformed body: 400 JSON" grep -q '^400 {"error":' <<<"$r"
r=$(json PUT '/api/config/a%2fb' -H "X-CSRF-Token: $CSRF" -d '{}')
check "a bad host name: 400" grep -q '^400 ' <<<"$r"
r=$(json PUT /api/config/web-01 -H "X-CSRF-Token: $CSRF" \
  -d "{\"value\":\"[input.x]\\npaths = $T/logs/x.log\\ntopic = t\\nbogus = 1\\n\",\"mod_revision\":$rev}")
check "an invalid config: 422 with the errors at their lines" grep -q '^422 .*"line":4' <<<"$r"
check "  ...and nothing written" bash -c "[[ \$(ETCDCTL_API=3 etcdctl --endpoints $ETCD_URL get --print-value-only /logwire/config/web-01) != *bogus* ]]"
r=$(json PUT /api/config/web-01 -H "X-CSRF-Token: $CSRF" \
  -d "{\"value\":\"[input.x]\\npaths = $T/logs/x.log\\ntopic = t\\n\",\"mod_revision\":1}")
check "a write against an old revision: 409 with the current one" grep -q "^409 .*\"current_revision\":$rev" <<<"$r"
head -c 300000 /dev/zero | tr '\0' 'a' | sed 's/^/{"value":"/; s/$/"}/' >"$T/big.json"
r=$(json PUT /api/config/web-01 -H "X-CSRF-Token: $CSRF" --data-binary @"$T/big.json")
check "a body over the cap: 413" grep -q '^413 ' <<<"$r"
r=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' 'b')" "$U/")
check "a head over the cap: 431" test "$r" = 431
r=$(python3 -c "
import socket; s=socket.create_connection(('127.0.0.1', $CPORT)); s.sendall(b'GARBAGE\r\n\r\n')
print(s.recv(100).decode(errors='replace').splitlines()[0])")
check "a malformed request: 400" grep -q '^HTTP/1.1 400' <<<"$r"
check "the console still serves after all that" bash -c "curl -s '$U/' | grep -q 'logwire console'"

# Secrets stay on the server.
ectl put /logwire/config/sec "$(printf '[input.s]\npaths = %s/logs/s.log\ntopic = s\nsasl_password = pw-SECRET-456\n' "$T")" >/dev/null
r=$(req GET /api/config/sec)
check "a password in a config is never sent to the browser" \
  bash -c "grep -qF 'sasl_password = ********' <<<'$r' && ! grep -q SECRET <<<'$r'"

# The viewer can read but not write.
VJ=$T/vjar
vr=$(curl -s -c "$VJ" -H 'Content-Type: application/json' -d "{\"user\":\"viewer\",\"password\":\"$VIEWER_PASS\"}" "$U/api/login")
VCSRF=$(sed -n 's/.*"csrf":"\([^"]*\)".*/\1/p' <<<"$vr")
check "a read-only user reads" bash -c "curl -s -b '$VJ' '$U/api/config/web-01' | grep -q mod_revision"
r=$(curl -s -w ' %{http_code}' -b "$VJ" -X DELETE -H "X-CSRF-Token: $VCSRF" "$U/api/config/web-01?mod_revision=$rev")
check "a read-only user cannot write: 403" grep -q 'read-only.* 403$' <<<"$r"

# ---- console.conf ----
printf '[console]\nlisten = 127.0.0.1:0\nusers_file = %s\nbogus = 1\n[etcd]\nendpoints = %s\n' \
  "$T/users" "$ETCD_URL" >"$T/bad.conf"
out=$("$LW_BIN" console -c "$T/bad.conf" 2>&1)
rc=$?
check "console.conf: an unknown key is refused at its line (exit 2)" \
  bash -c "[[ $rc -eq 2 && '$out' == *'bad.conf:4: bogus: unknown key in [console]'* ]]"
printf '[console]\nlisten = 127.0.0.1:0\nusers_file = %s\n[etcd]\nendpoints = %s\n' \
  "$T/users" "$ETCD_URL" >"$T/good.conf"
"$LW_BIN" console -c "$T/good.conf" >"$T/conf.out" 2>&1 &
LW_BG_PIDS+=($!)
check "console.conf: [console] and [etcd] are enough to start" wait_until 20 grep -q "listening on" "$T/conf.out"
kill $! 2>/dev/null

# ---- TLS: a certificate makes it serve HTTPS with a Secure cookie ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 \
  -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
if console_start tlsconsole --cert "$T/cert.pem" --key "$T/key.pem"; then
  TU=https://127.0.0.1:$CPORT
  check "TLS: the page over HTTPS" bash -c "curl -s --cacert '$T/cert.pem' '$TU/' | grep -q 'logwire console'"
  curl -s --cacert "$T/cert.pem" -D "$T/thdr" -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"user\":\"viewer\",\"password\":\"$VIEWER_PASS\"}" "$TU/api/login"
  check "TLS: the cookie is Secure" grep -q '^Set-Cookie: lw_session=.*; Secure' "$T/thdr"
  check "TLS: plain HTTP on the TLS port gets no page" bash -c "! curl -s -m 5 'http://127.0.0.1:$CPORT/' | grep -q console"
  # Login attempts are rate-limited per address (on this console: the other one serves the browser).
  for i in 1 2 3 4 5 6; do
    r=$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' -d '{"user":"admin","password":"x"}' --cacert "$T/cert.pem" "$TU/api/login")
  done
  check "login attempts are rate-limited (429)" grep -q ' 429$' <<<"$r"
  r=$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' -d "{\"user\":\"admin\",\"password\":\"$ADMIN_PASS\"}" --cacert "$T/cert.pem" "$TU/api/login")
  check "  ...even with the right password while held" grep -q ' 429$' <<<"$r"
  kill "$CPID" 2>/dev/null
else
  notok "TLS: the console starts with a certificate"
  cat "$T/tlsconsole.err"
fi

# ---- the browser ----
if [[ ! -d $LW_ROOT/tests/browser/node_modules/playwright-core ]]; then
  echo "skip - browser tests: playwright-core is not installed (scripts/deps.sh runs npm ci in tests/browser)"
else
  CONSOLE_URL=$U/ SHOT_DIR=$SHOT_DIR ADMIN_USER=admin ADMIN_PASS=$ADMIN_PASS VIEWER_USER=viewer \
    VIEWER_PASS=$VIEWER_PASS HOST1=web-01 HOST2=web-02 NEW_LOG=$NEW_LOG NEW_TOPIC=console-new \
    MOCK_BOOTSTRAP=$MOCK_BOOTSTRAP HOST2_PID=$PID_web_02 NODE_PATH=$LW_ROOT/tests/browser/node_modules \
    timeout 300 node "$LW_ROOT/tests/browser/console.test.js"
  rc=$?
  if [[ $rc -eq 77 ]]; then
    echo "skip - browser tests: Chromium cannot start (see the line above)"
  elif [[ $rc -ne 0 ]]; then
    FAILED=1
    echo "---- console stderr ----"
    tail -30 "$T/console.err"
    for h in web-01 web-02; do
      echo "---- $h ----"
      tail -15 "$T/$h.log"
    done
  fi
fi
exit $FAILED
