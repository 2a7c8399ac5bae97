#!/bin/sh
# The inplace fetch mode (docs/model.md, "Adding a policy"): whole-page faults, write-backs of
# only the live blocks. On the trace built to make the touched bitmap lose data, sg loses a
# block and inplace none; inplace reads exactly what 4k reads and writes back less; with two
# blades it needs no layout words. The results compare every mode with 4k.
# $1 = build directory, $2 = source directory.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
. "$2/tests/e2e/json_lib.sh"
src="$(cd "$2" && pwd)"
golden="$src/tests/golden"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }

"$bin" "$golden/touched_lost_data/config.json" --quiet -o r.json \
  --set 'fetch.mode=["4k", "sg", "inplace"]'
m() { echo ".runs[] | select(.fetch_mode == \"$1\")"; }
jcheck r.json "[.runs[].fetch_mode] == [\"4k\", \"sg\", \"inplace\"]" "[.runs[].fetch_mode]"
jcheck r.json "($(m sg)).violations >= 1 and ($(m inplace)).violations == 0" "[.runs[].violations]"
jcheck r.json "($(m inplace)).bytes_fetched == ($(m 4k)).bytes_fetched" "[.runs[].bytes_fetched]"
jcheck r.json "($(m inplace)).bytes_evicted < ($(m 4k)).bytes_evicted" "[.runs[].bytes_evicted]"
# one comparison per mode over 4k; "comparison" is the first of them
jcheck r.json '[.comparisons[] | .numerator + "/" + .denominator] == ["sg/4k", "inplace/4k"]' '.comparisons'
jcheck r.json '.comparison == .comparisons[0]' '.comparison'
jcheck r.json '.comparisons[1].bytes_fetched_ratio == 1' '.comparisons[1]'
"$bin" "$golden/touched_lost_data/config.json" --set 'fetch.mode=["4k", "inplace"]' \
  -o r2.json >table 2>&1
grep -q '^ *4k *inplace *inplace/4k$' table || fail "table header: $(head -1 table)"
jcheck r2.json '.comparison.numerator == "inplace" and (has("comparisons") | not)' 'keys'

# two blades reading each other's write-backs: no word, no lookup, nothing for the layout
"$bin" "$golden/two_blades_foreign_layout/config.json" --quiet -o f.json \
  --set 'fetch.mode="inplace"' --set 'fetch.unknown_layout="lookup"'
jcheck f.json '.runs[0] | .violations == 0 and .layout_lookups == 0 and .bytes_beyond_live.unknown_layout == 0' \
  '.runs[0] | {violations, layout_lookups, bytes_beyond_live}'
jcheck f.json '.runs[0].bytes_evicted < 16384' '.runs[0].bytes_evicted'
# added as docs/model.md's "Adding a policy" says: the name is written once, in its row, and
# its ops are named only there and in their own file
cd "$src"
[ "$(grep -rl '"inplace"' models sim traces/lib)" = models/fetch.c ] ||
  fail "the name outside its row: $(grep -rl '"inplace"' models sim traces/lib)"
[ "$(grep -rl 'ms_fetch_inplace_ops' models sim traces/lib | sort | tr '\n' ' ')" = "models/fetch.c models/fetch_inplace.c " ] ||
  fail "its ops outside the two files: $(grep -rl ms_fetch_inplace_ops models sim traces/lib)"
echo ok
