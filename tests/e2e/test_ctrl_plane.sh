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
# each call: its message up the blade's link, the call's time, back through the pipeline and
# down (the constants as the results echo the config)
cp='.runs[0].control_plane'
t='.runs[0].threads[0].syscalls'
blocked=$(awk $(consts r.json) 'BEGIN { w = L + M / B + P + L + M / B
  printf "%.6f", MMAP + MUNMAP + 2 * BRK + 4 * w }')
busy=$(awk $(consts r.json) 'BEGIN { printf "%.9g", (MMAP + MUNMAP + 2 * BRK) * 1e-9 }')
jcheck r.json "$cp.calls == {\"mmap\": 1, \"munmap\": 1, \"brk\": 2, \"mprotect\": 0}" "$cp.calls"
jcheck r.json "$cp.bytes_mapped == 24576 and $t.bytes_mapped == 24576" "[$cp.bytes_mapped, $t.bytes_mapped]"
jcheck r.json "$cp.bytes_unmapped == 4096 and $t.bytes_unmapped == 4096" "[$cp.bytes_unmapped, $t.bytes_unmapped]"
jcheck r.json "(($t.blocked_s * 1e9 - $blocked) | fabs) <= 2.001" "$t.blocked_s"
jcheck r.json "(($cp.busy_s - $busy) | fabs) < 1e-12" "$cp.busy_s"
jcheck r.json "$cp.tables | .peak_vmas == 3 and .peak_exception_entries == 3" "$cp.tables"
jcheck r.json '.runs[0].switch.routed_partition == 1' '.runs[0].switch'
echo "four calls block $blocked ns: ok"
echo ok
