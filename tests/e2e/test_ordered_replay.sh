#!/bin/sh
# Replay of a trace with a cross-thread order: thread 1 reuses an address thread 0 freed. In an
# ordered trace (#!ordered, or binary with the flag) thread 1's allocation waits until thread
# 0's free is replayed, although thread 0 is still busy faulting; the same records without the
# declaration fail (exit 2) with an error that names the record and points at the order. The
# ordered trace replays the same after conversion to binary; a synthesized read before a
# cross-thread free waits for the allocation; and the generators' traces (written ordered by
# mindsim-trace gen) replay with several threads.
# $1 = build directory, $2 = source directory.
set -eu
b="$(cd "$1" && pwd)"
. "$2/tests/e2e/json_lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
cat >body <<'T'
0 A 0x10000000 64
0 W 0x10000000 64
0 W 0x20000000 8
0 F 0x10000000
1 A 0x10000000 64
1 W 0x10000000 8
1 F 0x10000000
T
{ echo '0 A 0x20000000 4096'; cat body; } >u.trace
{ echo '#!ordered'; echo '0 A 0x20000000 4096'; cat body; } >o.trace
cat >c.json <<'JSON'
{"workload": {"trace": "o.trace"}, "cpu_blades": {"count": 2, "threads_per_blade": 1},
 "fetch": {"mode": "4k"}}
JSON
set +e
"$b/mindsim" c.json --quiet -o u.json --set workload.trace='"u.trace"' 2>err
st=$?
set -e
[ $st -eq 2 ] || fail "unordered: exit $st, want 2"
grep -q '^u.trace:6: allocation at 0x10000000 which is already live (a free is missing; the trace declares no order between its threads' err || fail "unordered message: $(cat err)"

"$b/mindsim" c.json --quiet -o o.json
"$b/mindsim-trace" convert o.trace o.bin
"$b/mindsim-trace" stat o.bin | grep -q '^ordered: yes' || fail "convert lost the order"
"$b/mindsim" c.json --quiet -o b.json --set workload.trace='"o.bin"'
# thread 0 takes two faults before its free; thread 1 cannot allocate before that
t='(.runs[0].threads | map({key: (.tid | tostring), value: .finish_s}) | from_entries)'
jcheck o.json "$t | .\"1\" > .\"0\" - 1e-6 and .\"1\" > 2 * 4.0e-6" "$t"
jq -n --slurpfile o o.json --slurpfile b b.json -e '$o[0].runs[0] as $o | $b[0].runs[0] as $b
  | $o.faults == $b.faults and $o.sim_time_s == $b.sim_time_s' >/dev/null ||
  fail "text and binary replays differ: $(jq -c '.runs[0] | [.faults, .sim_time_s]' o.json b.json)"

# a synthesized read before a free waits for the allocation it frees: thread 1 frees an object
# thread 0 allocates later in its own (local) time, and still reads it in full first
printf '#!ordered\n0 M 0x10000000 1048576\n0 C 1000000\n0 A 0x10000000 100\n1 F 0x10000000\n' >s.trace
cat >s.json <<'JSON'
{"workload": {"trace": "s.trace", "synthesize_accesses": "alloc-write-free-read"},
 "cpu_blades": {"count": 1, "threads_per_blade": 2}, "fetch": {"mode": "4k"}}
JSON
"$b/mindsim" s.json --quiet -o s.out.json
jcheck s.out.json '[.runs[0].threads[] | select(.tid == 0 or .tid == 1) | .accesses] == [1, 1]' \
  '[.runs[0].threads[] | {tid, accesses}]'

# a generated multi-threaded trace, written ordered, replays with its cross-thread reuse
"$b/mindsim-trace" gen kv --n_threads=4 --kv.n_items=500 --kv.n_ops=4000 g.bin
"$b/mindsim-trace" stat g.bin | grep -q '^ordered: yes' || fail "gen trace not ordered"
"$b/mindsim" c.json --quiet -o g.json --set workload.trace='"g.bin"' \
  --set cpu_blades.count=1 --set cpu_blades.threads_per_blade=4
jcheck g.json '.runs[0] | (.threads | length) == 4 and .faults > 0' '.runs[0].faults'
echo ok
