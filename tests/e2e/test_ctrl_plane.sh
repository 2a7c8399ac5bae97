#!/bin/sh
# A system call blocks its thread for exactly: request over the blade's uplink, the control
# plane's processing cost, reply through the switch pipeline and the blade's downlink; and the
# counts by kind and bytes reach the results (blocked time is kept in whole ns per call).
# $1 = build directory.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
printf '0 M 0x10000000 0x3000\n0 W 0x10000000 8\n0 U 0x10001000 0x1000\n0 B 0x20000000\n0 B 0x20002800\n' >t.trace
cat >c.json <<'JSON'
{"workload": {"trace": "t.trace"}, "fetch": {"mode": "4k"}}
JSON
"$bin" c.json --quiet -o r.json
# L = 250 ns, P = 200 ns, 82 B at 12.5 B/ns; mmap/munmap/brk 10000 ns each, 4 calls
python3 - <<'PY'
import json
r = json.load(open("r.json"))["runs"][0]
cp = r["control_plane"]
one = 250 + 82 / 12.5 + 10000 + 200 + 250 + 82 / 12.5
t = r["threads"][0]["syscalls"]
assert cp["calls"] == {"mmap": 1, "munmap": 1, "brk": 2, "mprotect": 0}, cp["calls"]
assert cp["bytes_mapped"] == 0x3000 + 0x3000 and t["bytes_mapped"] == 0x6000, cp
assert cp["bytes_unmapped"] == 0x1000 and t["bytes_unmapped"] == 0x1000, cp
assert abs(t["blocked_s"] * 1e9 - 4 * one) <= 2.001, (t["blocked_s"], 4 * one)
assert abs(cp["busy_s"] - 4e-5) < 1e-12, cp["busy_s"]
assert cp["tables"]["peak_vmas"] == 3 and cp["tables"]["peak_exception_entries"] == 3, cp["tables"]
assert r["switch"]["routed_partition"] == 1, r["switch"]
print("one call blocks %.3f ns: ok" % one)
PY
echo ok
