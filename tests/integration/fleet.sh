#!/usr/bin/env bash
# fleet.sh — the configuration kept in etcd, against a real etcd 3.4 started here (free ports,
# a temporary data dir, killed at the end) and the mock Kafka cluster: the tutorial JSON
# layout written with etcdctl ships its file; `logwire fleet put` adds an input and removes
# another without a restart; an invalid value is refused, the agent keeps running and its
# status key says why; etcd restarted under a watch; the agent restarted while etcd is down
# runs from its cache; TLS and username/password; the status key vanishes after SIGKILL.
#
# LW_PARTS="tutorial put" runs only some parts (all by default).
source "$(dirname "$0")/lib.sh"

PARTS=${LW_PARTS:-tutorial put invalid inputerr restart cache kill tls}
want() { [[ " $PARTS " == *" $1 "* ]]; }
command -v etcd >/dev/null || {
  notok "etcd is not installed (scripts/deps.sh installs etcd-server)"
  exit 1
}
mock_start -n 1 || exit 1

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

ETCD_PID=
# etcd_start NAME [extra etcd flags...]: start (or restart, same ports and data) etcd NAME.
# Sets ETCD_URL. Scheme from ETCD_SCHEME (http or https).
etcd_start() {
  local name=$1
  shift
  local dir=$T/etcd-$name scheme=${ETCD_SCHEME:-http}
  mkdir -p "$dir"
  [[ -f $dir/ports ]] || echo "$(free_port) $(free_port)" >"$dir/ports"
  read -r cport pport <"$dir/ports"
  ETCD_URL=$scheme://127.0.0.1:$cport
  etcd --name "$name" --data-dir "$dir/data" \
    --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
    --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
    --initial-cluster "$name=http://127.0.0.1:$pport" "$@" >>"$dir/log" 2>&1 &
  ETCD_PID=$!
  LW_BG_PIDS+=("$ETCD_PID")
  wait_until 30 etcd_healthy || {
    echo "etcd did not start: $(tail -5 "$dir/log")" >&2
    return 1
  }
}
etcd_healthy() { etcdctl --endpoints "$ETCD_URL" ${ETCDCTL_FLAGS:-} endpoint health >/dev/null 2>&1; }
etcd_stop() {
  kill "$ETCD_PID" 2>/dev/null
  wait "$ETCD_PID" 2>/dev/null
}
ectl() { etcdctl --endpoints "$ETCD_URL" ${ETCDCTL_FLAGS:-} "$@"; }
fleet() { "$LW_BIN" fleet --etcd "$ETCD_URL" --prefix /lwtest ${FLEET_FLAGS:-} "$@"; }

# conf NAME HOST [etcd keys...]: an agent config with the [etcd] section.
conf() {
  local name=$1 host=$2
  shift 2
  mkdir -p "$T/$name"
  {
    printf '[kafka]\nbrokers = %s\nlinger_ms = 5\n' "$MOCK_BOOTSTRAP"
    printf '[agent]\nstate_dir = %s/%s/state\nhttp = 127.0.0.1:0\n' "$T" "$name"
    printf '[etcd]\nendpoints = %s\nprefix = /lwtest\nhost = %s\nallowed_paths = %s/**\n' \
      "$ETCD_URL" "$host" "$T"
    local k
    for k in "$@"; do echo "$k"; done
  } >"$T/$name.conf"
}

# input NAME TOPIC PATH: an input section (start at the beginning).
input() { printf '[input.%s]\npaths = %s\ntopic = %s\nstart = beginning\n\n' "$1" "$3" "$2"; }
count_ge() { (($(kcat_count "$1") >= $2)); }
status_has() { ectl get "/lwtest/agents/$1" --print-value-only 2>/dev/null | grep -q "$2"; }
status_gone() { [[ -z $(ectl get "/lwtest/agents/$1" --print-value-only 2>/dev/null) ]]; }
logged() { grep -q "$2" "$T/$1.log"; }

etcd_start main || exit 1

# ---- the tutorial JSON layout, written with etcdctl ----
if want tutorial; then
  : >"$T/tut.log"
  ectl put /logagent/tut-host/collect_config "[{\"path\":\"$T/tut.log\",\"topic\":\"fleet-tut\"}]" >/dev/null
  # The first endpoint answers nothing: failover in order reaches the second.
  dead=http://127.0.0.1:$(free_port)
  ETCD_URL="$dead, $ETCD_URL" conf tut tut-host 'config_key = /logagent/{host}/collect_config'
  agent_start tut "$T/tut.conf"
  # The JSON layout has no start option: a file seen for the first time is read from its end.
  wait_until 30 logged tut 'msg="input started".*topic=fleet-tut' || notok "tutorial layout: input started"
  seq_lines 50 tut >>"$T/tut.log"
  check "tutorial layout: the file listed in the JSON key ships" wait_until 30 count_ge fleet-tut 50
  kill "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
fi

# ---- fleet put: an input added, another removed, no restart ----
if want put || want invalid || want inputerr || want restart || want cache || want kill; then
  input a fleet-a "$T/a.log" >"$T/cfg1.conf"
  out=$(fleet put web-1 "$T/cfg1.conf" 2>&1)
  check "fleet put: written" grep -q "web-1: written at revision" <<<"$out"
  seq_lines 20 a >"$T/a.log"
  conf web web-1
  agent_start web "$T/web.conf"
  WEB_PID=$AGENT_PID
  check "fleet put: the input from etcd ships" wait_until 30 count_ge fleet-a 20
  check "status key written under the lease" wait_until 30 status_has web-1 '"config_revision"'
  out=$(fleet status 2>&1)
  check "fleet status: a table row for the live agent" grep -q "^web-1 " <<<"$out"
  out=$(fleet ls 2>&1)
  check "fleet ls: web-1 has a config and is live" grep -Eq "^web-1 +yes +live" <<<"$out"
  out=$(fleet get web-1 2>/dev/null)
  check "fleet get: the text written" grep -q "topic = fleet-a" <<<"$out"

  input b fleet-b "$T/b.log" >"$T/cfg2.conf"
  seq_lines 30 b >"$T/b.log"
  fleet put web-1 "$T/cfg2.conf" >/dev/null 2>&1
  check "fleet put: the new input's lines arrive" wait_until 30 count_ge fleet-b 30
  check "fleet put: the old input is removed" wait_until 20 logged web 'msg="input removed".*input=a'
  check "fleet put: applied without a restart" kill -0 "$WEB_PID"
  rev=$(ectl get /lwtest/config/web-1 -w json | grep -o '"mod_revision":[0-9]*' | cut -d: -f2)
  check "status: the applied revision is the one written" wait_until 20 status_has web-1 "\"config_revision\":$rev"
fi

# ---- invalid values ----
if want invalid; then
  printf '[input.bad]\npaths = %s/x.log\n' "$T" >"$T/bad.conf"
  out=$(fleet put web-1 "$T/bad.conf" 2>&1)
  rc=$?
  check "fleet put: an invalid config exits 2" test $rc -eq 2
  check "fleet put: HOST:LINE: KEY: PROBLEM" grep -q "^web-1:1: topic: required key missing" <<<"$out"
  check "fleet put: nothing was written" test "$(fleet get web-1 2>/dev/null | grep -c fleet-b)" -eq 1
  # A value etcd accepts but the agent must refuse: a path outside allowed_paths.
  printf '[input.shadow]\npaths = /etc/shadow\ntopic = stolen\n' | ectl put /lwtest/config/web-1 >/dev/null
  badrev=$(ectl get /lwtest/config/web-1 -w json | grep -o '"mod_revision":[0-9]*' | cut -d: -f2)
  check "invalid value: refused, logged with key and revision" \
    wait_until 20 logged web "configuration from etcd refused.*revision=$badrev.*key=/lwtest/config/web-1"
  check "invalid value: the status key carries the error" wait_until 20 status_has web-1 "outside \[etcd\] allowed_paths"
  check "invalid value: the agent keeps running" kill -0 "$WEB_PID"
  seq_lines 30 b2 >>"$T/b.log"
  check "invalid value: the running inputs keep shipping" wait_until 30 count_ge fleet-b 60
  fleet put web-1 "$T/cfg2.conf" >/dev/null 2>&1
  check "a valid value afterwards clears the error" wait_until 20 status_has web-1 '"config_error":null'
fi

# ---- an input's last error in the status key ----
if want inputerr; then
  # A topic the cluster refuses: the input's delivery failures show in its status entry.
  mock_cmd "topicerr fleet-denied 29"
  { cat "$T/cfg2.conf"; input denied fleet-denied "$T/denied.log"; } >"$T/cfg3.conf"
  seq_lines 5 d >"$T/denied.log"
  fleet put web-1 "$T/cfg3.conf" >/dev/null 2>&1
  check "input error: the status key carries the input's last error and its time" \
    wait_until 40 status_has web-1 '"name":"denied"[^}]*"last_error":"delivery failed: [A-Z_]\+","last_error_time":"20'
  check "input error: the healthy input has none" status_has web-1 '"name":"b"[^}]*"last_error":"","last_error_time":null'
  fleet put web-1 "$T/cfg2.conf" >/dev/null 2>&1
fi

# ---- edit, history, rollback ----
if want put; then
  printf '#!/bin/sh\nsed -i "s/fleet-b/fleet-e/" "$1"\n' >"$T/editor.sh"
  chmod +x "$T/editor.sh"
  before=$(ectl get /lwtest/config/web-1 -w json | grep -o '"mod_revision":[0-9]*' | cut -d: -f2)
  out=$(EDITOR=$T/editor.sh fleet edit web-1 2>&1)
  check "fleet edit: the edited text is written" grep -q "topic = fleet-e" <<<"$(fleet get web-1 2>/dev/null)"
  printf '#!/bin/sh\nsed -i "s/^topic.*//" "$1"\n' >"$T/bad-editor.sh"
  chmod +x "$T/bad-editor.sh"
  out=$(EDITOR=$T/bad-editor.sh fleet edit web-1 2>&1)
  rc=$?
  check "fleet edit: an invalid edit is refused (exit 2)" test $rc -eq 2
  out=$(fleet history web-1 2>&1)
  check "fleet history: lists the earlier revision" grep -q "^$before " <<<"$out"
  out=$(fleet rollback web-1 "$before" 2>&1)
  check "fleet rollback: writes the old text back" grep -q "topic = fleet-b" <<<"$(fleet get web-1 2>/dev/null)"
  # Compare-and-swap: another writer changes the key while the editor is open.
  printf '#!/bin/sh\nprintf "[input.b]\\npaths = %s/b.log\\ntopic = fleet-x\\n" | %s\nsed -i "s/fleet-b/fleet-y/" "$1"\n' \
    "$T" "etcdctl --endpoints $ETCD_URL put /lwtest/config/web-1" >"$T/race-editor.sh"
  chmod +x "$T/race-editor.sh"
  out=$(EDITOR=$T/race-editor.sh fleet edit web-1 2>&1)
  rc=$?
  check "fleet edit: a concurrent change is not overwritten (exit 1)" test $rc -eq 1
  check "fleet edit: says someone else changed it" grep -q "changed by someone else" <<<"$out"
  check "fleet edit: the other writer's value stays" grep -q "topic = fleet-x" <<<"$(fleet get web-1 2>/dev/null)"
  fleet put web-1 "$T/cfg2.conf" >/dev/null 2>&1
fi

# ---- etcd restarted under the watch ----
if want restart; then
  etcd_stop
  etcd_start main || exit 1
  input c fleet-c "$T/c.log" >"$T/cfg3.conf"
  seq_lines 10 c >"$T/c.log"
  out=$(fleet put web-1 "$T/cfg3.conf" 2>&1)
  check "etcd restarted: the change after it is applied" wait_until 40 count_ge fleet-c 10
  check "etcd restarted: one warning for the whole outage" test "$(grep -c 'etcd unreachable' "$T/web.log")" -eq 1
  check "etcd restarted: one line when it answers again" wait_until 20 logged web 'etcd reachable again'
fi

# ---- the agent restarted while etcd is down runs from its cache ----
if want cache; then
  input d fleet-d "$T/d.log" >"$T/cfg4.conf"
  seq_lines 10 d >"$T/d.log"
  fleet put web-1 "$T/cfg4.conf" >/dev/null 2>&1
  wait_until 30 count_ge fleet-d 10 || notok "cache: the input shipped before the restart"
  kill "$WEB_PID"
  wait_exit 20 "$WEB_PID"
  etcd_stop
  seq_lines 10 d2 >>"$T/d.log"
  agent_start web "$T/web.conf"
  WEB_PID=$AGENT_PID
  check "etcd down: the agent starts from its cache" wait_until 20 logged web 'taken from the cache'
  check "etcd down: the cached input ships" wait_until 30 count_ge fleet-d 20
  etcd_start main || exit 1
  check "etcd back: the status key appears again" wait_until 40 status_has web-1 '"config_revision"'
fi

# ---- SIGKILL: the lease expires and the status key goes ----
if want kill; then
  wait_until 30 status_has web-1 '"config_revision"' || true
  kill -9 "$WEB_PID"
  wait "$WEB_PID" 2>/dev/null
  check "SIGKILL: the status key vanishes when the lease expires" wait_until 40 status_gone web-1
fi

# ---- TLS and username/password ----
if want tls; then
  d=$T/pki
  mkdir -p "$d"
  (
    cd "$d" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout ca.key -out ca.pem
    openssl req -newkey rsa:2048 -nodes -subj /CN=etcd -keyout server.key -out server.csr
    printf 'subjectAltName=IP:127.0.0.1\n' >ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile ext -out server.pem
  ) >/dev/null 2>&1
  ETCD_SCHEME=https ETCDCTL_FLAGS="--cacert $d/ca.pem" etcd_start secure \
    --cert-file "$d/server.pem" --key-file "$d/server.key" || exit 1
  export ETCDCTL_FLAGS="--cacert $d/ca.pem"
  ectl user add root:rootpw >/dev/null 2>&1
  ectl role add root >/dev/null 2>&1
  ectl user grant-role root root >/dev/null 2>&1
  ectl auth enable >/dev/null 2>&1 || notok "TLS + auth: etcd auth enabled"
  out=$(etcdctl --endpoints "$ETCD_URL" --cacert "$d/ca.pem" get /x 2>&1)
  check "TLS + auth: etcd refuses a client without a user" grep -q "user name is empty" <<<"$out"
  ETCDCTL_FLAGS="--cacert $d/ca.pem --user root:rootpw"
  FLEET_FLAGS="--ca-file $d/ca.pem --user root:rootpw"
  input s fleet-s "$T/s.log" >"$T/cfgs.conf"
  seq_lines 15 s >"$T/s.log"
  out=$(fleet put sec-1 "$T/cfgs.conf" 2>&1)
  check "TLS + auth: fleet put through https with a user" grep -q "written at revision" <<<"$out"
  out=$(FLEET_FLAGS="--ca-file $d/ca.pem --user root:wrong" fleet get sec-1 2>&1)
  check "TLS + auth: a wrong password is refused" grep -qi "authentication" <<<"$out"
  conf sec sec-1 "ca_file = $d/ca.pem" 'username = root' 'password = rootpw'
  agent_start sec "$T/sec.conf"
  check "TLS + auth: the agent reads its inputs and ships" wait_until 30 count_ge fleet-s 15
  check "TLS + auth: the agent's status key is written" wait_until 30 status_has sec-1 '"config_revision"'
  kill "$AGENT_PID"
  wait_exit 20 "$AGENT_PID"
fi

etcd_stop
exit $FAILED
