#!/bin/sh
# The latency of one unloaded fault equals the formula in docs/model.md to within 0.1%, for 4k
# and sg (a first touch reads the whole page in both), and for sg under the explicit "head"
# first-touch rule (only fetch.head_bytes); raising every link's latency by d raises it by
# exactly 4d. The NIC's time comes from the default NIC file (scripts/nic-model).
# $1 = build directory, $2 = source directory.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
src="$(cd "$2" && pwd)"
. "$src/tests/e2e/json_lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
printf '0 A 0x10000000 4096\n0 R 0x10000000 8\n' >t.trace
cat >c.json <<'JSON'
{"workload": {"trace": "t.trace"}, "cpu_blades": {"cache_bytes": 1048576}}
JSON

# sim_time_s of each run, in run order (4k, sg)
sim_times() { grep '"sim_time_s"' "$1" | sed 's/.*: *//; s/,//'; }

"$bin" c.json --quiet -o base.json
"$bin" c.json --quiet -o slow.json --set network.link_latency_ns=1250
"$bin" c.json --quiet -o head.json --set 'fetch.mode="sg"' --set 'cpu_blades.first_touch="head"'

# The constants come from each run's echo of its config (consts, json_lib.sh); the NIC's
# curve from the preset file (wr_ns the echo's too, twice the curve's first value).
set -- $("$src/scripts/nic-model" "$src/configs/nic/connectx4-100g.json" 4096 128)
RISE4K=$2 RISEHEAD=$3
formula() {  # $1 results, $2 payload, $3 the NIC curve's rise to $2
  awk $(consts "$1") -v S="$2" -v R="$3" 'BEGIN {
    t = FH + (L + P + L + Q/B) + dram + (L + P + L + (S + H)/B) + WR + R
    printf "%.6f\n", t }'
}
check_close() {  # $1 measured s, $2 expected ns, $3 what
  awk -v m="$1" -v e="$2" -v w="$3" 'BEGIN {
    got = m * 1e9; err = (got - e) / e; if (err < 0) err = -err
    printf "%s: %.3f ns, formula %.3f ns, rel. error %.2e\n", w, got, e, err
    exit !(err <= 0.001) }'
}
set -- $(sim_times base.json)
check_close "$1" "$(formula base.json 4096 "$RISE4K")" "4k unloaded first touch"
check_close "$2" "$(formula base.json 4096 "$RISE4K")" "sg unloaded first touch"
b4=$1; bs=$2
check_close "$(sim_times head.json)" "$(formula head.json 128 "$RISEHEAD")" "sg first touch, head rule"
set -- $(sim_times slow.json)
check_close "$1" "$(formula slow.json 4096 "$RISE4K")" "4k, links +1000 ns"
# exactly 4d: the request's two links (blade to switch, switch to memory blade) and the reply's two
awk -v a="$b4" -v b="$1" -v c="$bs" -v d="$2" 'BEGIN {
  d4 = (b - a) * 1e9; ds = (d - c) * 1e9
  printf "increase for d = 1000 ns: 4k %.6f ns, sg %.6f ns (expected 4000)\n", d4, ds
  e1 = d4 - 4000; if (e1 < 0) e1 = -e1; e2 = ds - 4000; if (e2 < 0) e2 = -e2
  exit !(e1 < 1e-3 && e2 < 1e-3) }'
echo ok
