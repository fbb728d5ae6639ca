#!/usr/bin/env bash
# reliability.sh [SCENARIOS...] — the long versions of tests/integration/reliability.sh (the
# figures of docs/RELIABILITY.md): bigger runs, broker down 30 s, churn for 60 s. Each scenario
# prints "# NAME: written N delivered D missing M duplicated U peak_rss_kb R peak_fds F".
# Needs a build (make all tools). The 30-minute soak is scripts/soak.sh.
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
[[ $build == /* ]] || build=$root/$build
export LW_ROOT=$root LW_BIN=$build/logwire LW_TOOLS=$build/tools LW_REL_LONG=1
[[ $# -gt 0 ]] && export LW_REL="$*"
exec bash "$root/tests/integration/reliability.sh"
