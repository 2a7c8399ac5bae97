#!/bin/sh
# scripts/plot on a tiny sweep with every figure kind: PNG and SVG per figure; missing
# control-plane columns tolerated; bad input exits 2 with one line.
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
cat >base.json <<'JSON'
{"workload": {"trace": "t.trace"}, "cpu_blades": {"count": 1, "threads_per_blade": 2, "cache_bytes": 1048576}}
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
rc=0; "$src/scripts/plot" nowhere 2>err || rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <err)" = 1 ] || fail "plot on a missing dir: exit $rc"
echo ok
