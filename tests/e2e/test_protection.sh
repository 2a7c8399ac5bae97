#!/bin/sh
# mprotect (P records): the call blocks its thread like mmap (request, ctrl_plane.mprotect_ns,
# reply) and splits the mapping's exception entry; a write to the read-only part is a
# protection fault: by default an error (exit 2) naming the record, with
# switch.on_protection_fault = "count" a counted, skipped access; reads there and writes
# elsewhere go on; read|write again merges the entries back.
# $1 = build directory, $2 = source directory.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
. "$2/tests/e2e/json_lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
cat >t.trace <<'T'
0 M 0x10000000 0x4000
0 W 0x10000000 8
0 P 0x10001000 0x1000 1
0 R 0x10001000 8
0 W 0x10001ff8 16
0 W 0x10002000 8
0 P 0x10001000 0x1000 3
0 W 0x10001000 8
T
cat >c.json <<'JSON'
{"workload": {"trace": "t.trace"}, "fetch": {"mode": "4k"}}
JSON
set +e
"$bin" c.json --quiet -o r.json 2>err
st=$?
set -e
[ $st -eq 2 ] || fail "protection fault: exit $st, want 2"
grep -q "t.trace:5: protection fault: W of 0x10001ff8+16 at 0x10001ff8, which an mprotect made read-only" err || fail "message: $(cat err)"
[ ! -e r.json ] || fail "results written after an error"

"$bin" c.json --quiet -o r.json --set switch.on_protection_fault='"count"'
r='.runs[0]'
jcheck r.json "$r.control_plane.calls == {\"mmap\": 1, \"munmap\": 0, \"brk\": 0, \"mprotect\": 2}" "$r.control_plane.calls"
jcheck r.json "$r.control_plane | .bytes_reprotected == 8192 and .bytes_mapped == 16384" "$r.control_plane"
# M, then P splits one VMA into three, then P merges them back
jcheck r.json "$r.control_plane.tables.peak_vmas == 3" "$r.control_plane.tables"
jcheck r.json "$r.switch.protection_faults == 1" "$r.switch"
# the refused write is skipped: 4 of the 5 accesses are performed
jcheck r.json "$r.accesses == 4" "$r.accesses"
# each call blocks for a request over the link, its time, and the reply through the pipeline
blocked=$(awk $(consts r.json) 'BEGIN { printf "%.6f", MMAP + 2 * MPROTECT + 3 * (L + M / B + P + L + M / B) }')
jcheck r.json "$r.threads[0].syscalls | .mprotect == 2 and
  ((.blocked_s * 1e9 - $blocked) | fabs) <= 3.001" "$r.threads[0].syscalls"
echo ok
