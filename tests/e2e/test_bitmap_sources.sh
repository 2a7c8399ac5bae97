#!/bin/sh
# Bitmap sources on the trace of tests/golden/touched_lost_data: `oracle` has no lost-data
# violation, `touched` has at least one (and aborts under fetch.on_violation "abort"),
# `allocator` moves at least the bytes oracle moves and counts stale bits oracle does not.
# $1 = build directory, $2 = source directory.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
case_dir="$(cd "$2" && pwd)/tests/golden/touched_lost_data"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$case_dir/trace.trace" "$case_dir/config.json" "$work"/
cd "$work"
for b in oracle touched allocator; do
  "$bin" config.json --quiet --set fetch.mode='"sg"' --set fetch.bitmap="\"$b\"" -o "$b.json"
done
python3 - <<'PY'
import json, sys
def run(b):
    return json.load(open(b + ".json"))["runs"][0]
o, t, a = run("oracle"), run("touched"), run("allocator")
fail = []
if o["violations"] != 0: fail.append("oracle has %d violations" % o["violations"])
if t["violations"] < 1: fail.append("touched has no violation")
moved = lambda r: r["bytes_fetched"] + r["bytes_evicted"]
if moved(a) < moved(o): fail.append("allocator moved %d < oracle %d" % (moved(a), moved(o)))
if a["bytes_beyond_live"]["stale_bits"] <= o["bytes_beyond_live"]["stale_bits"]:
    fail.append("allocator shows no stale bits beyond oracle's")
if a["bytes_beyond_live"]["whole_page"] == 0: fail.append("allocator moved no whole page")
for r in (o, t, a):
    e = r["bytes_beyond_live"]
    if e["total"] != (e["head"] + e["merged_holes"] + e["stale_bits"] + e["whole_page"]
                      + e["unknown_layout"]):
        fail.append("bytes_beyond_live does not add up: %s" % e)
if fail:
    print("\n".join(fail)); sys.exit(1)
PY
# touched under "abort": exit 1 naming the violation
set +e
"$bin" config.json --quiet --set fetch.mode='"sg"' --set fetch.bitmap='"touched"' \
  --set fetch.on_violation='"abort"' -o abort.json 2>err.txt
st=$?
set -e
[ $st -eq 1 ] || { echo "touched + abort exited $st, expected 1"; exit 1; }
grep -q "lost-data violation" err.txt || { echo "no violation message:"; cat err.txt; exit 1; }
echo ok
