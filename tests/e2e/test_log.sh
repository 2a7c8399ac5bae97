#!/bin/sh
# The models' log categories: --log=mindsim_cpu_blade.thres:debug traces a small run's faults
# and evictions (with the simulated time and the actor on every line), mindsim_ctrl_plane its
# system calls and mindsim_switch its NACKs and invalidations; nothing is logged without
# --log, and logging changes no result.
# $1 = build directory, $2 = source directory.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
. "$2/tests/e2e/json_lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
# One thread writes three pages of a one-frame cache: every fault after the first evicts.
cat >t.trace <<'T'
0 M 0x10000000 0x3000
0 W 0x10000000 8
0 W 0x10001000 8
0 W 0x10002000 8
T
cat >c.json <<'JSON'
{"workload": {"trace": "t.trace"}, "fetch": {"mode": "sg"}, "cpu_blades": {"cache_bytes": 4096}}
JSON
"$bin" c.json --quiet -o plain.json 2>plain.err
[ ! -s plain.err ] || fail "stderr without --log: $(cat plain.err)"

"$bin" c.json --quiet -o log.json --log=mindsim_cpu_blade.thres:debug 2>log.err
grep -q '^\[blade0:thread0:([0-9]*) [0-9.]*\] .*\[mindsim_cpu_blade/VERBOSE\] thread 0: fault on page 0x10000000 (first touch, M)' log.err ||
  fail "no fault line: $(head -3 log.err)"
[ "$(grep -c 'fault on page' log.err)" = 3 ] || fail "want 3 fault lines: $(cat log.err)"
grep -q '\[blade0:evictor0:.*\] .*evict page 0x10000000 (dirty)' log.err || fail "no eviction line: $(cat log.err)"
grep -q 'write back page 0x10000000: 128 B of blocks 0x0000000000000003 in 1 WR(s)' log.err ||
  fail "no write-back line: $(cat log.err)"
grep -q 'mindsim_ctrl_plane\|mindsim_switch' log.err && fail "other categories logged: $(cat log.err)"
jq -S 'del(.mindsim.wall_host, .mindsim.wall_start, .runs[].wall_time_s, .runs[].wall_peak_rss_kib, .mindsim.cfg, .mindsim.log)' plain.json >a
jq -S 'del(.mindsim.wall_host, .mindsim.wall_start, .runs[].wall_time_s, .runs[].wall_peak_rss_kib, .mindsim.cfg, .mindsim.log)' log.json >b
cmp -s a b || fail "logging changed the results: $(diff a b | head -5)"

# the parent category: every model's lines, here the control plane's mmap
"$bin" c.json --quiet -o log.json --log=mindsim.thres:verbose 2>all.err
grep -q '\[switch:ctrl_plane:.*\[mindsim_ctrl_plane/VERBOSE\] mmap(0x10000000, 12288): ok, 12288 B mapped' all.err ||
  fail "no control-plane line: $(grep -v cpu_blade all.err | head -3)"

# two blades writing one page in turn: invalidations at the switch and served by the agents
cat >p.trace <<'T'
0 M 0x10000000 0x1000
0 W 0x10000000 8
1 C 100000
1 W 0x10000000 8
0 C 200000
0 W 0x10000000 8
T
cat >p.json <<'JSON'
{"workload": {"trace": "p.trace"}, "fetch": {"mode": "4k"},
 "cpu_blades": {"count": 2, "threads_per_blade": 1}}
JSON
"$bin" p.json --quiet -o p.out --log=mindsim_switch.thres:debug --log=mindsim_cpu_blade.thres:debug 2>p.err
grep -q '^\[switch:thread1:.*\[mindsim_switch/VERBOSE\] INVAL of region 0x10000000 (16 KiB) to blades 0x1' p.err ||
  fail "no invalidation at the switch: $(grep switch p.err | head -3)"
grep -q '\[blade0:agent0:.*INVAL of region 0x10000000 (16 KiB) served: 1 page(s) dropped, 1 written back' p.err ||
  fail "no invalidation served: $(grep agent p.err | head -3)"
echo ok
