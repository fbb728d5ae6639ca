#!/usr/bin/env bash
# gen-man.sh BUILD — the man pages, generated from what they document: logwire.1 from the
# binary's own --help texts and README's "Operating logwire", logwire.conf.5 from
# docs/CONFIG.md. Written to BUILD/man/.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/$build/logwire
out=$root/$build/man
mkdir -p "$out"
ver=$("$bin" --version | head -1 | awk '{print $2}')
date=$(git -C "$root" log -1 --format=%cs 2>/dev/null || date +%F)
md2man() { awk -f "$root/scripts/md2man.awk" "$@"; }
verbatim() { echo ".nf"; sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; echo ".fi"; }

{
  echo ".TH LOGWIRE 1 \"$date\" \"logwire $ver\" \"User Commands\""
  echo ".SH NAME"
  echo "logwire \\- ship log lines to Apache Kafka, speaking Kafka's protocol itself"
  echo ".SH SYNOPSIS"
  echo ".B logwire"
  echo "[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR]"
  echo ".SH DESCRIPTION"
  "$bin" --help | tail -n +3 | verbatim
  echo ".SH COMMANDS"
  for c in run produce consume metadata versions stats; do
    echo ".SS $c"
    "$bin" "$c" --help | verbatim
  done
  sed -n '/^## Operating logwire/,/^## /p' "$root/README.md" | sed '$d' | md2man
  echo ".SH FILES"
  echo ".TP"
  echo ".I /etc/logwire/logwire.conf"
  echo "the agent's configuration when \\fBrun\\fR is given no \\fB\\-c\\fR (see \\fBlogwire.conf\\fR(5))"
  echo ".TP"
  echo ".I /var/lib/logwire"
  echo "the default \\fBstate_dir\\fR: checkpoints and the lock"
  echo ".SH SEE ALSO"
  echo "\\fBlogwire.conf\\fR(5), \\fBkcat\\fR(1)"
} >"$out/logwire.1"

{
  echo ".TH LOGWIRE.CONF 5 \"$date\" \"logwire $ver\" \"File Formats\""
  echo ".SH NAME"
  echo "logwire.conf \\- configuration of the logwire agent"
  echo ".SH DESCRIPTION"
  md2man -v skip_title=1 "$root/docs/CONFIG.md"
  echo ".SH SEE ALSO"
  echo "\\fBlogwire\\fR(1)"
} >"$out/logwire.conf.5"
echo "$out/logwire.1 $out/logwire.conf.5"
