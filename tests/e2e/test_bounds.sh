#!/bin/sh
# Hostile sizes end quickly (docs/config.md, "Bounds"): a sweep axis of 1,000,001 values is
# refused with the limit named, a sweep of 100,000 points lists every point, and a sweep over a
# FIFO is refused instead of blocking (mindsim alone spools a FIFO: test_streams.sh). Nothing
# here is timed;
# the sweep loads in O(n log n) (an axis's duplicates by sorting, point ids by sorting), where
# it was O(n^2). $1 = build dir.
set -eu
build="$(cd "$1" && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }

printf '0 A 0x1000 64\n0 W 0x1000 8\n' >t.trace
echo '{"workload": {"trace": "t.trace"}, "fetch": {"mode": "4k"}}' >base.json
axis() { awk -v n="$1" 'BEGIN { printf "{\"base\": \"base.json\", \"axes\": {\"cpu_blades.fault_handler_ns\": [0"; for (i = 1; i < n; i++) printf ", %d", i; print "]}}" }'; }

axis 1000001 >big.json
if "$build/mindsim-sweep" big.json --list >/dev/null 2>err; then fail "1,000,001 points accepted"; fi
grep -q '^big.json: axes: more than 1000000 points (the most a sweep may have)$' err ||
  fail "big axis: $(cat err)"

axis 100000 >many.json
"$build/mindsim-sweep" many.json --list >list.txt || fail "100,000 points"
[ "$(wc -l <list.txt)" -eq 100000 ] || fail "listed $(wc -l <list.txt) points"
tail -1 list.txt | grep -q '	cpu_blades.fault_handler_ns=99999$' || fail "last point: $(tail -1 list.txt)"

# a value twice, far apart in the list
awk 'BEGIN { printf "{\"base\": \"base.json\", \"axes\": {\"seed\": [7"; for (i = 1; i < 50000; i++) printf ", %d", i + 7; print ", 7]}}" }' >dup.json
if "$build/mindsim-sweep" dup.json --list >/dev/null 2>err; then fail "a repeated value accepted"; fi
grep -q '^dup.json: axes.seed: a value appears twice$' err || fail "duplicate: $(cat err)"

# a sweep over a FIFO: the first point would drain it and the next wait for ever; refused
# before any point runs, with nothing written to the FIFO (the sweep must not block on it)
mkfifo fifo
echo '{"workload": {"trace": "fifo"}}' >fifo.json
echo '{"base": "fifo.json", "axes": {"seed": [1, 2]}}' >fifo-sweep.json
if timeout 60 "$build/mindsim-sweep" fifo-sweep.json -o sw 2>err; then fail "a sweep over a FIFO ran"; fi
[ "$(cat err)" = "fifo-sweep.json: point 0: workload.trace: fifo: not a regular file or directory: every point replays the trace (save it to a file first)" ] ||
  fail "a sweep over a FIFO: $(cat err)"
echo ok
