#!/bin/sh
# The coherence directory's exact counts on hand-built traces (the golden cases' configs, with
# the checker on), bounded splitting ending false sharing, a tiny directory never exceeding its
# capacity, the directory time series written next to the results, and the coherence figures.
# $1 = build directory, $2 = source directory.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
src="$(cd "$2" && pwd)"
. "$src/tests/e2e/json_lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
for c in ping_pong false_sharing_16k false_sharing_4k readers upgrade four_writers; do
  d="$src/tests/golden/coherence_$c"
  args=""
  [ -f "$d/args" ] && args=$(cat "$d/args")
  "$bin" "$d/config.json" $args --quiet -o "$c.json"
done
c='.runs[0].coherence'
g='(.runs[0].coherence.transitions | map_values(.grants))'
# two blades write one page in turn, 10 writes: every write after the first invalidates one blade
jcheck ping_pong.json "$c | .invalidations == 9 and .invalidated_pages == 9 and .false_invalidations == 0
  and .writebacks == 9 and .false_writebacks == 0" "$c"
jcheck ping_pong.json "$g | .I_M == 1 and .M_M == 9" "$g"
jcheck ping_pong.json "$c.transitions.M_M | .count == 9 and .p99_us > 0" "$c.transitions.M_M"
# different pages of one 16 KiB region: every invalidation is false; none with 4 KiB regions
jcheck false_sharing_16k.json "$c | .invalidations == 9 and .false_invalidations == 9 and .false_writebacks == 9" "$c"
jcheck false_sharing_4k.json "$c | .invalidations == 0 and .false_invalidations == 0 and .writebacks == 0" "$c"
jcheck false_sharing_4k.json "$g.I_M == 2" "$g"
# readers only: no invalidations (the exclusive first reader is downgraded once, nothing dirty)
jcheck readers.json "$c | .invalidations == 0 and .invalidated_pages == 0 and .writebacks == 0
  and .downgrades == 1" "$c"
jcheck readers.json "$g | .I_S == 1 and .M_S == 1" "$g"
# read, read, write hit on S (upgrade: one invalidation), read (downgrade with one write-back)
jcheck upgrade.json 'all(.runs[]; .coherence | .upgrades == 1 and .transitions.S_M.grants == 1
  and .invalidations == 1 and .downgrades == 2 and .writebacks == 1 and .false_writebacks == 0)' \
  '[.runs[].coherence]'
# four blades racing on one page: NACKs, retries, and the run finishes with every write done
jcheck four_writers.json "$c | .nacks > 0 and .nacks == .retries and .invalidations == .transitions.M_M.grants" "$c"
jcheck four_writers.json '.runs[0] | .accesses == 200 and .violations == 0' '.runs[0].accesses'
echo "exact counts: ok"

# bounded splitting: false sharing in a 16 KiB region stops once the region is split
awk 'BEGIN { print "0 A 0x10000000 16384"
  for (i = 0; i < 40; i++) print "0 W 0x10000000 8\n0 C 20000\n1 W 0x10003000 8\n1 C 20000" }' >fs.trace
cat >fs.json <<'JSON'
{"workload": {"trace": "fs.trace"}, "cpu_blades": {"count": 2, "threads_per_blade": 1},
 "fetch": {"mode": "4k"}, "switch": {"check_coherence": true, "epoch_ns": 100000}}
JSON
"$bin" fs.json --quiet -o split.json
"$bin" fs.json --quiet --set 'switch.region_mode="static"' -o static.json
# a two-entry directory over pages of eight regions: reclaims, never past capacity
awk 'BEGIN { print "0 A 0x10000000 131072\n1 C 5000"
  for (i = 0; i < 4; i++) for (p = 0; p < 8; p++) printf "%d W 0x%x 8\n%d C 3000\n", p % 2, 268435456 + p * 16384, p % 2 }' >cap.trace
cat >cap.json <<'JSON'
{"workload": {"trace": "cap.trace"}, "cpu_blades": {"count": 2, "threads_per_blade": 1},
 "fetch": {"mode": "4k"}, "switch": {"check_coherence": true, "directory_entries": 2, "epoch_ns": 20000}}
JSON
"$bin" cap.json --quiet -o cap.out.json
# static: all 79; split: those of the first epochs only (how many fit in an epoch depends on
# how long a fault takes)
jcheck split.json "$c | .directory.splits >= 1 and .false_invalidations < 25" "$c.directory"
jcheck static.json "$c | .directory.splits == 0 and .false_invalidations == 79" "$c.false_invalidations"
jcheck split.json "$c.directory.region_sizes[\"16384\"] == 0" "$c.directory.region_sizes"
jcheck static.json "$c.directory.region_sizes[\"16384\"] == 1" "$c.directory.region_sizes"
# the directory CSV (fetch_mode,epoch,time_s,entries,splits,merges,invalidations): a row per epoch
[ "$(head -n 1 split.json.directory.csv)" = fetch_mode,epoch,time_s,entries,splits,merges,invalidations ] ||
  { echo "directory CSV header: $(head -n 1 split.json.directory.csv)"; exit 1; }
awk -F, 'NR > 1 { n++; s += $5; i += $7 } END { print n + 0, s + 0, i + 0 }' split.json.directory.csv >csv.txt
read -r rows splits invals <csv.txt
jcheck split.json "$c | $rows == .directory.epochs and $rows > 0 and $splits == .directory.splits
  and $invals <= .invalidations" "[$rows, $splits, $invals, $c.directory.epochs, $c.directory.splits, $c.invalidations]"
jcheck cap.out.json "$c.directory | .peak_entries <= 2 and .reclaims > 0" "$c.directory"
awk -F, 'NR > 1 && $4 > 2 { print "directory CSV: " $0 " over 2 entries"; bad = 1 } END { exit bad }' cap.out.json.directory.csv
echo "bounded splitting and capacity: ok"
# scripts/plot-coherence: two PNGs from results files (and PDFs); a missing file is bad
# input; so is a figure with nothing to draw (one blade, no epoch ended): nothing written
if command -v gnuplot >/dev/null; then
  export MINDSIM_BUILD="$(cd "$1" && pwd)"
  "$src/scripts/plot-coherence" fig split.json four_writers.json --format png,pdf
  for f in fig-directory.png fig-transitions.png; do
    [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "$f is not a PNG"; exit 1; }
  done
  for f in fig-directory.pdf fig-transitions.pdf; do
    [ "$(head -c 5 "$f")" = %PDF- ] || { echo "$f is not a PDF"; exit 1; }
  done
  if "$src/scripts/plot-coherence" fig2 no-such.json 2>err.txt; then echo "accepted a missing file"; exit 1; fi
  [ "$(wc -l <err.txt)" -eq 1 ] || { cat err.txt; exit 1; }
  "$bin" "$src/configs/default.json" --quiet -o one-blade.json
  rc=0; "$src/scripts/plot-coherence" fig3 one-blade.json 2>err.txt || rc=$?
  [ $rc -eq 2 ] && [ "$(wc -l <err.txt)" -eq 1 ] && grep -q 'would be empty' err.txt ||
    { echo "an empty directory figure: exit $rc: $(cat err.txt)"; exit 1; }
  ! ls fig3* >/dev/null 2>&1 || { echo "an empty figure left files: $(ls fig3*)"; exit 1; }
fi
# deterministic: the same run twice gives the same results (wall-clock fields aside)
"$bin" "$src/tests/golden/coherence_four_writers/config.json" --quiet -o again.json
grep -v '"wall_' four_writers.json >a; grep -v '"wall_' again.json >b
cmp a b
echo ok
