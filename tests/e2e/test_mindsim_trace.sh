#!/bin/sh
# test_mindsim_trace.sh BUILD_DIR SOURCE_DIR: end-to-end checks of the mindsim-trace tool on
# the committed default sample: text -> binary -> text keeps every thread's records in order
# (the binary file groups records by thread, so both sides are compared after a stable sort on
# the thread id), stat reports the right record count in both formats and as JSON, cat works on
# both formats, and --version / usage errors behave. Then ordered traces: convert keeps the
# #!ordered declaration and the cross-thread order of memory-state records (and P's prot),
# stat counts cross-thread conflicts of unordered traces and fails on a conflict of an ordered
# one, gen writes ordered traces. The compact format: convert writes binary v3 by default, which
# holds scripts/bench's hit pattern in at most 4 bytes a record, and --to binary-v2 and --zstd
# write what they say; a trace of 100k threads (an index larger than the read buffer) reads
# back. Prints "ok" and exits 0 on success.
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

# P records and ordered traces: convert keeps the declaration and the order of the
# memory-state records (A F M U B P) across threads, in both directions
cat >"$work/o.trace" <<'TXT'
#!ordered
0 M 0x7f0000000 1048576
1 A 0x7f0000000 64
2 R 0x7f0000000 8
0 P 0x7f0000000 4096 1
2 A 0x7f0001000 128
1 W 0x7f0000000 8
1 F 0x7f0000000
0 A 0x7f0000000 32
2 P 0x7f0002000 8192 7
1 B 0x1000000
2 F 0x7f0001000
0 U 0x7f0000000 1048576
TXT
mem() { grep -E '^[0-9]+ [AFMUBP] ' "$1"; }
"$mt" convert "$work/o.trace" "$work/o.bin" || fail "convert ordered text -> binary"
"$mt" cat "$work/o.bin" >"$work/o.cat" || fail "cat ordered binary"
[ "$(head -n 1 "$work/o.cat")" = "#!ordered" ] || fail "cat of an ordered trace: no #!ordered first"
mem "$work/o.trace" >"$work/m1"
mem "$work/o.cat" >"$work/m2"
cmp -s "$work/m1" "$work/m2" || { diff "$work/m1" "$work/m2"; fail "memory-state order changed text -> binary"; }
grep -qx "2 P 0x7f0002000 8192 7" "$work/o.cat" || fail "P record lost its prot"
"$mt" convert "$work/o.bin" "$work/o2.trace" || fail "convert ordered binary -> text"
[ "$(head -n 1 "$work/o2.trace")" = "#!ordered" ] || fail "converted text lost #!ordered"
mem "$work/o2.trace" >"$work/m3"
cmp -s "$work/m1" "$work/m3" || fail "memory-state order changed text -> binary -> text"
grep -v '^#' "$work/o.trace" | sort -s -k1,1n >"$work/p1"
grep -v '^#' "$work/o2.trace" | sort -s -k1,1n >"$work/p2"
cmp -s "$work/p1" "$work/p2" || fail "text -> binary -> text changed some thread's records"
"$mt" stat "$work/o.bin" >"$work/os.txt" || fail "stat ordered binary"
grep -qx "ordered: yes" "$work/os.txt" || fail "stat: no 'ordered: yes'"
grep -qx "records.P: 2" "$work/os.txt" || fail "stat: no 'records.P: 2'"
grep -qx "unordered_conflicts: 0" "$work/os.txt" || fail "stat ordered: conflicts"
grep -qx "peak_live_bytes: 192" "$work/os.txt" || fail "stat ordered: peak"

# the same records unordered: the binary groups them by thread (thread 0's A of 0x7f0000000
# comes before thread 1's F of it), which stat counts as a conflict, not an error
sed 1d "$work/o.trace" >"$work/u.trace"
"$mt" convert "$work/u.trace" "$work/u.bin" || fail "convert unordered"
"$mt" cat "$work/u.bin" | head -n 1 | grep -q '^#' && fail "cat of an unordered trace printed a comment"
"$mt" stat "$work/u.bin" >"$work/us.txt" || fail "stat unordered with cross-thread reuse"
grep -qx "ordered: no" "$work/us.txt" || fail "stat: no 'ordered: no'"
grep -qx "unordered_conflicts: 1" "$work/us.txt" || { cat "$work/us.txt"; fail "stat: want 1 conflict"; }
"$mt" stat --json "$work/u.bin" >"$work/us.json" || fail "stat --json unordered"
grep -q '"ordered": false,' "$work/us.json" || fail "stat --json: no ordered"
grep -q '"unordered_conflicts": 1' "$work/us.json" || fail "stat --json: no unordered_conflicts"
"$mt" stat "$work/u.trace" | grep -qx "unordered_conflicts: 0" || fail "stat: text file order has no conflict"

# an ordered trace whose file order has a real conflict: stat fails naming the record
printf '#!ordered\n0 A 0x1000 64\n0 W 0x1000 8\n1 A 0x1000 32\n' >"$work/c.trace"
"$mt" convert "$work/c.trace" "$work/c.bin" || fail "convert of a conflicting trace"
"$mt" stat "$work/c.bin" >/dev/null 2>"$work/err.txt"
[ $? -eq 2 ] || fail "stat of an ordered conflict: exit status"
grep -qx "$work/c.bin: record 3: A returned 0x1000 which is already allocated" "$work/err.txt" ||
  { cat "$work/err.txt"; fail "stat of an ordered conflict: message"; }
sed 1d "$work/c.trace" >"$work/c2.trace"
"$mt" stat "$work/c2.trace" | grep -qx "unordered_conflicts: 1" || fail "unordered 2-thread conflict"

# gen writes ordered traces, and the generator's order has no conflict (two threads)
"$mt" gen kv --n_threads=2 --kv.n_items=200 --kv.n_ops=500 "$work/g.bin" || fail "gen"
"$mt" stat "$work/g.bin" >"$work/gs.txt" || fail "stat of a generated trace"
grep -qx "ordered: yes" "$work/gs.txt" || fail "gen: not ordered"
grep -qx "threads: 2" "$work/gs.txt" || fail "gen: want 2 threads"

# binary v3 by default: scripts/bench's hit pattern (8-byte R/W at pseudo-random blocks of 256
# pages) in at most 4 bytes a record, with every record back
n=300000
awk -v pages=256 -v n=$n 'BEGIN {
  base = 268435456; x = 12345
  for (p = 0; p < pages; p++) printf "0 A 0x%x 4096\n", base + p * 4096
  for (i = 0; i < n; i++) {
    x = (1664525 * x + 1013904223) % 4294967296; r = int(x / 65536)
    printf "0 %s 0x%x 8\n", (r % 4 == 0 ? "W" : "R"), base + (i % pages) * 4096 + (r % 64) * 64
  } }' >"$work/hits.trace"
"$mt" convert "$work/hits.trace" "$work/hits.bin" || fail "convert of the hit pattern"
"$mt" stat "$work/hits.bin" | grep -qx "version: 3" || fail "convert did not write binary v3"
size=$(wc -c <"$work/hits.bin")
[ "$size" -le $((4 * (n + 256))) ] || fail "hit pattern: $size bytes for $((n + 256)) records (want <= 4 a record)"
"$mt" cat "$work/hits.bin" | cmp -s - "$work/hits.trace" || fail "hit pattern: records differ after v3"
"$mt" convert "$work/hits.trace" "$work/hits2.bin" --to binary-v2 || fail "convert --to binary-v2"
"$mt" stat "$work/hits2.bin" | grep -qx "version: 2" || fail "--to binary-v2 did not write v2"
"$mt" convert "$work/hits.bin" "$work/hits.txt" --to text --zstd || fail "convert --zstd"
"$mt" stat "$work/hits.txt" | grep -qx "compression: zstd" || fail "--zstd did not compress"

# 100k threads of one record each: the v3 index (12 bytes a thread) is larger than the 1 MiB
# read buffer, and reads back
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "%d R 0x%x 8\n", i, 4096 * i }' >"$work/wide.trace"
"$mt" convert "$work/wide.trace" "$work/wide.bin" || fail "convert of 100k threads"
"$mt" stat "$work/wide.bin" >"$work/wide.txt" || fail "stat of 100k threads"
grep -qx "threads: 100000" "$work/wide.txt" || fail "100k threads: thread count"
"$mt" cat "$work/wide.bin" | sort -s -k1,1n | cmp -s - "$work/wide.trace" ||
  fail "100k threads: records differ after v3"

# an output name means the same format to mindsim-trace and mindtrace: x.trace.zst and a bare
# x.zst are text with zstd in both; binary v3 (compressed already) with zstd is refused by both
mtr="$build/traces/mindtrace/mindtrace"
memtest="$build/traces/memtest"
"$mtr" -o "$work/m.trace.zst" -- "$memtest" 1 16 64 1 >/dev/null || fail "mindtrace -o x.trace.zst"
"$mtr" -o "$work/mz.zst" -- "$memtest" 1 16 64 1 >/dev/null || fail "mindtrace -o x.zst"
"$mt" convert "$work/m.trace.zst" "$work/c.trace.zst" || fail "convert to x.trace.zst"
"$mt" convert "$work/m.trace.zst" "$work/cz.zst" || fail "convert to x.zst"
for f in m.trace c.trace mz cz; do
  "$mt" stat "$work/$f.zst" >"$work/$f.st" || fail "stat of $f.zst"
  grep -qx "format: text" "$work/$f.st" && grep -qx "compression: zstd" "$work/$f.st" ||
    fail "$f.zst: $(grep -E '^(format|compression):' "$work/$f.st" | tr '\n' ' ')"
done
"$mt" cat "$work/cz.zst" >"$work/cz.txt"
"$mt" cat "$work/c.trace.zst" | cmp -s - "$work/cz.txt" || fail "x.zst and x.trace.zst hold different records"
for o in "$work/m.bin.zst" "$work/m.bin --zstd"; do
  set -- $o
  "$mtr" ${2:-} -o "$1" -- "$memtest" 1 16 64 1 >/dev/null 2>"$work/err.txt"
  [ $? -eq 2 ] && grep -q "binary v3 is compressed already" "$work/err.txt" || fail "mindtrace $o: $(cat "$work/err.txt")"
  "$mt" convert "$work/m.trace.zst" $o 2>"$work/err.txt"
  [ $? -eq 2 ] && grep -q "binary v3 is compressed already" "$work/err.txt" ||
    fail "convert $o: $(cat "$work/err.txt")"
done
ls "$work" | grep -q 'm\.bin' && fail "a refused output was written"

"$mt" --version | grep -qx "mindsim-trace 0.1.0" || fail "--version"
"$mt" --help | grep -q "usage: mindsim-trace" || fail "--help"
"$mt" stat 2>"$work/err.txt"
[ $? -eq 2 ] || fail "usage error exit status"
[ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "usage error is not one line"
echo ok
