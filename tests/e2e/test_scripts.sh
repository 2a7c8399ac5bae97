#!/bin/sh
# End-to-end checks of the helper scripts: plot-compare (PNG from a CSV, single mode, zero
# denominators, bad input), demo on a tiny generated trace, and bench --quick (replay speed,
# RSS, capture overhead, access capture rate, and the instruction counts of a hit, a fault and
# the bare SimGrid loop it builds).
# usage: sh tests/e2e/test_scripts.sh BUILD_DIR SOURCE_DIR
set -eu

build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

header=fetch_mode,sim_time_s,records,accesses,hits,faults,bytes_fetched,live_bytes_fetched,bytes_evicted,wire_bytes,fault_latency_us_mean,fault_latency_us_p50,fault_latency_us_p99,fault_latency_us_max,sges_per_fetch_mean,wrs_per_fetch_mean,amplification,violations,evictions,writebacks,faults_by_kind_first_touch_faults,faults_by_kind_first_touch_bytes_fetched,faults_by_kind_first_touch_fault_latency_us_mean,faults_by_kind_refault_faults,faults_by_kind_refault_bytes_fetched,faults_by_kind_refault_fault_latency_us_mean,faults_by_kind_refault_fault_latency_us_p99

is_png() { # FILE: exists, non-empty, PNG signature
  [ -s "$1" ] || return 1
  [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
}

# --- plot-compare: two modes ---
cat >"$work/two.csv" <<CSV
$header
4k,0.008,59034,23941,19756,4185,17141760,4954048,9121792,27176896,7.64,7.55,13.44,27.47,1,1,3.46,0,3966,2227,1500,6144000,7.8,2685,10997760,7.55,13.2
sg,0.0064,59034,23941,19764,4177,8341504,4255168,6515904,15768908,5.99,5.44,11.07,26.40,2.50,1,1.96,0,3960,2222,1500,6144000,7.8,2677,2197504,5.1,10.9
CSV
"$src/scripts/plot-compare" "$work/two.csv" "$work/two.png" || fail "plot-compare on a good CSV"
is_png "$work/two.png" || fail "two.png is not a PNG"

# --- one mode, and zero denominators (nothing evicted, no wire bytes, no latency) ---
cat >"$work/one.csv" <<CSV
$header
4k,0.008,100,50,50,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0
CSV
"$src/scripts/plot-compare" "$work/one.csv" "$work/one.png" || fail "plot-compare on a one-mode CSV"
is_png "$work/one.png" || fail "one.png is not a PNG"
cat >"$work/zero.csv" <<CSV
$header
4k,0.008,100,50,50,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0
sg,0.004,100,50,45,5,320,320,0,400,1.5,1.5,2,2,1,1,1,0,0,0,0,0,0,5,320,1.5,2
CSV
"$src/scripts/plot-compare" "$work/zero.csv" "$work/zero.png" || fail "plot-compare with zero denominators"
is_png "$work/zero.png" || fail "zero.png is not a PNG"

# --- bad input: exit 2, one line naming the file, no PNG (nor temp file) left ---
bad_case() { # NAME CSV
  rc=0
  "$src/scripts/plot-compare" "$2" "$work/$1.png" 2>"$work/$1.err" || rc=$?
  [ "$rc" = 2 ] || fail "plot-compare on $1: exit $rc, expected 2"
  [ "$(wc -l <"$work/$1.err")" = 1 ] || fail "plot-compare on $1: expected one line on stderr"
  grep -qF "$2" "$work/$1.err" || fail "plot-compare on $1: error does not name $2"
  for f in "$work/$1.png"*; do
    [ -e "$f" ] && fail "plot-compare on $1 left $f"
  done
  return 0
}
printf 'mode,time\n4k,1\n' >"$work/wrongheader.csv"
bad_case wrongheader "$work/wrongheader.csv"
bad_case missing "$work/no-such.csv"
printf '%s\n4k,abc,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1\n' "$header" >"$work/notnum.csv"
bad_case notnum "$work/notnum.csv"
printf '%s\n' "$header" >"$work/norows.csv"
bad_case norows "$work/norows.csv"

# --- demo on a tiny trace: mindsim table, results JSON + CSV, chart ---
awk 'BEGIN {
  print "0 A 0x10000000 65536"
  x = 1
  for (i = 0; i < 2000; i++) {
    x = (1103515245 * x + 12345) % 2147483648
    printf "0 %s 0x%x 8\n", (x % 3 == 0 ? "W" : "R"), 268435456 + (int(x / 256) % 1024) * 64
  }
}' >"$work/tiny.trace"
cat >"$work/tiny.json" <<JSON
{ "workload": { "trace": "tiny.trace" },
  "cpu_blades": { "count": 1, "threads_per_blade": 1, "cache_bytes": 16384 } }
JSON
MINDSIM_BUILD="$build" MINDSIM_RESULTS="$work/results" "$src/scripts/demo" "$work/tiny.json" \
  >"$work/demo.out" 2>"$work/demo.err" || { cat "$work/demo.err" >&2; fail "demo"; }
for f in tiny.json tiny.csv; do
  [ -s "$work/results/$f" ] || fail "demo did not write results/$f"
done
is_png "$work/results/tiny.png" || fail "demo did not draw results/tiny.png"
grep -q 'tiny.png' "$work/demo.out" || fail "demo does not say where the chart went"

# --- bench --quick: the measurements are printed with numbers ---
if grep -q '^MINDSIM_SANITIZE:BOOL=ON$' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "ok (bench --quick not run: a sanitized build measures nothing)"
  exit 0
fi
MINDSIM_BUILD="$build" "$src/scripts/bench" --quick >"$work/bench.out" 2>"$work/bench.err" \
  || { cat "$work/bench.err" >&2; fail "bench --quick"; }
grep -Eq '^hit replay \(accesses/s\) +[0-9]+ ' "$work/bench.out" \
  || { cat "$work/bench.out"; fail "bench: no hit replay rate"; }
grep -Eq '^fault rate 4k \(faults/s\) +[0-9]+ ' "$work/bench.out" \
  || { cat "$work/bench.out"; fail "bench: no 4k fault rate"; }
grep -Eq '^fault rate sg \(faults/s\) +[0-9]+ ' "$work/bench.out" \
  || { cat "$work/bench.out"; fail "bench: no sg fault rate"; }
[ "$(grep -Ec '^peak RSS, .* records \(KiB\) +[0-9]+ ' "$work/bench.out")" = 2 ] \
  || { cat "$work/bench.out"; fail "bench: no peak RSS for both trace lengths"; }
# capture measurements: numbers, or n/a when mindtrace (or its Valgrind tool) is not built
if [ -x "$build/traces/mindtrace/mindtrace" ]; then ov='-?[0-9.]+'; else ov='n/a'; fi
grep -Eq "^interposer overhead, 1 thread \\(ns/event\\) +$ov " "$work/bench.out" \
  || { cat "$work/bench.out"; fail "bench: no interposer overhead per event"; }
grep -Eq "^  end to end, incl\\. conversion \\(ns/event\\) +$ov " "$work/bench.out" \
  || { cat "$work/bench.out"; fail "bench: no end-to-end capture overhead per event"; }
if [ -x "$build/traces/mindtrace/mindtrace" ] && [ -x "$build/traces/mindtrace/valgrind/mindtrace-amd64-linux" ]; then
  acc='[0-9]+'
else
  acc='n/a'
fi
grep -Eq "^mindtrace --accesses, recorded \\(accesses/s\\) +$acc " "$work/bench.out" \
  || { cat "$work/bench.out"; fail "bench: no recorded access rate"; }
# instruction counts: numbers (valgrind is installed with the tests' packages), the reference
# built from scripts/bench_rr.c, and the ratios of the faults to it (reads only; with write-backs)
for row in 'instructions per hit record \(all processes\)' 'instructions per fault, reads only' \
           '  bare SimGrid request/reply \(reference\)' '  fault / bare request/reply' \
           'instructions per fault, 1 in 4 a write' '  bare \+ [0-9.]+ write-backs a request' \
           '  fault / bare with the same write-backs'; do
  grep -Eq "^$row +[0-9.]+ " "$work/bench.out" || { cat "$work/bench.out"; fail "bench: no '$row'"; }
done

echo ok
