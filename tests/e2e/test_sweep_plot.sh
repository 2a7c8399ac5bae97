#!/bin/sh
# scripts/plot on a tiny sweep with every figure kind: PNG and SVG per figure (PDF on
# request), and the plotted numbers in NAME.dat; the cdf figure is the true CDF from the
# results JSON (quantile steps with a note when the JSON has none). On hand-made summaries:
# a ratio heatmap's colour scale is centred on 1 whatever the data, an axis a lines figure
# does not plot gets a line per value, repetitions are averaged and said so. Bad input exits 2
# with one line: a missing dir, an unknown plot option, an axis a heatmap cannot show,
# control-plane columns the summary lacks, an empty column.
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
 "columns": ["control_plane.calls.mmap", "control_plane.calls.munmap", "control_plane.calls.brk",
             "control_plane.calls.mprotect", "control_plane.threads_blocked_s"],
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
  grep -q '^#' "s/figures/$f.dat" && grep -q '^[0-9a-z]' "s/figures/$f.dat" || fail "$f.dat: $(cat "s/figures/$f.dat")"
done
# a label from the schema's help text, not the raw key; no enhanced-text markup in names
grep -q 'link bandwidth per direction (Gbit/s)' s/figures/heatmap.svg || fail "heatmap: no label from the schema"
# ctrl: the control-plane calls of each mode (the trace has one mmap and one munmap)
awk 'NR > 1 && ($2 != 2 || $3 != 2) { exit 1 }' s/figures/ctrl.dat || fail "ctrl.dat: $(cat s/figures/ctrl.dat)"
"$src/scripts/plot" s --format pdf --no-caption >/dev/null || fail "plot --format pdf"
for f in heatmap bars cdf ctrl lines; do
  [ "$(head -c 5 "s/figures/$f.pdf")" = %PDF- ] || fail "$f.pdf is not a PDF"
done
rc=0; "$src/scripts/plot" s --format gif 2>err || rc=$?
[ "$rc" = 2 ] && grep -q "unknown format 'gif'" err || fail "--format gif: exit $rc: $(cat err)"
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

# Hand-made sweeps: DIR with summary.csv and sweep.info as mindsim-sweep writes them.
# fake DIR AXES_AND_PLOTS: summary from stdin
fake() {
  rm -rf "$1"; mkdir "$1"; cat >"$1/summary.csv"
  printf 'spec\tfake.json\ndescription\thand-made\npoints\t%s\n%b\n' \
    "$(($(wc -l <"$1/summary.csv") - 1))" "$2" >"$1/sweep.info"
}
bad() { # DIR WANT: plot exits 2 with one line containing WANT
  rc=0; "$src/scripts/plot" "$1" >/dev/null 2>err || rc=$?
  [ "$rc" = 2 ] && [ "$(wc -l <err)" = 1 ] && grep -qF -- "$2" err || fail "$1: exit $rc, want 2 and '$2': $(cat err)"
}
bw=network.link_bandwidth_gbps; lat=network.link_latency_ns
# every ratio below 1 (sg better everywhere): white still sits at 1, the data all on one side
fake h "axis\t$bw\t10\t100\naxis\t$lat\t250\t1000\nplot\theatmap\tx=$bw\ty=$lat" <<CSV
point,id,$bw,$lat,fetch_mode,ratio_sim_time_s
0,a,10,250,sg,0.75
1,b,10,1000,sg,0.9
2,c,100,250,sg,0.98
3,d,100,1000,sg,0.8
CSV
"$src/scripts/plot" h >/dev/null || fail "heatmap of ratios below 1"
grep -qx '# colour scale 0.75 .. 1.25, white at 1' h/figures/heatmap.dat || fail "heatmap scale: $(head -2 h/figures/heatmap.dat)"
# the same with a third axis of two values: a heatmap cannot show it
fake h3 "axis\t$bw\t10\t100\naxis\t$lat\t250\t1000\naxis\tfetch.max_sge\t3\t30\nplot\theatmap\tx=$bw\ty=$lat" <h/summary.csv
bad h3 "axis 'fetch.max_sge' has several values but is neither x nor y"
# an option with a typo, named in the error
fake h4 "axis\t$bw\t10\t100\naxis\t$lat\t250\t1000\nplot\tlines\tx=$bw\txlable=speed" <h/summary.csv
bad h4 "unknown option 'xlable'"
# lines: the axis not plotted gets a line per value; two seeds are averaged, and said so
fake l "axis\t$bw\t10\t100\naxis\t$lat\t250\t1000\naxis\tseed\t1\t2\nplot\tlines\tx=$bw\ty=faults" <<CSV
point,id,$bw,$lat,seed,fetch_mode,faults
0,a,10,250,1,4k,10
1,b,10,250,2,4k,20
2,c,10,1000,1,4k,30
3,d,10,1000,2,4k,30
4,e,100,250,1,4k,40
5,f,100,250,2,4k,40
6,g,100,1000,1,4k,50
7,h,100,1000,2,4k,70
CSV
"$src/scripts/plot" l >/dev/null || fail "lines with a second axis"
[ "$(grep -c '^# series' l/figures/lines.dat)" = 2 ] || fail "lines: want a series per latency: $(cat l/figures/lines.dat)"
grep -q '^# series 2: 4k, one-way latency of one link = 1000$' l/figures/lines.dat || fail "lines: series titles: $(cat l/figures/lines.dat)"
[ "$(grep -v '^#' l/figures/lines.dat | tr -s '\n' ' ')" = "10 15 100 40 10 30 100 60 " ] || fail "lines: data: $(cat l/figures/lines.dat)"
grep -q 'mean of 2 seeds' l/figures/lines.svg || fail "lines: the caption does not say seeds were averaged"
# ctrl without the control-plane columns in the summary; a lines figure of an empty column
fake c "axis\t$bw\t10\t100\nplot\tctrl\tx=$bw" <<CSV
point,id,$bw,fetch_mode,faults,sim_time_s
0,a,10,4k,1,
1,b,100,4k,2,
CSV
bad c "has no column 'control_plane_calls_mmap'"
fake e "axis\t$bw\t10\t100\nplot\tlines\tx=$bw\ty=sim_time_s" <c/summary.csv
bad e "column 'sim_time_s' is empty"
echo ok
