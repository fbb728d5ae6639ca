#!/usr/bin/env bash
# soak.sh DURATION [OUT_DIR] — the agent under steady load for DURATION (e.g. 1800, 30m, 90s):
# 50 application processes (build/tools/seqwrite) append 20,000 lines/s in all to 50 files,
# each file rotated (rename + create, the application reopening on SIGHUP) every 10 s, while
# the agent ships them to a fake broker through a proxy cutting connections at random bytes
# (build/tools/cutproxy). Every 10 s it samples the agent's RSS, descriptors and CPU into
# OUT_DIR/samples.tsv; at the end every line is read back and counted, the summary is printed
# and kept in OUT_DIR/summary.txt, and OUT_DIR/soak.png plots RSS and descriptors (gnuplot).
#
# Environment: BUILD (build directory, default build), SOAK_RATE (lines/s, default 20000), SOAK_FILES (50),
# SOAK_ROTATE_S (seconds between two rotations of one file, 10), SOAK_CUT (largest number of
# bytes a connection carries before the proxy cuts it, 4194304). The script ends by itself.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
[[ $build == /* ]] || build=$root/$build
export LW_ROOT=$root LW_BIN=$build/logwire LW_TOOLS=$build/tools
dur=${1:?usage: soak.sh DURATION [OUT_DIR]}
case $dur in
*m) dur=$((${dur%m} * 60)) ;;
*s) dur=${dur%s} ;;
esac
out=${2:-$build/soak}
rate=${SOAK_RATE:-20000} nfiles=${SOAK_FILES:-50} rot=${SOAK_ROTATE_S:-10}
cut=${SOAK_CUT:-4194304}
per=$((rate / nfiles)) n_each=$((rate / nfiles * dur))
mkdir -p "$out"
source "$root/tests/integration/lib.sh"
: >"$out/samples.tsv"

fakebroker_start -t soak:4 -m 16000000000 || exit 1
# (started before any process that could inherit a descriptor of it)
"$LW_TOOLS/cutproxy" -t "$MOCK_BOOTSTRAP" -m "$cut" -s 1 </dev/null >"$T/proxy.out" \
  2>"$T/proxy.err" &
PROXY_PID=$!
LW_BG_PIDS+=("$PROXY_PID")
wait_until 10 grep -q listen= "$T/proxy.out" || exit 1
proxy=$(sed -n 's/listen=//p' "$T/proxy.out")

D=$T/soak
mkdir -p "$D/logs" "$D/state"
{
  printf '[kafka]\nbrokers = %s\nconnect_to = %s=%s\n' "$proxy" "$MOCK_BOOTSTRAP" "$proxy"
  printf 'linger_ms = 5\nreconnect_backoff_max_ms = 500\n'
  printf '[agent]\nstate_dir = %s/state\nhttp = 127.0.0.1:0\n' "$D"
  printf '[input.app]\ntopic = soak\nstart = beginning\npaths = %s/logs/app-*.log\n' "$D"
} >"$D/lw.conf"
agent_start soak "$D/lw.conf"
agent_wait_port soak || {
  echo "the agent did not start: $(tail -5 "$T/soak.log")"
  exit 1
}
echo "# soak: ${dur}s, $rate lines/s over $nfiles files rotated every ${rot}s, proxy cutting" \
  "connections within $cut bytes; agent pid $AGENT_PID; samples in $out/samples.tsv"

declare -a W=()
for i in $(seq -w 1 "$nfiles"); do
  "$LW_TOOLS/seqwrite" -f "$D/logs/app-$i.log" -n "$n_each" -r "$per" -p "f$i" >/dev/null &
  W+=($!)
  LW_BG_PIDS+=($!)
done

# Rotation: one file every rot/nfiles seconds, round robin (rename over the previous .1).
rotator() {
  local k=0 i
  while :; do
    for i in $(seq -w 1 "$nfiles"); do
      sleep "$(awk -v r="$rot" -v n="$nfiles" 'BEGIN { printf "%.3f", r / n }')"
      mv "$D/logs/app-$i.log" "$D/logs/app-$i.log.1" 2>/dev/null || continue
      : >>"$D/logs/app-$i.log"
      kill -HUP "${W[$((10#$i - 1))]}" 2>/dev/null
      k=$((k + 1))
      echo $k >"$T/rotations"
    done
  done
}
rotator &
ROT_PID=$!
LW_BG_PIDS+=("$ROT_PID")

# One sample: seconds, RSS KiB, descriptors, CPU % over the interval, lines acked, lag bytes.
ticks=$(getconf CLK_TCK)
cpu_of() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
t0=$(date +%s) c0=$(cpu_of "$AGENT_PID") s0=$t0
printf 't_s\trss_kb\tfds\tcpu_pct\tlines_acked\tlag_bytes\n' >"$out/samples.tsv"
while :; do
  now=$(date +%s)
  el=$((now - t0))
  c1=$(cpu_of "$AGENT_PID") || break
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$AGENT_PID/status")
  fds=$(ls "/proc/$AGENT_PID/fd" | wc -l)
  cpu=$(awk -v a="$c0" -v b="$c1" -v t="$ticks" -v s=$((now - s0)) \
    'BEGIN { printf "%.1f", s ? (b - a) * 100 / t / s : 0 }')
  acked=$(in_stat "$AGENT_HTTP" app lines_acked)
  lag=$(in_stat "$AGENT_HTTP" app lag_bytes)
  printf '%d\t%s\t%s\t%s\t%s\t%s\n' "$el" "$rss" "$fds" "$cpu" "${acked:-}" "${lag:-}" \
    >>"$out/samples.tsv"
  c0=$c1 s0=$now
  ((el >= dur)) && break
  sleep 10 # the sampling interval
done

# The writers end on their own once their lines are written (DURATION at their rate).
for p in "${W[@]}"; do wait_exit 120 "$p"; done
kill "$ROT_PID" 2>/dev/null
wait "$ROT_PID" 2>/dev/null
total=$((n_each * nfiles))
wait_until 600 in_stat_ge "$AGENT_HTTP" app lines_acked "$total"
wait_until 60 in_stat_eq "$AGENT_HTTP" app lag_bytes 0
acked=$(in_stat "$AGENT_HTTP" app lines_acked)
kill -TERM "$PROXY_PID"
wait_exit 10 "$PROXY_PID"
args=()
for i in $(seq -w 1 "$nfiles"); do args+=("f$i:$n_each"); done
# Read back straight from the broker (not through the proxy).
report=$(kcat_read soak | "$LW_TOOLS/seqcount" "${args[@]}")
read -r _ _ _ _ _ missing _ dup <<<"$report"
peak_rss=$(awk 'NR > 1 && $2 > m { m = $2 } END { print m + 0 }' "$out/samples.tsv")
peak_fds=$(awk 'NR > 1 && $3 > m { m = $3 } END { print m + 0 }' "$out/samples.tsv")
cpu_avg=$(awk 'NR > 2 { s += $4; n++ } END { printf "%.1f", n ? s / n : 0 }' "$out/samples.tsv")
{
  echo "date $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "command scripts/soak.sh $1"
  echo "soak: $report"
  echo "rotations $(cat "$T/rotations" 2>/dev/null || echo 0) proxy $(cat "$T/proxy.err")"
  echo "agent: lines_acked $acked peak_rss_kb $peak_rss peak_fds $peak_fds cpu_avg_pct $cpu_avg"
} | tee "$out/summary.txt"

if command -v gnuplot >/dev/null; then
  gnuplot <<EOF
set terminal png size 900,500
set output "$out/soak.png"
set title "logwire soak: $rate lines/s, $nfiles files rotated every ${rot}s, connections cut at random"
set xlabel "minutes"
set ylabel "RSS (MiB)"
set y2label "open descriptors"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key bottom right
plot "$out/samples.tsv" every ::1 using (\$1/60):(\$2/1024) with linespoints title "RSS (MiB)", \
     "" every ::1 using (\$1/60):3 axes x1y2 with linespoints title "descriptors"
EOF
fi
kill -TERM "$AGENT_PID"
wait_exit 20 "$AGENT_PID"
[[ $missing == 0 ]]
