#!/usr/bin/env bash
# deps.sh — install, idempotently, what logwire's build and tests need from Debian's archive.
# Quick and silent when everything is present; otherwise installs the missing packages with
# apt-get (through sudo when not root). librdkafka-dev and kcat are test-only peers: logwire
# itself never links librdkafka.
set -euo pipefail

pkgs=(
  gcc make pkg-config                   # the build
  zlib1g-dev liblz4-dev libssl-dev      # the only libraries the product links
  libcriterion-dev                      # unit tests
  librdkafka-dev kcat                   # test oracle: mock Kafka cluster, independent client
  clang libclang-rt-14-dev              # fuzzing (libFuzzer) and sanitizers
  clang-format-14                       # make style-check
  socat openssl iproute2                # TLS terminator, throwaway CA, ss (TLS tests)
  procps psmisc                         # ps/pkill in tests
  etcd-server etcd-client curl          # fleet tests: a throwaway etcd 3.4, fixture capture
  valgrind                              # make bench: instructions per line (callgrind)
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps.sh: installing ${missing[*]}" >&2
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "deps.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
if ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/logwire-deps.log 2>&1; then
  # The package lists may be stale or absent on a fresh machine: refresh once and retry.
  "${SUDO[@]}" apt-get update -q >>/tmp/logwire-deps.log 2>&1 || true
  if ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/logwire-deps.log 2>&1; then
    tail -20 /tmp/logwire-deps.log >&2
    echo "deps.sh: apt-get install failed (log: /tmp/logwire-deps.log)" >&2
    exit 1
  fi
fi
echo "deps.sh: done" >&2
