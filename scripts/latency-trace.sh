#!/usr/bin/env bash
# latency-trace.sh [RATE [SECONDS [BUILD]]], or make latency-trace RATE=N SECS=N — one run of
# the latency benchmark (bench_latency: the agent against a one-broker mock cluster, one line
# per write at RATE lines/s, default 2, for SECONDS, default 30) under `perf record` of the
# kernel's scheduler and timer events on every CPU, then scripts/latency-trace.py: for each line
# slower than LATENCY_TRACE_MS (default 2), where the agent's thread was (on CPU, asleep, woken
# but waiting: behind which task, or on an idle CPU; or not traced) and how late the timers and
# the ticks of busy CPUs fired. That tells a stall of the agent from one of the machine under
# it.
#
# LATENCY_TRACE_SAMPLES=1 also samples the agent alone every 50 us of its CPU time
# (cpu-clock, with call stacks), to see whether its time "on CPU" was spent executing. The
# sampling slows the agent down; use it to look, not to measure.
#
# Needs perf (Debian's linux-perf) and the right to trace every CPU (root, or
# kernel.perf_event_paranoid <= -1). Files stay in BUILD/bench/latency-trace/. A benchmark
# tool: it reports, it does not judge. The LATENCY_* variables of bench_latency apply.
set -uo pipefail
rate=${1:-2}
secs=${2:-30}
build=${3:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
export LW_ROOT=$root LW_BIN=${LW_BIN:-$root/$build/logwire} LW_TOOLS=$root/$build/tools
if ! command -v perf >/dev/null; then
  echo "latency-trace: perf not found (apt-get install linux-perf)" >&2
  exit 1
fi
if [[ ! -x $root/$build/bench/bench_latency ]]; then
  echo "latency-trace: $root/$build/bench/bench_latency is not built: use make latency-trace" >&2
  exit 1
fi
source "$root/tests/integration/lib.sh"
mock_start -n 1 || exit 1
out=$root/$build/bench/latency-trace
rm -rf "$out" && mkdir -p "$out/run"
events=timer:hrtimer_start,timer:hrtimer_cancel,timer:hrtimer_expire_entry
events+=,sched:sched_waking,sched:sched_wakeup,sched:sched_switch
perf record -q -a -k CLOCK_MONOTONIC -e "$events" -o "$out/sched.data" -- \
  "$root/$build/bench/bench_latency" "$LW_BIN" "$MOCK_BOOTSTRAP" "$out/run" "$rate" "$secs" \
  >"$out/bench.txt" 2>&1 &
bench=$!
sampler=
if [[ ${LATENCY_TRACE_SAMPLES:-0} == 1 ]]; then
  agent=
  for _ in $(seq 100); do
    agent=$(pgrep -n -x logwire -P "$(pgrep -n -x bench_latency -P "$bench" || echo 0)") && break
    sleep 0.05
  done
  if [[ -n $agent ]]; then
    perf record -q -k CLOCK_MONOTONIC -e cpu-clock -c 50000 -g -p "$agent" \
      -o "$out/samples.data" 2>/dev/null &
    sampler=$!
  fi
fi
wait "$bench"
rc=$?
[[ -n $sampler ]] && { kill -INT "$sampler" 2>/dev/null; wait "$sampler"; }
cat "$out/bench.txt"
[[ $rc -eq 0 ]] || { echo "latency-trace: the benchmark failed (exit $rc)" >&2; exit 1; }
perf script -i "$out/sched.data" -F comm,pid,tid,cpu,time,event,trace --show-lost-events \
  >"$out/sched.txt" 2>/dev/null
args=("$out/sched.txt" "$out/run" "${LATENCY_TRACE_MS:-2}")
if [[ -n $sampler && -f $out/samples.data ]]; then
  perf script -i "$out/samples.data" -F tid,time,ip,sym >"$out/samples.txt" 2>/dev/null
  args+=("$out/samples.txt")
fi
echo "  the kernel's view of the slow lines (scripts/latency-trace.py):"
python3 "$root/scripts/latency-trace.py" "${args[@]}"
