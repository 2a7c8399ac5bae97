#!/bin/sh
# test_mindsim_trace.sh BUILD_DIR SOURCE_DIR: end-to-end checks of the mindsim-trace tool on
# the committed default sample: text -> binary -> text keeps every thread's records in order
# (the binary file groups records by thread, so both sides are compared after a stable sort on
# the thread id), stat reports the right record count in both formats and as JSON, cat works on
# both formats, and --version / usage errors behave. Prints "ok" and exits 0 on success.
build=$1
src=$2
mt="$build/mindsim-trace"
sample="$src/traces/samples/default.trace"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

[ -x "$mt" ] || fail "no $mt"
[ -f "$sample" ] || fail "no $sample"

"$mt" convert "$sample" "$work/s.bin" || fail "convert text -> binary"
"$mt" convert "$work/s.bin" "$work/s.trace" || fail "convert binary -> text"
"$mt" convert "$work/s.bin" "$work/s2" --to text || fail "convert --to text"
"$mt" convert "$work/s2" "$work/s3" --to binary || fail "convert --to binary"
ls "$work" | grep -q tmp && fail "temporary file left behind"

"$mt" cat "$sample" >"$work/orig.txt" || fail "cat text"
"$mt" cat "$work/s.bin" >"$work/bin.txt" || fail "cat binary"
sort -s -k1,1n "$work/orig.txt" >"$work/a"
sort -s -k1,1n "$work/s.trace" >"$work/b"
sort -s -k1,1n "$work/bin.txt" >"$work/c"
cmp -s "$work/a" "$work/b" || fail "text -> binary -> text changed some thread's records"
cmp -s "$work/a" "$work/c" || fail "cat of the binary differs"
"$mt" cat "$work/s3" | sort -s -k1,1n >"$work/d" || fail "cat of a second-generation binary"
cmp -s "$work/a" "$work/d" || fail "text -> binary -> text -> binary changed some thread's records"

# the record count: lines that are neither comments nor blank
n=$(grep -cv '^[[:space:]]*\(#\|$\)' "$sample")
[ "$(wc -l <"$work/orig.txt")" -eq "$n" ] || fail "cat printed $(wc -l <"$work/orig.txt") records, expected $n"
"$mt" stat "$sample" >"$work/stat.txt" || fail "stat text"
grep -qx "records: $n" "$work/stat.txt" || fail "stat text: no 'records: $n'"
grep -qx "threads: 4" "$work/stat.txt" || fail "stat text: no 'threads: 4'"
"$mt" stat "$work/s.bin" >"$work/statb.txt" || fail "stat binary"
grep -qx "records: $n" "$work/statb.txt" || fail "stat binary: no 'records: $n'"
grep -qx "format: binary" "$work/statb.txt" || fail "stat binary: no 'format: binary'"
"$mt" stat --json "$work/s.bin" >"$work/stat.json" || fail "stat --json"
grep -q "\"records\": $n," "$work/stat.json" || fail "stat --json: no records count"

"$mt" --version | grep -qx "mindsim-trace 0.1.0" || fail "--version"
"$mt" --help | grep -q "usage: mindsim-trace" || fail "--help"
"$mt" stat 2>"$work/err.txt"
[ $? -eq 2 ] || fail "usage error exit status"
[ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "usage error is not one line"
echo ok
