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
  chromium                              # the console's browser tests (with playwright-core)
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# The console's browser tests drive Debian's chromium with playwright-core from npm, pinned by
# tests/browser/package-lock.json; installed again only when the lock file changes.
browser_deps() {
  local d
  d=$(cd "$(dirname "$0")/../tests/browser" && pwd)
  [[ -f $d/node_modules/.package-lock.json && $d/node_modules/.package-lock.json -nt $d/package-lock.json ]] && return 0
  command -v npm >/dev/null || return 0
  echo "deps.sh: npm ci in tests/browser" >&2
  (cd "$d" && npm ci --no-audit --no-fund >/tmp/logwire-npm.log 2>&1) ||
    { tail -20 /tmp/logwire-npm.log >&2; echo "deps.sh: npm ci failed (log: /tmp/logwire-npm.log)" >&2; }
}
# npm for playwright-core: Debian's unless a Node.js with its own npm is already installed.
command -v npm >/dev/null || missing+=(nodejs npm)
[[ ${#missing[@]} -eq 0 ]] && { browser_deps; exit 0; }

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
browser_deps
echo "deps.sh: done" >&2
