#!/bin/sh
# test_streams.sh BUILD_DIR SOURCE_DIR: one trace, replayed by mindsim (two fetch modes, so two
# child processes) in every form a user may have it, gives the same results as the plain text
# file (what made them, the wall_* fields and the echoed trace name aside): binary v3 and v2,
# the text compressed with gzip, zstd and xz (named without a telling extension: the first
# bytes decide), a gzipped v2 file, the text on standard input (workload.trace "-"), and a FIFO
# made here carrying the xz-compressed text. A FIFO can be opened only once, so this also
# checks that the trace is read once per run; the results still name it by the sha256 of the
# bytes read (a binary v3 file by the digest in its index). An error found while replaying
# names the original's line, for standard input "<stdin>:LINE". Prints "ok" on success.
build=$1
src=$2
mt="$build/mindsim-trace"
ms="$build/mindsim"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
for tool in gzip zstd xz jq; do
  command -v $tool >/dev/null || { echo "skip: $tool is not installed (scripts/setup installs it)"; exit 0; }
done

trace="$src/traces/samples/default.trace"
cat >"$work/cfg.json" <<JSON
{ "workload": { "trace": "$trace" }, "cpu_blades": { "count": 2, "threads_per_blade": 2 },
  "fetch": { "mode": ["4k", "sg"] } }
JSON
# run NAME TRACE [mindsim's stdin]: results without the fields that may differ
run() {
  if [ $# -eq 3 ]; then
    "$ms" "$work/cfg.json" --quiet --set "workload.trace=\"$2\"" -o "$work/$1.json" <"$3" \
      2>"$work/$1.err" || { cat "$work/$1.err"; fail "$1: replay"; }
  else
    timeout 120 "$ms" "$work/cfg.json" --quiet --set "workload.trace=\"$2\"" -o "$work/$1.json" \
      2>"$work/$1.err" || { cat "$work/$1.err"; fail "$1: replay"; }
  fi
  jq 'del(.mindsim, .config.workload.trace) | walk(if type == "object" then
        with_entries(select(.key | startswith("wall_") | not)) else . end)' "$work/$1.json" \
    >"$work/$1.cmp" || fail "$1: results are not JSON"
}
run plain "$trace"
grep -q '"faults"' "$work/plain.cmp" || fail "plain: no results"

"$mt" convert "$trace" "$work/t.bin" || fail "convert to v3"
"$mt" convert "$trace" "$work/t2.bin" --to binary-v2 || fail "convert to v2"
gzip -c "$trace" >"$work/t.gz-inside"
zstd -q -c "$trace" >"$work/t.zst-inside"
xz -c "$trace" >"$work/t.xz-inside"
gzip -c "$work/t2.bin" >"$work/t2.bin.gz"
for f in t.bin t2.bin t.gz-inside t.zst-inside t.xz-inside t2.bin.gz; do
  run "$f" "$work/$f"
  cmp -s "$work/plain.cmp" "$work/$f.cmp" || fail "$f: results differ from the plain text's"
done
"$mt" stat "$work/t.xz-inside" | grep -q '^compression: xz$' || fail "stat: xz not recognised"

run stdin - "$trace"
cmp -s "$work/plain.cmp" "$work/stdin.cmp" || fail "standard input: results differ"

mkfifo "$work/fifo" || fail "mkfifo"
cat "$work/t.xz-inside" >"$work/fifo" &
writer=$!
trap 'kill $writer 2>/dev/null; rm -rf "$work"' EXIT
run fifo "$work/fifo"
wait
trap 'rm -rf "$work"' EXIT
cmp -s "$work/plain.cmp" "$work/fifo.cmp" || fail "FIFO: results differ"

# what made the results: the trace by the sha256 of its bytes, read once
sum() { sha256sum "$1" | cut -d' ' -f1; }
tsum() { jq -r '.mindsim.inputs[1] | .sha256 + " " + (.sha256_of // "")' "$work/$1.json"; }
[ "$(tsum stdin)" = "$(sum "$trace") " ] || fail "standard input: trace sha256 $(tsum stdin)"
[ "$(tsum fifo)" = "$(sum "$work/t.xz-inside") " ] || fail "FIFO: trace sha256 $(tsum fifo)"
[ "$(tsum t.gz-inside)" = "$(sum "$work/t.gz-inside") " ] || fail "gzip file: trace sha256"
[ "$(tsum t2.bin)" = "$(sum "$work/t2.bin") " ] || fail "v2 file: trace sha256"
# a v3 file: the digest of its header and chunks that its index holds, everything before the
# end block (whose offset the last 16 bytes give)
end=$(tail -c 16 "$work/t.bin" | od -An -tu8 -N8 | tr -d ' ')
want=$(head -c "$end" "$work/t.bin" | sha256sum | cut -d' ' -f1)
[ "$(tsum t.bin)" = "$want header and chunks (binary v3 index)" ] || fail "v3 file: trace digest $(tsum t.bin)"

# an error found in the replay names the original's line, from standard input too
printf '0 M 0x10000 8192\n# two allocations at one address\n0 A 0x10000 64\n0 A 0x10000 64\n' >"$work/bad.trace"
"$ms" "$work/cfg.json" --quiet --set 'workload.trace="-"' -o "$work/bad.json" <"$work/bad.trace" 2>"$work/bad.err"
[ $? -eq 2 ] || fail "bad trace on stdin: exit status not 2"
grep -qx '<stdin>:4: allocation at 0x10000 which is already live (a free is missing)' "$work/bad.err" ||
  fail "bad trace on stdin: $(cat "$work/bad.err")"
[ ! -e "$work/bad.json" ] || fail "bad trace: results written"
echo ok
