#!/bin/sh
# test_capture_accesses.sh BUILD_DIR SOURCE_DIR: `mindtrace --accesses` (the Valgrind tool,
# docs/capture.md) on capture_c under glibc and jemalloc: the program's output is unchanged,
# the trace has R and W records besides A/F, it is ordered (text starts with `#!ordered`,
# `mindsim-trace stat` says `ordered: yes` and accepts every A and F in file order; glibc's
# has P records: its thread arenas grow by mprotect), and in the tool's exact global order
# every R/W of a heap object lies in a live allocation
# (traces/mindtrace/tests/check_accesses.c); a binary capture is ordered too; the tool's
# packed raw stream gives exactly the records of the 24-byte form (--unpacked), across an exec
# too; frees in thread-exit destructors are recorded as without the tool; then memtest (one
# thread) with accesses replays through mindsim
# (workload.on_unknown_address "warn": stack and globals are in no allocation) and reports
# accesses and faults. Skipped (prints "skip") when the build has no tool.
build=$1
src=$2
. "$src/tests/e2e/capture_lib.sh"
. "$src/tests/e2e/json_lib.sh"
if [ ! -x "$build/traces/mindtrace/valgrind/mindtrace-amd64-linux" ]; then
  "$mt" --accesses -o "$work/x.bin" -- true 2>"$work/err"; [ $? -eq 2 ] || fail "--accesses without the tool"
  echo "skip: no Valgrind tool in this build"; exit 0
fi

allocs="glibc"
[ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ] && allocs="$allocs jemalloc"
# text output keeps the tool's exact global order of all records; binary keeps that of the
# memory-state records (A F M U B P) and each thread's own order (docs/trace-format.md)
tc() { grep -c "^[0-9]* $2 " "$1"; }
for a in $allocs; do
  want=$("$build/traces/capture_c") || fail "capture_c alone"
  got=$("$mt" --allocator $a --accesses --text -o "$work/c.txt" -- "$build/traces/capture_c") || fail "$a: mindtrace --accesses"
  [ "$got" = "$want" ] || fail "$a: output changed: '$got' vs '$want'"
  [ "$(head -n 1 "$work/c.txt")" = "#!ordered" ] || fail "$a: text does not start with #!ordered"
  ordered "$work/c.txt" "$a: capture_c"
  nP=$(tc "$work/c.txt" P)
  [ $a != glibc ] || [ "$nP" -gt 0 ] || fail "$a: no P records (thread arenas grow by mprotect)"
  nA=$(tc "$work/c.txt" A); nR=$(tc "$work/c.txt" R); nW=$(tc "$work/c.txt" W)
  [ "$nA" -ge 4007 ] || fail "$a: A $nA, want >= 4007"
  [ "$nR" -gt 4000 ] && [ "$nW" -gt 4000 ] || fail "$a: R $nR W $nW, want > 4000 each"
  set -- "$work"/c.txt.*
  [ $# -eq 1 ] && [ -f "$1" ] || fail "$a: want one child trace, got $*"
  [ "$(tc "$1" A)" -eq 100 ] || fail "$a: child A count"
  ordered "$1" "$a: capture_c child"
  r=$("$build/traces/check_accesses" <"$work/c.txt") || fail "$a: check"
  set -- $r
  [ "$1" -ge 4000 ] || fail "$a: only $1 heap accesses"
  [ "$2" -eq 0 ] || fail "$a: $2 heap accesses outside a live allocation"
  echo "$a: A $nA P $nP R $nR W $nW, heap accesses $1, all in live allocations"
  rm -f "$work"/c.txt*
  "$mt" --allocator $a --accesses -o "$work/c.bin" -- "$build/traces/capture_c" >/dev/null || fail "$a: binary capture"
  ordered "$work/c.bin" "$a: binary capture_c"
  [ "$(count "$work/c.bin" R)" -gt 4000 ] || fail "$a: binary: R count"
  rm -f "$work"/c.bin*
done

# Frees made by thread-specific-data destructors, after the C library has begun tearing the
# thread down (capture_handoff's scratch blocks), are recorded under the tool as without it:
# the same A and F counts as the interposer alone.
"$mt" -o "$work/h.bin" -- "$build/traces/capture_handoff" 4 300 >/dev/null || fail "capture_handoff"
"$mt" --accesses -o "$work/hv.bin" -- "$build/traces/capture_handoff" 4 300 >/dev/null ||
  fail "capture_handoff --accesses"
ordered "$work/hv.bin" "capture_handoff --accesses"
for op in A F; do
  [ "$(count "$work/hv.bin" $op)" = "$(count "$work/h.bin" $op)" ] ||
    fail "capture_handoff: $op $(count "$work/hv.bin" $op) under the tool, $(count "$work/h.bin" $op) without"
done
echo "capture_handoff: A $(count "$work/h.bin" A) F $(count "$work/h.bin" F), the same under the tool"
rm -f "$work"/h.bin* "$work"/hv.bin*

# The tool's packed raw stream (a load or store in 8 bytes, its order implicit) against the
# 24-byte form with an explicit sequence number that the raw format had before
# (`--unpacked`): the same deterministic program gives byte-identical traces, text and binary
# (same records, addresses, lengths and order). memtest runs through env, which execs it: two
# process images append two chains to one raw file, merged by the tool's sequence numbers,
# so env's records (tid 0) all come before memtest's (tid 1).
for f in p u; do
  o=; [ $f = u ] && o=--unpacked
  MINDTRACE_SUMMARY=1 "$mt" --accesses $o --text -o "$work/$f.txt" -- \
    env "$build/traces/memtest" 2 16 64 1 >/dev/null 2>"$work/$f.sum" ||
    fail "memtest --accesses $o --text"
  "$mt" --accesses $o -o "$work/$f.bin" -- env "$build/traces/memtest" 2 16 64 1 >/dev/null ||
    fail "memtest --accesses $o"
done
cmp -s "$work/p.txt" "$work/u.txt" || fail "packed and unpacked text traces differ"
cmp -s "$work/p.bin" "$work/u.bin" || fail "packed and unpacked binary traces differ"
nR=$(tc "$work/p.txt" R); nW=$(tc "$work/p.txt" W)
[ "$nR" -gt 100000 ] && [ "$nW" -gt 50000 ] || fail "packed: R $nR W $nW"
[ "$(grep -v '^#' "$work/p.txt" | cut -d' ' -f1 | uniq | tr '\n' ' ')" = "0 1 " ] ||
  fail "exec: the two images' records are not in their order (tid 0, then tid 1)"
rawp=$(sed -n 's/.* raw \([0-9]*\) bytes$/\1/p' "$work/p.sum")
rawu=$(sed -n 's/.* raw \([0-9]*\) bytes$/\1/p' "$work/u.sum")
[ -n "$rawp" ] && [ -n "$rawu" ] && [ $((rawp * 2)) -lt "$rawu" ] ||
  fail "raw sizes: packed '$rawp', unpacked '$rawu' bytes"
echo "packed = unpacked: R $nR W $nW, raw $rawp bytes packed, $rawu unpacked"
rm -f "$work"/[pu].*

# replay of one thread
"$mt" --accesses -o "$work/m.bin" -- "$build/traces/memtest" 2 16 4096 1 >/dev/null || fail "memtest --accesses"
ordered "$work/m.bin" "memtest"
cat >"$work/c.json" <<JSON
{ "workload": { "trace": "$work/m.bin", "on_unknown_address": "warn" },
  "cpu_blades": { "count": 1, "threads_per_blade": 1 }, "memory_blades": { "count": 1 },
  "fetch": { "mode": ["4k"] } }
JSON
"$build/mindsim" "$work/c.json" --quiet -o "$work/r.json" 2>"$work/log" || { cat "$work/log"; fail "replay"; }
jq -r '.runs[0] | "replay: accesses \(.accesses) unknown \(.unknown_accesses) faults \(.faults)"' "$work/r.json"
jcheck "$work/r.json" '.runs[0] | .accesses > 0 and .faults > 0 and .unknown_accesses < .accesses'
echo ok
