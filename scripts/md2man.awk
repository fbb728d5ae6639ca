# md2man.awk — the Markdown of docs/ as man(7) roff, enough for CONFIG.md and README sections:
# headings, paragraphs, fenced code, tables (one .TP entry a row), bullet lists, `code`.
#   awk -f md2man.awk [-v skip_title=1] FILE.md
function esc(s) {
  gsub(/\\/, "\\e", s)
  gsub(/-/, "\\-", s)
  return s
}
function inline(s,    out, n, parts, i) {
  s = esc(s)
  # `code` -> bold; **strong** -> bold
  n = split(s, parts, "`")
  out = parts[1]
  for (i = 2; i <= n; i++) out = out ((i % 2) ? "\\fR" : "\\fB") parts[i]
  if (n % 2 == 0) out = out "\\fR"
  gsub(/\*\*/, "", out)
  return out
}
function line_out(s) {
  if (s ~ /^[.']/) s = "\\&" s
  print s
}
BEGIN { code = 0; table = 0 }
/^```/ {
  if (code) { print ".fi"; print ".RE"; code = 0 } else { print ".RS 2"; print ".nf"; code = 1 }
  next
}
code { line_out(esc($0)); next }
/^# / { if (!skip_title) { print ".SH \"" toupper(substr($0, 3)) "\"" }; next }
/^## / { print ".SH \"" toupper(inline(substr($0, 4))) "\""; next }
/^### / { print ".SS \"" inline(substr($0, 5)) "\""; next }
/^\|/ {
  if ($0 ~ /^\|[-| :]+\|$/) { table = 2; next }   # separator: the header row is done
  if (!table) { table = 1; next }                  # the header row itself
  n = split($0, cell, "|")
  print ".TP"
  line_out(inline(cell[2]))
  rest = ""
  for (i = 3; i < n - 1; i++) { c = cell[i]; gsub(/^ +| +$/, "", c); rest = rest (rest == "" ? "" : "; ") c }
  last = cell[n - 1]; gsub(/^ +| +$/, "", last)
  if (rest != "") line_out(inline("(" rest ") " last)); else line_out(inline(last))
  next
}
{ if (table && $0 !~ /^\|/) table = 0 }
/^[*-] / { print ".IP \\(bu 2"; line_out(inline(substr($0, 3))); next }
/^[ \t]*$/ { print ".PP"; next }
{ line_out(inline($0)) }
