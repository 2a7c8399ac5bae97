#!/bin/sh
# A page's sg layout is known to the blade that wrote it back, not to every blade. On the trace
# of tests/golden/two_blades_foreign_layout (blade 0 writes back pages P and Q as 192 B slots;
# later blade 1 faults P and blade 0 faults Q), blade 1 pays for not knowing P's layout:
# - fetch.unknown_layout "page" (the default): it reads the whole slot, 4096 B + the 8 B
#   layout word, where blade 0 reads Q's 192 B;
# - "lookup": it reads the 8 B word first, then the 192 B, and its fault takes at least one
#   more round trip through the switch than the same fault by a blade that knows the layout
#   (both threads on one blade);
# no data is lost either way.
# $1 = build directory, $2 = source directory.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
. "$2/tests/e2e/json_lib.sh"
case_dir="$(cd "$2" && pwd)/tests/golden/two_blades_foreign_layout"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$case_dir/trace.trace" "$case_dir/config.json" "$work"/
cd "$work"
"$bin" config.json --quiet --set 'fetch.mode="sg"' -o page.json
"$bin" config.json --quiet --set 'fetch.mode="sg"' --set 'fetch.unknown_layout="lookup"' -o lookup.json
"$bin" config.json --quiet --set 'fetch.mode="sg"' --set 'fetch.unknown_layout="lookup"' \
  --set cpu_blades.threads_per_blade=2 -o one.json
r='.runs[0]'
for f in page lookup one; do
  jcheck $f.json "$r.violations == 0" "$r.violations"
  jcheck $f.json "$r.bytes_beyond_live | .head + .merged_holes + .stale_bits + .whole_page + .unknown_layout == .total" \
    "$r.bytes_beyond_live"
done
# the blade that wrote Q back reads its 192 B slot: 6 first touches of the whole page, then Q
jcheck page.json "$r.threads[0].bytes_fetched == 6 * 4096 + 192" "$r.threads[0].bytes_fetched"
jcheck page.json "$r.threads[1].bytes_fetched == 4096 + 8" "$r.threads[1].bytes_fetched"
jcheck page.json "$r.bytes_beyond_live.unknown_layout == 4096 + 8 - 192" "$r.bytes_beyond_live"
jcheck page.json "$r.layout_lookups == 0" "$r.layout_lookups"
jcheck lookup.json "$r.threads[1].bytes_fetched == 8 + 192" "$r.threads[1].bytes_fetched"
jcheck lookup.json "$r.layout_lookups == 1" "$r.layout_lookups"
jcheck lookup.json "$r.bytes_beyond_live.unknown_layout == 8" "$r.bytes_beyond_live"
jcheck one.json "$r.threads[1].bytes_fetched == 192" "$r.threads[1].bytes_fetched"
jcheck one.json "$r.layout_lookups == 0" "$r.layout_lookups"
# one more round trip: request and reply each cross blade link, pipeline, memory link
jq -n --slurpfile l lookup.json --slurpfile o one.json -r '
  ($l[0].config.network | 2 * (2 * .link_latency_ns + .switch_latency_ns) / 1000) as $rtt
  | ($l[0].runs[0].threads[1].fault_latency_us.max - $o[0].runs[0].threads[1].fault_latency_us.max) as $extra
  | if $extra < $rtt then "lookup adds \($extra) us to the fault, less than a round trip (\($rtt) us)" else empty end
' >fail.txt
[ ! -s fail.txt ] || { cat fail.txt; exit 1; }
echo ok
