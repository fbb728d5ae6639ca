#!/usr/bin/env bash
# capture-etcd-fixtures.sh — development tool (not run by `make check`): start a throwaway
# etcd on loopback (free ports, a temporary data dir), send it the gateway requests logwire
# sends, and store each raw HTTP/1.1 answer (head and body, chunked framing kept: curl --raw)
# as a golden fixture for tests/unit/test_etcd_msg.c and the fuzz seeds.
#
#   scripts/capture-etcd-fixtures.sh [OUTDIR]      (default tests/fixtures/etcd-3.4)
#
# Needs etcd, etcdctl, curl and python3. Keys and values are base64 ("/logwire/config/web-1"
# and a small INI text), as proto3 JSON writes bytes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/tests/fixtures/etcd-3.4}
mkdir -p "$out"
work=$(mktemp -d /tmp/lw-etcdfx.XXXXXX)
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cp=$(port) pp=$(port)
E=http://127.0.0.1:$cp
etcd --name fx --data-dir "$work/data" --listen-client-urls "$E" --advertise-client-urls "$E" \
  --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
  --initial-cluster "fx=http://127.0.0.1:$pp" >"$work/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do etcdctl --endpoints "$E" endpoint health >/dev/null 2>&1 && break; sleep 0.1; done

b64() { printf '%s' "$1" | base64 -w0; }
K=$(b64 /logwire/config/web-1) ALL=$(b64 /logwire/config/_all)
V=$(b64 $'[input.app]\npaths = /var/log/app/*.log\ntopic = app\n')
# post NAME PATH BODY: one unary call.
post() { curl -s -i --raw -X POST "$E$2" -H 'Content-Type: application/json' -d "$3" >"$out/$1.http"; }
# stream NAME PATH BODY SECONDS [ACTION...]: a streaming call kept open SECONDS while ACTION runs.
stream() {
  local name=$1 path=$2 body=$3 secs=$4
  shift 4
  curl -s -i --raw --max-time "$secs" -X POST "$E$path" -d "$body" >"$out/$name.http" &
  local c=$!
  sleep 0.5
  "$@"
  wait $c || true
}

post put "/v3/kv/put" "{\"key\":\"$K\",\"value\":\"$V\"}"
post range-found "/v3/kv/range" "{\"key\":\"$K\"}"
post range-missing "/v3/kv/range" "{\"key\":\"$(b64 /logwire/config/nobody)\"}"
post range-prefix-keys "/v3/kv/range" \
  "{\"key\":\"$(b64 /logwire/config/)\",\"range_end\":\"$(b64 /logwire/config0)\",\"keys_only\":true}"
post txn-multi-get "/v3/kv/txn" \
  "{\"success\":[{\"request_range\":{\"key\":\"$ALL\"}},{\"request_range\":{\"key\":\"$K\"}}]}"
rev=$(etcdctl --endpoints "$E" get /logwire/config/web-1 -w json | grep -o '"mod_revision":[0-9]*' | cut -d: -f2)
cas() {
  printf '{"compare":[{"key":"%s","target":"MOD","result":"EQUAL","mod_revision":"%s"}],' "$K" "$1"
  printf '"success":[{"request_put":{"key":"%s","value":"%s"}}],' "$K" "$V"
  printf '"failure":[{"request_range":{"key":"%s"}}]}' "$K"
}
post txn-cas-ok "/v3/kv/txn" "$(cas "$rev")"
post txn-cas-failed "/v3/kv/txn" "$(cas "$rev")"
post deleterange "/v3/kv/deleterange" "{\"key\":\"$(b64 /logwire/config/gone)\"}"
post lease-grant "/v3/lease/grant" '{"TTL":"15"}'
lease=$(grep -o '"ID":"[0-9]*"' "$out/lease-grant.http" | cut -d'"' -f4)
post lease-keepalive "/v3/lease/keepalive" "{\"ID\":\"$lease\"}"
post lease-keepalive-unknown "/v3/lease/keepalive" '{"ID":"12345"}'
post put-unknown-lease "/v3/kv/put" "{\"key\":\"$K\",\"value\":\"$V\",\"lease\":\"12345\"}"
post bad-json "/v3/kv/range" '{"key":1'
now=$(etcdctl --endpoints "$E" get /logwire/config/web-1 -w json | grep -o '"revision":[0-9]*' | head -1 | cut -d: -f2)
changes() {
  etcdctl --endpoints "$E" put /logwire/config/web-1 $'[input.app]\npaths = /var/log/app2/*.log\ntopic = app\n' >/dev/null
  etcdctl --endpoints "$E" del /logwire/config/web-1 >/dev/null
}
stream watch-events "/v3/watch" \
  "{\"create_request\":{\"key\":\"$ALL\",\"start_revision\":\"$((now + 1))\"}}{\"create_request\":{\"key\":\"$K\",\"start_revision\":\"$((now + 1))\"}}" 2 changes
etcdctl --endpoints "$E" compaction "$((now + 2))" >/dev/null
stream watch-compacted "/v3/watch" "{\"create_request\":{\"key\":\"$K\",\"start_revision\":\"2\"}}" 1 true
# Authentication: a user, auth on, a token, a wrong password, a call without a token.
etcdctl --endpoints "$E" user add root:rootpw >/dev/null
etcdctl --endpoints "$E" role add root >/dev/null
etcdctl --endpoints "$E" user grant-role root root >/dev/null
etcdctl --endpoints "$E" auth enable >/dev/null
post auth-token "/v3/auth/authenticate" '{"name":"root","password":"rootpw"}'
post auth-failed "/v3/auth/authenticate" '{"name":"root","password":"wrong"}'
post range-no-token "/v3/kv/range" "{\"key\":\"$K\"}"
etcd --version | head -1 >"$out/VERSION"
ls "$out"
