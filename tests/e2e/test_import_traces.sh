#!/bin/sh
# test_import_traces.sh BUILD_DIR SOURCE_DIR: traces of other tools come in with every load and
# store kept.
# - lackey: `valgrind --tool=lackey --trace-mem=yes` on a real program (traces/memtest, one
#   small round); `import-lackey` gives R = L + M lines and W = S + M lines of its output (I
#   lines too as R with --ifetch); the gzipped output imports to the same file; mindsim replays
#   the import with the settings the importer's hint names (every access counted as unknown,
#   no violation) and refuses it without them; blank lines change nothing.
# - din: a din file written here with every label, plain and xz-compressed: R for labels 0 and
#   3, W for 1, instruction fetches (2) only with --ifetch, cache operations (4, 5) dropped,
#   every access the aligned 4-byte word, blank lines skipped.
# Prints "ok" on success, "skip: ..." without valgrind.
build=$1
src=$2
mt="$build/mindsim-trace"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v valgrind >/dev/null || { echo "skip: valgrind is not installed (scripts/setup installs it)"; exit 0; }
for tool in xz jq; do
  command -v $tool >/dev/null || { echo "skip: $tool is not installed (scripts/setup installs it)"; exit 0; }
done

valgrind --tool=lackey --trace-mem=yes --log-file="$work/lk.out" "$build/traces/memtest" 1 16 64 1 \
  >/dev/null || fail "valgrind --tool=lackey"
count() { grep -c "^$1" "$work/lk.out"; }
nL=$(count ' L ') nS=$(count ' S ') nM=$(count ' M ') nI=$(count 'I  ')
[ "$nL" -gt 1000 ] && [ "$nS" -gt 1000 ] && [ "$nM" -gt 0 ] || fail "lackey output has too few records"
"$mt" import-lackey "$work/lk.out" "$work/lk.bin" 2>"$work/hint" || fail "import-lackey"
grep -q 'workload.on_unknown_address "warn"' "$work/hint" || fail "import-lackey: no replay hint"
"$mt" stat "$work/lk.bin" >"$work/lk.stat" || fail "stat of the lackey import"
field() { sed -n "s/^$1: //p" "$2"; }
[ "$(field records.R "$work/lk.stat")" -eq $((nL + nM)) ] || fail "R: $(field records.R "$work/lk.stat"), want L + M = $((nL + nM))"
[ "$(field records.W "$work/lk.stat")" -eq $((nS + nM)) ] || fail "W: $(field records.W "$work/lk.stat"), want S + M = $((nS + nM))"
[ "$(field records "$work/lk.stat")" -eq $((nL + nS + 2 * nM)) ] || fail "lackey import: other records"
"$mt" import-lackey "$work/lk.out" "$work/lki.bin" --ifetch 2>/dev/null || fail "import-lackey --ifetch"
"$mt" stat "$work/lki.bin" >"$work/lki.stat"
[ "$(field records.R "$work/lki.stat")" -eq $((nL + nM + nI)) ] || fail "--ifetch: I lines not kept"
gzip -c "$work/lk.out" >"$work/lk.out.gz"
"$mt" import-lackey "$work/lk.out.gz" "$work/lkz.bin" 2>/dev/null || fail "import-lackey of gzip"
cmp -s "$work/lk.bin" "$work/lkz.bin" || fail "gzipped lackey output imports differently"
{ printf '\n \t\r\n'; sed 's/^ S /\n S /' "$work/lk.out"; printf '  \n'; } >"$work/lkb.out"
"$mt" import-lackey "$work/lkb.out" "$work/lkb.bin" 2>/dev/null || fail "import-lackey with blank lines"
cmp -s "$work/lk.bin" "$work/lkb.bin" || fail "blank lines change the lackey import"

cat >"$work/cfg.json" <<JSON
{ "workload": { "trace": "$work/lk.bin" }, "cpu_blades": { "count": 1, "cache_bytes": 65536 } }
JSON
"$build/mindsim" "$work/cfg.json" --quiet -o "$work/no.json" 2>"$work/no.err" && fail "replay without the hint's settings passed"
grep -q 'which no allocation or mapping covers' "$work/no.err" || fail "replay without warn: $(cat "$work/no.err")"
"$build/mindsim" "$work/cfg.json" --quiet --set 'workload.on_unknown_address="warn"' \
  -o "$work/r.json" 2>"$work/r.err" || { cat "$work/r.err"; fail "replay with the hint's settings"; }
n=$((nL + nS + 2 * nM))
[ "$(jq --argjson n $n '[.runs[] | .accesses == $n and .unknown_accesses == $n and
      .violations == 0 and .faults > 0] | all' "$work/r.json")" = true ] ||
  fail "replay results: $(jq -c '[.runs[] | {accesses, unknown_accesses, violations, faults}]' "$work/r.json")"

# din: every label; an address that is not word-aligned; a comment after the address; blank lines
printf '0 1000\n\n1 0x2006 a store\n \t\r\n2 400000\n3 3001\n4 0\n5 0\n0 ffffffffffff0008\n\n' >"$work/t.din"
xz -c "$work/t.din" >"$work/t.din.xz"
"$mt" import-din "$work/t.din.xz" "$work/din.trace" 2>"$work/hint" || fail "import-din"
grep -q '1 instruction fetches dropped' "$work/hint" || fail "import-din: $(cat "$work/hint")"
printf '0 R 0x1000 4\n0 W 0x2004 4\n0 R 0x3000 4\n0 R 0xffffffffffff0008 4\n' | cmp -s - "$work/din.trace" ||
  fail "import-din: $(cat "$work/din.trace")"
"$mt" import-din "$work/t.din" "$work/din.bin" --ifetch 2>/dev/null || fail "import-din --ifetch"
"$mt" stat "$work/din.bin" >"$work/din.stat" || fail "stat of the din import"
[ "$(field records.R "$work/din.stat")" -eq 4 ] && [ "$(field records.W "$work/din.stat")" -eq 1 ] ||
  fail "din --ifetch: $(grep records "$work/din.stat" | tr '\n' ' ')"
echo ok
