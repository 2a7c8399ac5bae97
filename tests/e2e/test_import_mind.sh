#!/bin/sh
# test_import_mind.sh BUILD_DIR SOURCE_DIR: a small MIND PIN trace directory (2 cores, written
# here byte by byte) is imported with `mindsim-trace import-mind` (binary and text), the text
# shows core i as thread i with C gaps from the timestamps, the output is atomic (nothing left
# on error), and mindsim replays both the imported file and the directory itself (a MIND trace
# has no allocation records: workload.on_unknown_address "warn"). Prints "ok" on success.
build=$1
src=$2
mt="$build/mindsim-trace"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir "$work/mind"
# rec OP ADDR(6 bytes) US(8 bytes) / map OP DUS(4) START(6) LEN(4), little-endian, via printf
le() { # le VALUE NBYTES: the value's bytes, little-endian, as printf escapes
  v=$1; n=$2; out=""
  while [ "$n" -gt 0 ]; do out="$out\\$(printf %03o $((v % 256)))"; v=$((v / 256)); n=$((n - 1)); done
  printf "$out"
}
rw() { printf "$1"; le "$2" 6; le "$3" 8; }
mu() { printf "$1"; le "$2" 4; le "$3" 6; le "$4" 4; }
{ mu M 0 $((0x10000000)) 1048576; rw W $((0x10000000)) 100; rw R $((0x10000040)) 102
  rw R $((0x10001000)) 110; mu U 4 $((0x10000000)) 1048576; } >"$work/mind/0"
{ rw W $((0x10002000)) 101; rw R $((0x10002000)) 101; } >"$work/mind/1"
[ "$(wc -c <"$work/mind/0")" -eq 75 ] || fail "test data: core 0 is not 5 records"

"$mt" import-mind "$work/mind" "$work/m.bin" || fail "import-mind"
"$mt" import-mind "$work/mind/" "$work/m.trace" || fail "import-mind to text"
"$mt" cat "$work/m.bin" >"$work/cat.txt" || fail "cat"
cat >"$work/want.txt" <<'TXT'
0 M 0x10000000 1048576
0 W 0x10000000 8
0 C 2000
0 R 0x10000040 8
0 C 8000
0 R 0x10001000 8
0 C 4000
0 U 0x10000000 1048576
1 C 1000
1 W 0x10002000 8
1 R 0x10002000 8
TXT
cmp -s "$work/cat.txt" "$work/want.txt" || { diff "$work/want.txt" "$work/cat.txt"; fail "imported records"; }
cmp -s "$work/m.trace" "$work/want.txt" || fail "text import differs"
"$mt" stat "$work/mind" | grep -qx 'format: mind' || fail "stat of a directory"

# errors: nothing left behind, exit 2
printf 'Q' >>"$work/mind/1"
"$mt" import-mind "$work/mind" "$work/bad.bin" 2>"$work/err" && fail "truncated input accepted"
grep -q "mind/1: record 3: truncated record (expected 14 more bytes)" "$work/err" || { cat "$work/err"; fail "error message"; }
[ -e "$work/bad.bin" ] && fail "output left after an error"
ls "$work" | grep -q tmp && fail "temporary left after an error"
"$mt" import-mind "$work/m.bin" "$work/x.bin" 2>"$work/err"; [ $? -eq 2 ] || fail "file accepted as a directory"
"$mt" import-mind "$work/nope" "$work/x.bin" 2>"$work/err"; [ $? -eq 2 ] || fail "missing dir"
grep -q "nope: cannot open trace" "$work/err" || fail "missing dir message"

# replay: the imported trace and the directory itself
if [ -x "$build/mindsim" ]; then
  cat >"$work/c.json" <<JSON
{ "workload": { "trace": "$work/m.bin", "on_unknown_address": "warn" },
  "cpu_blades": { "count": 1, "threads_per_blade": 2 }, "memory_blades": { "count": 1 },
  "fetch": { "mode": ["4k"] } }
JSON
  "$build/mindsim" "$work/c.json" --quiet -o "$work/r1.json" 2>"$work/log1" || { cat "$work/log1"; fail "replay of the import"; }
  { rw W $((0x10002000)) 101; rw R $((0x10002000)) 101; } >"$work/mind/1"
  "$build/mindsim" "$work/c.json" --quiet --set "workload.trace=\"$work/mind\"" -o "$work/r2.json" 2>"$work/log2" || { cat "$work/log2"; fail "replay of the directory"; }
  [ -s "$work/r1.json" ] && [ -s "$work/r2.json" ] || fail "no results"
fi
echo ok
