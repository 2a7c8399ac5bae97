#!/bin/sh
# The coherence directory's exact counts on hand-built traces (the golden cases' configs, with
# the checker on), bounded splitting ending false sharing, a tiny directory never exceeding its
# capacity, and the directory time series written next to the results.
# $1 = build directory, $2 = source directory.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
src="$(cd "$2" && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
for c in ping_pong false_sharing_16k false_sharing_4k readers upgrade four_writers; do
  d="$src/tests/golden/coherence_$c"
  args=""
  [ -f "$d/args" ] && args=$(cat "$d/args")
  "$bin" "$d/config.json" $args --quiet -o "$c.json"
done
python3 - <<'PY'
import json
def coh(name, i=0):
    return json.load(open(name + ".json"))["runs"][i]["coherence"]
def grants(c):
    return {k: v["grants"] for k, v in c["transitions"].items()}
# two blades write one page in turn, 10 writes: every write after the first invalidates one blade
c = coh("ping_pong")
assert c["invalidations"] == 9 and c["invalidated_pages"] == 9, c
assert c["false_invalidations"] == 0 and c["writebacks"] == 9 and c["false_writebacks"] == 0, c
assert grants(c)["I_M"] == 1 and grants(c)["M_M"] == 9, grants(c)
assert c["transitions"]["M_M"]["count"] == 9 and c["transitions"]["M_M"]["p99_us"] > 0, c
# different pages of one 16 KiB region: every invalidation is false; none with 4 KiB regions
c = coh("false_sharing_16k")
assert c["invalidations"] == 9 and c["false_invalidations"] == 9 and c["false_writebacks"] == 9, c
c = coh("false_sharing_4k")
assert c["invalidations"] == 0 and c["false_invalidations"] == 0 and c["writebacks"] == 0, c
assert grants(c)["I_M"] == 2, grants(c)
# readers only: no invalidations (the exclusive first reader is downgraded once, nothing dirty)
c = coh("readers")
assert c["invalidations"] == 0 and c["invalidated_pages"] == 0 and c["writebacks"] == 0, c
assert c["downgrades"] == 1 and grants(c)["I_S"] == 1 and grants(c)["M_S"] == 1, c
# read, read, write hit on S (upgrade: one invalidation), read (downgrade with one write-back)
for i in (0, 1):
    c = coh("upgrade", i)
    assert c["upgrades"] == 1 and grants(c)["S_M"] == 1 and c["invalidations"] == 1, c
    assert c["downgrades"] == 2 and c["writebacks"] == 1 and c["false_writebacks"] == 0, c
# four blades racing on one page: NACKs, retries, and the run finishes with every write done
r = json.load(open("four_writers.json"))["runs"][0]
c = r["coherence"]
assert c["nacks"] > 0 and c["nacks"] == c["retries"], c
assert r["accesses"] == 200 and r["violations"] == 0, r["accesses"]
assert c["invalidations"] == grants(c)["M_M"], c
print("exact counts: ok")
PY

# bounded splitting: false sharing in a 16 KiB region stops once the region is split
python3 - <<'PY'
t = ["0 A 0x10000000 16384"]
for i in range(40):
    t += ["0 W 0x10000000 8", "0 C 20000", "1 W 0x10003000 8", "1 C 20000"]
open("fs.trace", "w").write("\n".join(t) + "\n")
PY
cat >fs.json <<'JSON'
{"workload": {"trace": "fs.trace"}, "cpu_blades": {"count": 2, "threads_per_blade": 1},
 "fetch": {"mode": "4k"}, "switch": {"check_coherence": true, "epoch_ns": 100000}}
JSON
"$bin" fs.json --quiet -o split.json
"$bin" fs.json --quiet --set 'switch.region_mode="static"' -o static.json
# a two-entry directory over pages of eight regions: reclaims, never past capacity
python3 - <<'PY'
t = ["0 A 0x10000000 131072", "1 C 5000"]
for i in range(4):
    for p in range(8):
        t += ["%d W 0x%x 8" % (p % 2, 0x10000000 + p * 16384), "%d C 3000" % (p % 2)]
open("cap.trace", "w").write("\n".join(t) + "\n")
PY
cat >cap.json <<'JSON'
{"workload": {"trace": "cap.trace"}, "cpu_blades": {"count": 2, "threads_per_blade": 1},
 "fetch": {"mode": "4k"}, "switch": {"check_coherence": true, "directory_entries": 2, "epoch_ns": 20000}}
JSON
"$bin" cap.json --quiet -o cap.out.json
python3 - <<'PY'
import csv, json
s = json.load(open("split.json"))["runs"][0]["coherence"]
t = json.load(open("static.json"))["runs"][0]["coherence"]
assert s["directory"]["splits"] >= 1 and s["false_invalidations"] < 10, s["directory"]
assert t["directory"]["splits"] == 0 and t["false_invalidations"] == 79, t["false_invalidations"]
assert s["directory"]["region_sizes"]["16384"] == 0 and t["directory"]["region_sizes"]["16384"] == 1
rows = list(csv.DictReader(open("split.json.directory.csv")))
assert len(rows) == s["directory"]["epochs"] and len(rows) > 0, len(rows)
assert sum(int(r["splits"]) for r in rows) == s["directory"]["splits"]
assert sum(int(r["invalidations"]) for r in rows) <= s["invalidations"]
c = json.load(open("cap.out.json"))["runs"][0]["coherence"]
assert c["directory"]["peak_entries"] <= 2 and c["directory"]["reclaims"] > 0, c["directory"]
for r in csv.DictReader(open("cap.out.json.directory.csv")):
    assert int(r["entries"]) <= 2, r
print("bounded splitting and capacity: ok")
PY
# scripts/plot-coherence: two PNGs from results files; a missing file is bad input
if command -v gnuplot >/dev/null; then
  "$src/scripts/plot-coherence" fig split.json four_writers.json
  for f in fig-directory.png fig-transitions.png; do
    [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "$f is not a PNG"; exit 1; }
  done
  if "$src/scripts/plot-coherence" fig2 no-such.json 2>err.txt; then echo "accepted a missing file"; exit 1; fi
  [ "$(wc -l <err.txt)" -eq 1 ] || { cat err.txt; exit 1; }
fi
# deterministic: the same run twice gives the same results (wall-clock fields aside)
"$bin" "$src/tests/golden/coherence_four_writers/config.json" --quiet -o again.json
grep -v '"wall_' four_writers.json >a; grep -v '"wall_' again.json >b
cmp a b
echo ok
