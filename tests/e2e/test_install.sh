#!/bin/sh
# test_install.sh BUILD_DIR SOURCE_DIR: `cmake --install BUILD --prefix P` puts mindsim,
# mindsim-trace, mindsim-sweep and mindtrace in P/bin, mindtrace's interposer (and its Valgrind
# tool, when built) in P/lib/mindsim, and the scripts, configs and sample traces under
# P/share/mindsim; then, from another directory and with no build directory in sight, the
# installed mindsim runs the shipped default config (its trace found relative to the config),
# mindtrace captures a program (and, with the tool, its accesses), and the installed scripts
# run a sweep and draw its figure with the installed tools. Prints "ok" on success.
set -eu
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
. "$src/tests/e2e/json_lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
unset MINDSIM_BUILD

p=$work/prefix
cmake --install "$build" --prefix "$p" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "cmake --install"; }
for f in bin/mindsim bin/mindsim-trace bin/mindsim-sweep bin/mindtrace; do
  [ -x "$p/$f" ] || fail "$f not installed"
done
[ -f "$p/lib/mindsim/libmindtrace.so" ] || fail "lib/mindsim/libmindtrace.so not installed"
for f in sweep plot plot-compare plot-coherence; do
  [ -x "$p/share/mindsim/scripts/$f" ] || fail "share/mindsim/scripts/$f not installed"
done
for f in configs/default.json configs/sweeps/latency_cdf.json traces/samples/default.trace; do
  [ -f "$p/share/mindsim/$f" ] || fail "share/mindsim/$f not installed"
done

mkdir "$work/elsewhere"
cd "$work/elsewhere"
"$p/bin/mindsim" --version >/dev/null || fail "installed mindsim --version"
"$p/bin/mindsim" "$p/share/mindsim/configs/default.json" --quiet -o r.json || fail "installed mindsim, default config"
jcheck r.json "[.runs[].fetch_mode] == [\"4k\", \"sg\"] and .comparison.sim_time_ratio > 0" '.runs[].fetch_mode'
jcheck r.json ".mindsim.inputs[1].sha256 == \"$(sha256sum "$src/traces/samples/default.trace" | cut -d' ' -f1)\"" \
  '.mindsim.inputs'
echo "installed mindsim: $(jq -r '.mindsim.inputs[1].path' r.json)"

"$p/bin/mindtrace" -o m.bin -- "$build/traces/memtest" 1 16 64 1 >/dev/null || fail "installed mindtrace"
"$p/bin/mindsim-trace" stat m.bin | grep -q '^records\.A: [1-9]' || fail "installed mindtrace: no allocations recorded"
if [ -x "$build/traces/mindtrace/valgrind/mindtrace-amd64-linux" ]; then
  [ -x "$p/lib/mindsim/valgrind/mindtrace-amd64-linux" ] || fail "the Valgrind tool is not installed"
  "$p/bin/mindtrace" --accesses -o a.bin -- "$build/traces/memtest" 1 16 64 1 >/dev/null ||
    fail "installed mindtrace --accesses"
  "$p/bin/mindsim-trace" stat a.bin | grep -q '^records\.R: [1-9]' || fail "installed mindtrace --accesses: no reads"
  echo "installed mindtrace: allocations and accesses"
fi

if command -v gnuplot >/dev/null; then
  s=$p/share/mindsim/scripts
  "$s/sweep" "$p/share/mindsim/configs/sweeps/latency_cdf.json" -o sw 2>/dev/null || fail "installed scripts/sweep"
  "$s/plot" sw --format png >/dev/null || fail "installed scripts/plot"
  [ -s sw/figures/cdf.png ] || fail "installed scripts/plot: no cdf.png"
  "$p/bin/mindsim" "$p/share/mindsim/configs/default.json" --quiet -o c.json --csv c.csv || fail "mindsim --csv"
  "$s/plot-compare" c.csv c.svg || fail "installed scripts/plot-compare"
  grep -q '<svg' c.svg || fail "plot-compare: c.svg is not an SVG"
  echo "installed scripts: sweep, plot, plot-compare"
fi
echo ok
