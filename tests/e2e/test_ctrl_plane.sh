#!/bin/sh
# A system call blocks its thread for exactly: request over the blade's uplink, the control
# plane's processing cost, reply through the switch pipeline and the blade's downlink; and the
# counts by kind and bytes reach the results (blocked time is kept in whole ns per call).
# $1 = build directory, $2 = source directory.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
. "$2/tests/e2e/json_lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
printf '0 M 0x10000000 0x3000\n0 W 0x10000000 8\n0 U 0x10001000 0x1000\n0 B 0x20000000\n0 B 0x20002800\n' >t.trace
cat >c.json <<'JSON'
{"workload": {"trace": "t.trace"}, "fetch": {"mode": "4k"}}
JSON
"$bin" c.json --quiet -o r.json
# L = 250 ns, P = 200 ns, 82 B at 12.5 B/ns; mmap/munmap/brk 10000 ns each, 4 calls
cp='.runs[0].control_plane'
t='.runs[0].threads[0].syscalls'
one=$(awk 'BEGIN { printf "%.6f", 250 + 82 / 12.5 + 10000 + 200 + 250 + 82 / 12.5 }')
jcheck r.json "$cp.calls == {\"mmap\": 1, \"munmap\": 1, \"brk\": 2, \"mprotect\": 0}" "$cp.calls"
jcheck r.json "$cp.bytes_mapped == 24576 and $t.bytes_mapped == 24576" "[$cp.bytes_mapped, $t.bytes_mapped]"
jcheck r.json "$cp.bytes_unmapped == 4096 and $t.bytes_unmapped == 4096" "[$cp.bytes_unmapped, $t.bytes_unmapped]"
jcheck r.json "(($t.blocked_s * 1e9 - 4 * $one) | fabs) <= 2.001" "$t.blocked_s"
jcheck r.json "(($cp.busy_s - 4e-5) | fabs) < 1e-12" "$cp.busy_s"
jcheck r.json "$cp.tables | .peak_vmas == 3 and .peak_exception_entries == 3" "$cp.tables"
jcheck r.json '.runs[0].switch.routed_partition == 1' '.runs[0].switch'
echo "one call blocks $one ns: ok"
echo ok
