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
case_dir="$(cd "$2" && pwd)/tests/golden/two_blades_foreign_layout"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$case_dir/trace.trace" "$case_dir/config.json" "$work"/
cd "$work"
"$bin" config.json --quiet --set 'fetch.mode="sg"' -o page.json
"$bin" config.json --quiet --set 'fetch.mode="sg"' --set 'fetch.unknown_layout="lookup"' -o lookup.json
"$bin" config.json --quiet --set 'fetch.mode="sg"' --set 'fetch.unknown_layout="lookup"' \
  --set cpu_blades.threads_per_blade=2 -o one.json
python3 - <<'PY'
import json, sys
def run(name):
    d = json.load(open(name + ".json"))
    return d["runs"][0], d["config"]
page, cfg = run("page")
lookup, _ = run("lookup")
one, _ = run("one")
fail = []
def eq(what, got, want):
    if got != want: fail.append("%s: %s, expected %s" % (what, got, want))
t1 = lambda r: r["threads"][1]
for name, r in (("page", page), ("lookup", lookup), ("one blade", one)):
    eq(name + " violations", r["violations"], 0)
    e = r["bytes_beyond_live"]
    eq(name + " bytes_beyond_live adds up", e["head"] + e["merged_holes"] + e["stale_bits"]
       + e["whole_page"] + e["unknown_layout"], e["total"])
# the blade that wrote Q back reads its 192 B slot: 6 first touches of the 128 B head, then Q
eq("page: blade 0 bytes", page["threads"][0]["bytes_fetched"], 6 * 128 + 192)
eq("page: blade 1 bytes", t1(page)["bytes_fetched"], 4096 + 8)
eq("page: unknown_layout bytes", page["bytes_beyond_live"]["unknown_layout"], 4096 + 8 - 192)
eq("page: lookups", page["layout_lookups"], 0)
eq("lookup: blade 1 bytes", t1(lookup)["bytes_fetched"], 8 + 192)
eq("lookup: lookups", lookup["layout_lookups"], 1)
eq("lookup: unknown_layout bytes", lookup["bytes_beyond_live"]["unknown_layout"], 8)
eq("one blade: thread 1 bytes", t1(one)["bytes_fetched"], 192)
eq("one blade: lookups", one["layout_lookups"], 0)
# one more round trip: request and reply each cross blade link, pipeline, memory link
net = cfg["network"]
rtt_us = 2 * (2 * net["link_latency_ns"] + net["switch_latency_ns"]) / 1000.0
extra = t1(lookup)["fault_latency_us"]["max"] - t1(one)["fault_latency_us"]["max"]
if extra < rtt_us:
    fail.append("lookup adds %.3f us to the fault, less than a round trip (%.3f us)"
                % (extra, rtt_us))
if fail:
    print("\n".join(fail)); sys.exit(1)
PY
echo ok
