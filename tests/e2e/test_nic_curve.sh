#!/bin/sh
# A single unloaded sg refault of 64 B, 1 KiB and 4 KiB of live data costs what the shipped NIC
# curve says (docs/model.md, "Formula for one unloaded fault"), for each NIC preset: the
# expected NIC time is computed from the preset file itself (scripts/nic-model), not
# from constants copied here.
# $1 = build directory, $2 = source directory.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
src="$(cd "$2" && pwd)"
. "$src/tests/e2e/json_lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
get() { jq -r ".runs[0].$2" "$1"; }

for nic in connectx4-100g connectx5-100g; do
  for S in 64 1024 4096; do
    # Page 1 gets S live bytes and is written; reading page 2 fills the two-frame cache, so
    # the evictor writes page 1 back (its S live bytes, one run). 1 ms later page 1 refaults
    # alone: one WR, one SGE of S bytes (no head: fetch.head_bytes 0). Page 2 is clean, so
    # making room again moves nothing.
    printf '0 A 0x10000000 %d\n0 W 0x10000000 %d\n0 A 0x20000000 64\n0 R 0x20000000 8\n0 C 1000000\n0 R 0x10000000 8\n' \
      "$S" "$S" >t.trace
    cat >c.json <<JSON
{"workload": {"trace": "t.trace"}, "cpu_blades": {"cache_bytes": 8192},
 "rdma": {"nic": "$nic"}, "fetch": {"mode": "sg", "head_bytes": 0}}
JSON
    "$bin" c.json --quiet -o out.json
    [ "$(get out.json faults_by_kind.refault.faults)" = 1 ] || { echo "FAIL: $nic $S: not one refault"; exit 1; }
    [ "$(get out.json faults_by_kind.refault.bytes_fetched)" = "$S" ] || { echo "FAIL: $nic $S: refault bytes"; exit 1; }
    got=$(get out.json "faults_by_kind.refault.fault_latency_us.mean * 1000")
    set -- $("$src/scripts/nic-model" "$src/configs/nic/$nic.json" "$S")
    # the fault handler; 4 links and 2 pipeline passes; the request and the S B reply with
    # one header; DRAM; the NIC: wr_ns + rise(S) from the preset file (consts: the run's
    # config as its results echo it)
    awk $(consts out.json) -v g="$got" -v wr="$1" -v rise="$2" -v S="$S" -v nic="$nic" 'BEGIN {
      e = FH + 4 * L + 2 * P + (Q + S + H) / B + dram + wr + rise
      d = g - e; if (d < 0) d = -d
      printf "%s, %5d B live: refault %.1f ns, from the curve %.3f ns\n", nic, S, g, e
      exit !(d <= 0.5) }'   # the latency histogram keeps whole nanoseconds
  done
done
echo ok
