#!/bin/sh
# scripts/plot on a tiny sweep with every figure kind: PNG and SVG per figure; missing
# control-plane columns tolerated; the cdf figure is the true CDF from the results JSON
# (quantile steps with a note when the JSON has none); bad input exits 2 with one line.
# usage: sh tests/e2e/test_sweep_plot.sh BUILD_DIR SOURCE_DIR
set -eu
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export MINDSIM_BUILD="$build"
cd "$work"
cat >t.trace <<'TRACE'
0 M 0x10000000 65536
0 A 0x10000000 65536
0 W 0x10000000 64
0 R 0x10001000 8
0 W 0x10002000 8
0 R 0x10000000 8
0 U 0x10000000 65536
1 A 0x20000000 8192
1 R 0x20000000 8
TRACE
# then two threads on 48 pages each, objects of varying sizes, through a 16-page cache:
# evictions and queueing spread the fault latencies over many histogram buckets
i=0
while [ $i -lt 48 ]; do
  a=$((0x30000000 + i * 4096)); b=$((0x40000000 + i * 4096)); n=$((64 + (i % 8) * 448))
  printf '0 A 0x%x %d\n0 W 0x%x %d\n1 A 0x%x %d\n1 R 0x%x 8\n' $a $n $a $n $b $((4096 - n)) $b >>t.trace
  i=$((i + 1))
done
i=0
while [ $i -lt 48 ]; do
  printf '0 R 0x%x 8\n1 W 0x%x 8\n' $((0x30000000 + i * 4096)) $((0x40000000 + i * 4096)) >>t.trace
  i=$((i + 1))
done
cat >base.json <<'JSON'
{"workload": {"trace": "t.trace"}, "cpu_blades": {"count": 1, "threads_per_blade": 2, "cache_bytes": 65536}}
JSON
cat >spec.json <<'JSON'
{"description": "tiny, every figure", "base": "base.json",
 "axes": {"network.link_bandwidth_gbps": [10, 100], "network.link_latency_ns": [250, 1000]},
 "columns": ["ctrl_plane.calls", "ctrl_plane.blocked_s", "program_memory.mmaps", "program_memory.munmaps", "program_memory.brks"],
 "plots": [
   {"kind": "heatmap", "x": "network.link_bandwidth_gbps", "y": "network.link_latency_ns"},
   {"kind": "bars", "group": "network.link_latency_ns"},
   {"kind": "cdf", "point": "1"},
   {"kind": "ctrl", "x": "network.link_latency_ns"},
   {"kind": "lines", "x": "network.link_bandwidth_gbps", "y": "fault_latency_us_mean"}
 ]}
JSON
"$src/scripts/sweep" spec.json -o s -j 2 2>/dev/null || fail "sweep"
"$src/scripts/plot" s >plot.out || fail "plot"
for f in heatmap bars cdf ctrl lines; do
  [ "$(head -c 8 "s/figures/$f.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$f.png is not a PNG"
  grep -q '<svg' "s/figures/$f.svg" || fail "$f.svg is not an SVG"
done
ls s/figures | grep -q tmp && fail "temporary files left"
# the cdf figure is the true CDF from the point's results JSON: one block per mode (4k, sg),
# more than 3 steps each, fractions rising to 1
grep -q '^# no latency CDF' s/figures/cdf.dat && fail "cdf figure fell back to quantile steps"
awk 'BEGIN { b = 0 } /^#/ { next }
  NF { if ($2 + 0 < last) bad = 1; last = $2 + 0; n[b]++; end[b] = $2 + 0; next }
  n[b] { b++; last = 0 }
  END { if (b != 2 || bad) exit 1; for (i = 0; i < b; i++) if (n[i] <= 3 || end[i] != 1) exit 1 }' \
  s/figures/cdf.dat || fail "cdf data: want 2 blocks of > 3 rising points ending at 1: $(cat s/figures/cdf.dat)"
# results without "cdf" (an older mindsim): the quantile steps, with a note
id=$(awk -F, '$1 == 1 { print $2; exit }' s/summary.csv)
sed '/^        "cdf": \[$/,/^        \]$/d' "s/points/$id.json" >old.json
grep -q '"cdf"' old.json && fail "could not strip the cdf"
mv old.json "s/points/$id.json"
"$src/scripts/plot" s >/dev/null || fail "plot without cdf"
grep -q '^# no latency CDF' s/figures/cdf.dat || fail "no fallback note without cdf"
grep -q '<svg' s/figures/cdf.svg || fail "cdf.svg without cdf"
rc=0; "$src/scripts/plot" nowhere 2>err || rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <err)" = 1 ] || fail "plot on a missing dir: exit $rc"
echo ok
