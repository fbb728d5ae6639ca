#!/usr/bin/env bash
# bench-fleet.sh BUILD OUTDIR — `make bench` section "fleet" (also runnable alone with a mock
# cluster: scripts/bench.sh BUILD with BENCH_SECTIONS=fleet). BENCH_AGENTS agents (default
# 100) on this machine watch one throwaway etcd; BENCH_FLEET_PUTS times (default 5),
# `logwire fleet put _all` writes a changed configuration and the time until each agent's
# status key shows that revision applied is recorded: p50/p99 over every agent and put, and
# etcd's CPU over the puts and over 30 s of idle fleet. Then the extra RSS an agent carries
# with [etcd] on: the same agent with and without it. Reported, never asserted.
set -uo pipefail
build=${1:-build}
out=${2:-build/bench}/fleet
root=$(cd "$(dirname "$0")/.." && pwd)
export LW_ROOT=$root LW_BIN=$root/$build/logwire LW_TOOLS=$root/$build/tools
[[ -n ${MOCK_BOOTSTRAP:-} ]] || {
  echo "bench-fleet.sh: MOCK_BOOTSTRAP must name the mock cluster (run through scripts/bench.sh)" >&2
  exit 1
}
n=${BENCH_AGENTS:-100}
puts=${BENCH_FLEET_PUTS:-5}
rm -rf "$out"
mkdir -p "$out"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  [[ ${edata:-} == /dev/shm/* ]] && rm -rf "$edata"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cp=$(port) pp=$(port)
E=http://127.0.0.1:$cp
# etcd's data on tmpfs when there is one: its fsync latency is the disk's, not logwire's, and
# on a shared machine it would dominate (documented with the figures).
edata=$out/etcd
[[ -d /dev/shm && -w /dev/shm ]] && edata=$(mktemp -d /dev/shm/lw-bench-etcd.XXXXXX)
etcd --name bench --data-dir "$edata" --listen-client-urls "$E" --advertise-client-urls "$E" \
  --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
  --initial-cluster "bench=http://127.0.0.1:$pp" >"$out/etcd.log" 2>&1 &
etcd_pid=$!
pids+=("$etcd_pid")
for _ in $(seq 200); do etcdctl --endpoints "$E" endpoint health >/dev/null 2>&1 && break; sleep 0.05; done
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# agent_conf DIR HOST WITH_ETCD
agent_conf() {
  mkdir -p "$1/state"
  printf '[kafka]\nbrokers = %s\n[agent]\nstate_dir = %s/state\nlog_level = warn\n' "$MOCK_BOOTSTRAP" "$1"
  printf '[input.local]\npaths = %s/local.log\ntopic = bench-fleet-local\n' "$1"
  [[ $3 == 1 ]] && printf '[etcd]\nendpoints = %s\nprefix = /bench\nhost = %s\nallowed_paths = %s/**\n' "$E" "$2" "$out"
}
printf '[input.all]\npaths = %s/shared-0.log\ntopic = bench-fleet\n' "$out" |
  "$LW_BIN" fleet --etcd "$E" --prefix /bench put _all - >/dev/null
for i in $(seq "$n"); do
  d=$out/a$i
  agent_conf "$d" "bench-$i" 1 >"$d.conf"
  "$LW_BIN" run -c "$d.conf" 2>"$d.log" &
  pids+=($!)
done
live() { [[ $(etcdctl --endpoints "$E" get --prefix /bench/agents/ --keys-only | grep -c .) -ge $n ]]; }
for _ in $(seq 600); do live && break; sleep 0.1; done
live || { echo "fleet: not every agent wrote its status key" >&2; exit 1; }

# The puts, timed from just before `fleet put` to each agent's status showing the revision.
agents_ticks() { for p in "${pids[@]:1}"; do cpu_ticks "$p"; done | awk '{ s += $1 } END { print s + 0 }'; }
a0=$(agents_ticks)
t0=$(cpu_ticks "$etcd_pid")
w0=$(date +%s%N)
python3 - "$E" "$LW_BIN" "$n" "$puts" "$out" <<'PY' >"$out/latencies.txt" 2>"$out/puts.txt"
import base64, json, subprocess, sys, time
ep, lw, n, puts, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
w = subprocess.Popen(["etcdctl", "--endpoints", ep, "watch", "--prefix", "/bench/agents/", "-w", "json"],
                     stdout=subprocess.PIPE, text=True)
time.sleep(0.5)
for k in range(1, puts + 1):
    conf = "[input.all]\npaths = %s/shared-%d.log\ntopic = bench-fleet\n" % (out, k)
    t0 = time.monotonic()
    p = subprocess.run([lw, "fleet", "--etcd", ep, "--prefix", "/bench", "put", "_all", "-"],
                       input=conf, capture_output=True, text=True)
    rev = int(p.stdout.split("revision")[1])
    print("put %.6f" % (time.monotonic() - t0), file=sys.stderr)
    seen = {}
    while len(seen) < n:
        line = w.stdout.readline()
        if not line:
            sys.exit("watch ended")
        now = time.monotonic()
        for ev in json.loads(line).get("Events") or []:
            kv = ev.get("kv", {})
            host = base64.b64decode(kv.get("key", "")).decode().rsplit("/", 1)[-1]
            try:
                st = json.loads(base64.b64decode(kv.get("value", "")))
            except ValueError:
                continue
            if st.get("config_revision", 0) >= rev and host not in seen:
                seen[host] = now - t0
    for v in seen.values():
        print("%.6f" % v)
w.kill()
PY
t1=$(cpu_ticks "$etcd_pid")
a1=$(agents_ticks)
w1=$(date +%s%N)
sort -g "$out/latencies.txt" | awk -v n="$n" -v puts="$puts" '{ a[NR] = $1 } END {
  p50 = a[int(NR * 0.50 + 0.5)]; p99 = a[int(NR * 0.99 + 0.5)];
  printf "fleet put -> applied by all %d agents (%d puts, %d samples): p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
    n, puts, NR, p50 * 1000, p99 * 1000, a[NR] * 1000 }'
awk '/^put/ { s += $2; n++ } END { if (n) printf "logwire fleet put itself (process, read, compare-and-swap): %.0f ms on average\n", s / n * 1000 }' "$out/puts.txt"
awk -v t="$((t1 - t0))" -v hz="$hz" -v ms="$(((w1 - w0) / 1000000))" 'BEGIN {
  printf "etcd CPU during the puts: %.2f s over %.1f s (%.1f%% of one core)\n", t / hz, ms / 1000, 100 * t / hz / (ms / 1000) }'
awk -v t="$((a1 - a0))" -v hz="$hz" -v n="$n" -v puts="$puts" 'BEGIN {
  printf "agents CPU during the puts: %.2f s in all, %.1f ms per agent and put\n", t / hz, 1000 * t / hz / n / puts }'
i0=$(cpu_ticks "$etcd_pid")
j0=$(agents_ticks)
sleep 30 # a measurement window, not a wait for a condition
i1=$(cpu_ticks "$etcd_pid")
j1=$(agents_ticks)
awk -v t="$((i1 - i0))" -v hz="$hz" -v n="$n" 'BEGIN {
  printf "etcd CPU with %d idle agents (status every 5 s): %.1f%% of one core\n", n, 100 * t / hz / 30 }'
awk -v t="$((j1 - j0))" -v hz="$hz" -v n="$n" 'BEGIN {
  printf "the %d idle agents CPU: %.1f%% of one core in all\n", n, 100 * t / hz / 30 }'
for p in "${pids[@]:1}"; do kill "$p" 2>/dev/null; done

# RSS: the same agent with and without [etcd], after a status refresh.
for e in 0 1; do
  d=$out/rss$e
  agent_conf "$d" rss-host "$e" >"$d.conf"
  "$LW_BIN" run -c "$d.conf" 2>"$d.log" &
  pids+=($!)
  eval "rss_pid$e=$!"
done
sleep 8 # both settle; the [etcd] one has read, watched and written its status
r0=$(awk '/VmRSS/ { print $2 }' "/proc/$rss_pid0/status")
r1=$(awk '/VmRSS/ { print $2 }' "/proc/$rss_pid1/status")
echo "(etcd data on ${edata%%/lw-bench*})"
echo "agent RSS without [etcd] ${r0} KB, with [etcd] ${r1} KB: +$((r1 - r0)) KB (target <= 512 KB)"
