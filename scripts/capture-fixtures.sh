#!/usr/bin/env bash
# capture-fixtures.sh — development tool (not run by `make check`): capture kcat/librdkafka
# talking to librdkafka's mock cluster (build/tools/mockcluster) on loopback, reassemble each
# TCP stream, split it on the 4-byte Size prefix and store selected frames as golden fixtures.
#
#   scripts/capture-fixtures.sh [OUTDIR]      (default tests/fixtures/librdkafka-2.0.2-mock)
#   scripts/capture-fixtures.sh --split WORKDIR [OUTDIR]   only redo the split of a kept run
#
# Needs root (dumpcap on lo), tshark/dumpcap (apt-get install tshark), kcat, python3 and
# `make tools`. Each scenario starts a fresh mock cluster with topic fx (3 partitions, RF 1),
# optionally limits the versions it advertises (mockcluster -a KEY:MIN:MAX), captures
# `tcp port <mock port>` while kcat runs, then keeps the first request/response pair of each
# (API, version) named in the scenario's keep list. Written files: OUTDIR/NNN-<scenario>-
# <Api>-v<N>-request.bin / -response.bin (no Size prefix) and OUTDIR/index.tsv.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
split_only=
if [[ ${1:-} == --split ]]; then
  split_only=$2
  shift 2
fi
out=${1:-tests/fixtures/librdkafka-2.0.2-mock}
mock=$root/build/tools/mockcluster
mkdir -p "$out"
if [[ -n $split_only ]]; then
  work=$split_only
else
  [[ -x $mock ]] || make -s tools
  command -v dumpcap >/dev/null || { echo "dumpcap missing: apt-get install -y tshark" >&2; exit 1; }
  work=$(mktemp -d /tmp/lw-capture-XXXXXX)
  echo "work dir: $work"
fi

# Children of the current scenario, stopped if the script is interrupted.
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

lines() { for i in 1 2 3 4 5; do echo "fixture line $i"; done; }

# wait_for CMD...: retry a condition for up to 10 s.
wait_for() {
  local i
  for ((i = 0; i < 100; i++)); do
    if "$@"; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for: $*" >&2
  return 1
}
nonempty() { [[ -s $1 ]]; }
has_line() { grep -q "$2" "$1" 2>/dev/null; }
more_lines() { [[ $(wc -l <"$1") -gt $2 ]]; }

# scenario NAME KEEP MOCKARGS -- KCAT-RUNS...
#   KEEP: comma-separated ApiKey or ApiKey:Version items to store (e.g. "0,22:1,18"): the
#   first pair of each version; "ApiKey+" keeps every pair whose request body differs.
#   Each KCAT-RUN is one string of kcat arguments (after -b); a leading "P:" feeds the
#   five fixture lines on stdin (produce runs); "M:CMD" instead sends CMD to the mock cluster
#   (see tests/tools/mockcluster.c) and waits for its answer.
scenario() {
  local name=$1 keep=$2
  shift 2
  local margs=()
  while [[ $1 != -- ]]; do margs+=("$1"); shift; done
  shift
  local fifo=$work/$name.in log=$work/$name.mock
  mkfifo "$fifo"
  "$mock" -t fx:3:1 "${margs[@]}" <"$fifo" >"$log" 2>&1 &
  local mpid=$!
  pids=("$mpid")
  exec 7>"$fifo"
  wait_for has_line "$log" bootstrap=
  local bs port
  bs=$(sed -n 's/^bootstrap=//p' "$log")
  port=${bs##*:}
  dumpcap -q -P -i lo -f "tcp port $port" -w "$work/$name.pcap" 2>"$work/$name.dumpcap" &
  local dpid=$!
  pids+=("$dpid")
  wait_for nonempty "$work/$name.pcap"
  sleep 0.5 # dumpcap writes its file header before the capture filter is live
  local run
  for run in "$@"; do
    if [[ $run == M:* ]]; then
      local before
      before=$(wc -l <"$log")
      echo "${run#M:}" >&7
      wait_for more_lines "$log" "$before"
    elif [[ $run == P:* ]]; then
      # shellcheck disable=SC2086
      lines | timeout 30 kcat -b "$bs" ${run#P:} >>"$work/$name.kcat" 2>&1 || true
    else
      # shellcheck disable=SC2086
      timeout 30 kcat -b "$bs" $run >>"$work/$name.kcat" 2>&1 || true
    fi
  done
  sleep 1 # let the last segments reach dumpcap before stopping it
  kill -INT "$dpid"
  wait "$dpid" || true
  echo quit >&7
  exec 7>&-
  wait "$mpid" || true
  pids=()
  echo "$name $port $keep" >>"$work/scenarios"
  echo "== $name (port $port): $(wc -c <"$work/$name.pcap") bytes captured"
}

# Versions the mock offers by default (librdkafka 2.0.2): Produce 0-7, Fetch 0-11,
# ListOffsets 0-5, Metadata 0-2, ApiVersions 0-2, InitProducerId 0-4. librdkafka only uses
# record batches (magic 2) when the broker's ranges include Produce v3 and Fetch v4, so the
# limits below keep those in range and move only the maximum; Produce v0-v2 carry legacy
# message sets, which the mock rejects with UNSUPPORTED_VERSION (35).
P="-t fx -P -p 0"
C="-t fx -C -p 0 -o beginning -e"

if [[ -z $split_only ]]; then
  rm -f "$out"/*.bin "$out"/index.tsv
  # librdkafka asks ApiVersions v3 first; the mock (max v2) answers UNSUPPORTED_VERSION and
  # librdkafka retries with v0 (it never sends v1 or v2).
  scenario apiversions-v3-fallback 18 -- "-L -t fx"
  scenario metadata-v0 3 -a 3:0:0 -- "-L -t fx"
  scenario metadata-v1 3 -a 3:0:1 -- "-L -t fx"
  scenario metadata-v2 3 -- "-L -t fx"
  scenario metadata-all-v2 3+ -- "-L"
  for v in 0 1 2; do
    scenario produce-v$v 0 -a 0:0:$v -- "P:$P"
  done
  for v in 3 4 5 6 7; do
    scenario produce-v$v 0 -a 0:3:$v -- "P:$P"
  done
  scenario produce-acks1-v7 0 -- "P:$P -X acks=1"
  scenario produce-error-v7 0 -- "M:err 0 19 1" "P:$P"
  for v in 0 1 2 3; do
    scenario idempotent-v$v 22 -a 22:0:$v -- "P:$P -X enable.idempotence=true"
  done
  scenario idempotent-v4 22,0 -- "P:$P -X enable.idempotence=true"
  # librdkafka 2.0.2 sends ListOffsets v2 at most.
  for v in 1 2; do
    scenario listoffsets-v$v 2 -a 2:$v:$v -- "P:$P" "$C"
  done
  for v in 4 5 6 7 8 9 10 11; do
    scenario fetch-v$v 1 -a 1:4:$v -- "P:$P" "$C"
  done
fi

python3 - "$work" "$out" <<'EOF'
# Reassemble each TCP connection per direction by sequence number, split on the int32 Size
# prefix, pair responses with requests by correlation id, and store the selected pairs.
import hashlib, os, struct, subprocess, sys
work, out = sys.argv[1], sys.argv[2]
names = {0: "Produce", 1: "Fetch", 2: "ListOffsets", 3: "Metadata", 18: "ApiVersions",
         22: "InitProducerId", 10: "FindCoordinator"}
n = 0
index = ["n\tfile\tdirection\tapi_key\tapi_name\tapi_version\tbytes\tcorrelation_id\tsha256"]
for line in open(os.path.join(work, "scenarios")):
    name, port, keep = line.split()
    port = int(port)
    want, every = set(), set()
    for k in keep.split(","):
        if k.endswith("+"):
            every.add(int(k[:-1]))
        else:
            want.add(tuple(int(x) for x in k.split(":")) if ":" in k else (int(k),))
    rows = subprocess.run(
        ["tshark", "-r", os.path.join(work, name + ".pcap"), "-o", "tcp.desegment_tcp_streams:FALSE",
         "-Y", "tcp.len > 0", "-T", "fields",
         "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.seq", "-e", "tcp.payload"],
        check=True, capture_output=True, text=True).stdout.splitlines()
    streams = {}
    for r in rows:
        s, sport, seq, payload = r.split("\t")
        d = "resp" if int(sport) == port else "req"
        streams.setdefault((int(s), d), {})[int(seq)] = bytes.fromhex(payload.replace(":", ""))
    def flat(segs):
        data, nxt = b"", None
        for seq in sorted(segs):
            p = segs[seq]
            if nxt is None:
                nxt = seq
            if seq > nxt:
                sys.exit(f"{name}: gap in TCP stream")
            if seq + len(p) <= nxt:  # retransmission
                continue
            data += p[nxt - seq:]
            nxt = seq + len(p)
        return data
    def frames(data):
        res, off = [], 0
        while off + 4 <= len(data):
            size = struct.unpack(">i", data[off:off + 4])[0]
            if off + 4 + size > len(data):
                sys.exit(f"{name}: truncated frame")
            res.append(data[off + 4:off + 4 + size])
            off += 4 + size
        if off != len(data):
            sys.exit(f"{name}: leftover bytes")
        return res
    pairs = []
    for (s, d) in sorted(streams):
        if d != "req":
            continue
        reqs = frames(flat(streams[(s, "req")]))
        resps = {struct.unpack(">i", f[:4])[0]: f for f in frames(flat(streams.get((s, "resp"), {})))}
        for q in reqs:
            key, ver, corr = struct.unpack(">hhi", q[:8])
            pairs.append((key, ver, corr, q, resps.get(corr)))
    seen = set()
    for key, ver, corr, q, r in pairs:
        if key in every:
            # every distinct request body (the header's correlation id and client id differ)
            clen = struct.unpack(">h", q[8:10])[0]
            ident = (key, ver, q[10 + max(clen, 0):])
        elif (key,) in want or (key, ver) in want:
            ident = (key, ver)
        else:
            continue
        if ident in seen:
            continue
        seen.add(ident)
        n += 1
        base = f"{n:03d}-{name}-{names.get(key, str(key))}-v{ver}"
        for d, f in (("request", q), ("response", r)):
            if f is None:
                continue
            fn = f"{base}-{d}.bin"
            with open(os.path.join(out, fn), "wb") as fh:
                fh.write(f)
            index.append(f"{n}\t{fn}\t{d}\t{key}\t{names.get(key, key)}\t{ver}\t{len(f)}\t{corr}\t"
                         + hashlib.sha256(f).hexdigest())
with open(os.path.join(out, "index.tsv"), "w") as fh:
    fh.write("\n".join(index) + "\n")
print(f"{n} pairs written to {out}")
EOF
[[ -n $split_only ]] || echo "kept $work for inspection (pcaps, kcat and mock logs)"
