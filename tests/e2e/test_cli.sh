#!/bin/sh
# The mindsim command line: --version, --help, --help-config naming the contract's keys,
# results on stdout without -o, --set of a string and of a list, --csv, and byte-identical
# results across repeated runs (wall-clock fields aside). $1 = build dir, $2 = source dir.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
src="$(cd "$2" && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }

"$bin" --version | grep -q '^mindsim [0-9]' || fail "--version"
"$bin" --help | grep -q 'usage: mindsim CONFIG.json' || fail "--help"
"$bin" --help-config >keys.txt
for k in workload.trace cpu_blades.count cpu_blades.threads_per_blade cpu_blades.cache_bytes \
         memory_blades.count network.link_latency_ns network.link_bandwidth_gbps fetch.mode \
         fetch.bitmap fetch.max_sge seed; do
  grep -q "^$k " keys.txt || fail "--help-config lacks $k"
done
# the same keys, in the same order, as JSON with units and help
"$bin" --help-config=json >keys.json
[ "$(jq -r '.[].key' keys.json)" = "$(awk 'NR > 1 && !/^ / { print $1 }' keys.txt)" ] || fail "--help-config=json keys"
[ "$(jq -r '.[] | select(.key == "network.link_bandwidth_gbps") | "\(.unit) \(.default) \(.help)"' keys.json)" = \
  "Gbit/s 100 link bandwidth per direction" ] || fail "--help-config=json: network.link_bandwidth_gbps"

cfg="$src/configs/default.json"
# results on stdout, table on stderr
"$bin" "$cfg" --set 'fetch.mode="sg"' >out.json 2>table.txt
grep -q '"fetch_mode": "sg"' out.json || fail "stdout results"
grep -q '"fetch_mode": "4k"' out.json && fail "only sg was asked for"
grep -q 'simulated time' table.txt || fail "table on stderr"
grep -q '"comparison"' out.json && fail "no comparison with one mode"

# a list of modes, CSV rows
"$bin" "$cfg" --set 'fetch.mode=["sg","4k"]' --quiet -o a.json --csv a.csv
[ "$(wc -l <a.csv)" -eq 3 ] || fail "csv rows"
head -1 a.csv | grep -q '^fetch_mode,sim_time_s,' || fail "csv header"
grep -q '"sim_time_ratio"' a.json || fail "comparison"

# determinism
"$bin" "$cfg" --quiet -o r1.json
"$bin" "$cfg" --quiet -o r2.json
grep -v '"wall_' r1.json >s1
grep -v '"wall_' r2.json >s2
cmp -s s1 s2 || fail "two runs differ"
echo ok
