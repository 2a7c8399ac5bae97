#!/bin/sh
# Bitmap sources on the trace of tests/golden/touched_lost_data: `oracle` has no lost-data
# violation, `touched` has at least one (and aborts under fetch.on_violation "abort"),
# `allocator` moves at least the bytes oracle moves and counts stale bits oracle does not.
# $1 = build directory, $2 = source directory.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
. "$2/tests/e2e/json_lib.sh"
case_dir="$(cd "$2" && pwd)/tests/golden/touched_lost_data"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$case_dir/trace.trace" "$case_dir/config.json" "$work"/
cd "$work"
for b in oracle touched allocator; do
  "$bin" config.json --quiet --set fetch.mode='"sg"' --set fetch.bitmap="\"$b\"" -o "$b.json"
done
jq -n --slurpfile o oracle.json --slurpfile t touched.json --slurpfile a allocator.json -r '
  def moved: .bytes_fetched + .bytes_evicted;
  def adds_up: .bytes_beyond_live | .total == .head + .merged_holes + .stale_bits + .whole_page + .unknown_layout;
  ($o[0].runs[0]) as $o | ($t[0].runs[0]) as $t | ($a[0].runs[0]) as $a
  | (if $o.violations != 0 then "oracle has \($o.violations) violations" else empty end),
    (if $t.violations < 1 then "touched has no violation" else empty end),
    (if ($a | moved) < ($o | moved) then "allocator moved \($a | moved) < oracle \($o | moved)" else empty end),
    (if $a.bytes_beyond_live.stale_bits <= $o.bytes_beyond_live.stale_bits
     then "allocator shows no stale bits beyond oracle'"'"'s" else empty end),
    (if $a.bytes_beyond_live.whole_page == 0 then "allocator moved no whole page" else empty end),
    ($o, $t, $a | select(adds_up | not) | "bytes_beyond_live does not add up: \(.bytes_beyond_live)")
' >fail.txt
[ ! -s fail.txt ] || { cat fail.txt; exit 1; }
# touched under "abort": exit 1 naming the violation
set +e
"$bin" config.json --quiet --set fetch.mode='"sg"' --set fetch.bitmap='"touched"' \
  --set fetch.on_violation='"abort"' -o abort.json 2>err.txt
st=$?
set -e
[ $st -eq 1 ] || { echo "touched + abort exited $st, expected 1"; exit 1; }
grep -q "lost-data violation" err.txt || { echo "no violation message:"; cat err.txt; exit 1; }
echo ok
