#!/usr/bin/env bash
# demo.sh BUILD — logwire on this machine, start to finish: a local mock Kafka cluster
# (librdkafka's, test-only), a sample log being written, `logwire run` shipping it, the records
# read back with `logwire consume`, and the agent's statistics. It stops by itself after
# DEMO_SECONDS (default 20; 0: until Ctrl-C); Ctrl-C stops everything it started earlier.
set -uo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/$build/logwire
tools=$root/$build/tools
dir=$(mktemp -d /tmp/logwire-demo.XXXXXX)
pids=()

stop() {
  trap - INT TERM EXIT
  echo
  echo "== stopping"
  [[ -n ${agent:-} ]] && kill -TERM "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  echo "   agent, writer and mock cluster stopped; agent log: $dir/agent.log"
  exit 0
}
trap stop INT TERM EXIT

bold() { printf '\033[1m%s\033[0m\n' "$*"; }

bold "== 1. a local Kafka: librdkafka's mock cluster, 3 brokers (test-only; logwire never links it)"
mkfifo "$dir/mock.in"
"$tools/mockcluster" -n 3 -t web_log:3:3 -t sys_metrics:1:3 <"$dir/mock.in" >"$dir/mock.out" 2>&1 &
pids+=($!)
exec 3>"$dir/mock.in"
for _ in $(seq 100); do grep -q bootstrap= "$dir/mock.out" && break; sleep 0.05; done
brokers=$(sed -n 's/^bootstrap=//p' "$dir/mock.out")
[[ -n $brokers ]] || { echo "the mock cluster did not start"; exit 1; }
echo "   brokers: $brokers"
"$bin" metadata -b "$brokers" | sed 's/^/   /'

bold "== 2. a sample web server log, appended to as we go"
mkdir -p "$dir/logs"
(
  i=0
  paths=(/ /index.html /api/v1/items /api/v1/items/42 /login /static/app.js /health)
  codes=(200 200 200 304 200 404 500)
  while :; do
    i=$((i + 1))
    printf '127.0.0.%d - - [%s] "GET %s HTTP/1.1" %s %d "-" "curl/7.88" rt=%d.%03d\n' \
      $((i % 250 + 1)) "$(date -u +%d/%b/%Y:%H:%M:%S)" "${paths[i % 7]}" "${codes[i % 7]}" \
      $((i * 37 % 5000)) $((i % 3)) $((i * 7 % 1000)) >>"$dir/logs/access.log"
    sleep 0.05
  done
) &
pids+=($!)
echo "   $dir/logs/access.log (20 lines a second)"

bold "== 3. the agent: logwire run -c $dir/logwire.conf"
port=9642
(exec 9<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && port=19642 # 9642 taken: use another
cat >"$dir/logwire.conf" <<EOF
[kafka]
brokers = $brokers
acks = all
compression = lz4
linger_ms = 5

[agent]
state_dir = $dir/state
http = 127.0.0.1:$port
log_level = info

[input.web]
paths = $dir/logs/*.log
topic = web_log
start = beginning
format = json
key = none
headers = host,path

[sys]
topic = sys_metrics
interval_s = 2
EOF
sed 's/^/   /' "$dir/logwire.conf"
"$bin" run -c "$dir/logwire.conf" 2>"$dir/agent.log" &
agent=$!
for _ in $(seq 200); do
  "$bin" stats --raw -a "127.0.0.1:$port" 2>/dev/null | grep -q '"lines_acked":[1-9]' && break
  sleep 0.05
done

bold "== 4. read back from Kafka: logwire consume -b ... -t web_log -o -2 -e (last 2 per partition)"
# Records without a key spread over the 3 partitions: wait until each has some.
for _ in $(seq 100); do
  (($("$bin" consume -q -b "$brokers" -t web_log -p 0 -o -1 -e 2>/dev/null | wc -l) > 0)) &&
    (($("$bin" consume -q -b "$brokers" -t web_log -p 2 -o -1 -e 2>/dev/null | wc -l) > 0)) && break
  sleep 0.1
done
for p in 0 1 2; do
  echo "   partition $p:"
  "$bin" consume -q -b "$brokers" -t web_log -p $p -o -2 -e | sed 's/^/     /'
done
bold "   and the Sys Agent's first sample (topic sys_metrics, one every 2 s):"
for _ in $(seq 100); do
  "$bin" stats --raw -a "127.0.0.1:$port" 2>/dev/null | grep -q '"samples_sent":[1-9]' && break
  sleep 0.1
done
"$bin" consume -q -b "$brokers" -t sys_metrics -o -1 -e | sed 's/^/   /'

bold "== 5. the agent's statistics: logwire stats -a 127.0.0.1:$port"
"$bin" stats -a "127.0.0.1:$port" | sed 's/^/   /'
echo "   (Prometheus: curl http://127.0.0.1:$port/metrics ; the agent's log: $dir/agent.log)"

secs=${DEMO_SECONDS:-20}
if ((secs > 0)); then
  bold "== 6. shipping continues for $secs s (DEMO_SECONDS=0: until Ctrl-C); Ctrl-C stops it now"
else
  bold "== 6. shipping continues; Ctrl-C stops the agent, the writer and the cluster"
  secs=1000000000
fi
end=$((SECONDS + secs))
while ((SECONDS < end)); do
  sleep 2
  kill -0 "$agent" 2>/dev/null || { echo "   the agent exited: see $dir/agent.log"; break; }
  s=$("$bin" stats --raw -a "127.0.0.1:$port" 2>/dev/null)
  read -r acked lag p99 < <(sed -E 's/.*"lines_acked":([0-9]+).*"lag_bytes":([0-9]+).*"p99":([0-9]+).*/\1 \2 \3/' <<<"$s")
  printf '   %s  lines delivered: %s  lag: %s bytes  p99 read-to-ack: %s us\n' \
    "$(date +%T)" "${acked:-?}" "${lag:-?}" "${p99:-?}"
done
