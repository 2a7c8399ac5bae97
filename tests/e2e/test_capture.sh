#!/bin/sh
# test_capture.sh BUILD_DIR SOURCE_DIR: mindtrace on the C and C++ test programs (threads,
# fork) under glibc and jemalloc: the program's output is unchanged, every free matches an
# earlier allocation (mindsim-trace stat checks it), the A/F counts are at least what the
# program did and the child's trace holds exactly its allocations; bad input (no such program,
# unknown allocator, unwritable output) fails with exit 2, leaves no file and no process; and
# memtest 16 rounds of 128 KiB..32 MiB shows the allocator study's finding: glibc needs about
# one mmap or brk per malloc, jemalloc serves over 100 mallocs per mmap.
build=$1
mt="$build/traces/mindtrace/mindtrace"
st="$build/mindsim-trace"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mt" ] || fail "no $mt"
count() { "$st" stat "$1" | sed -n "s/^records\.$2: //p"; }

allocs="glibc"
[ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ] && allocs="$allocs jemalloc"
for a in $allocs; do
  arg=""; [ $a = glibc ] && arg=pvalloc
  want=$("$build/traces/capture_c" $arg) || fail "capture_c alone"
  got=$("$mt" --allocator $a -o "$work/c.bin" -- "$build/traces/capture_c" $arg) || fail "$a: mindtrace capture_c"
  [ "$got" = "$want" ] || fail "$a: output changed: '$got' vs '$want'"
  "$st" stat "$work/c.bin" >/dev/null || fail "$a: a free without an allocation"
  nA=$(count "$work/c.bin" A); nF=$(count "$work/c.bin" F)
  [ "$nA" -ge 4007 ] && [ "$nF" -ge 4007 ] || fail "$a: A $nA F $nF, want >= 4007 (4000 + 7 calls)"
  set -- "$work"/c.bin.*
  [ $# -eq 1 ] && [ -f "$1" ] || fail "$a: want one child trace, got $*"
  [ "$(count "$1" A)" -eq 100 ] && [ "$(count "$1" F)" -eq 100 ] || fail "$a: child counts"
  rm -f "$work"/c.bin*
  if [ -x "$build/traces/capture_cxx" ]; then
    want=$("$build/traces/capture_cxx")
    got=$("$mt" --allocator $a -o "$work/x.bin" -- "$build/traces/capture_cxx") || fail "$a: capture_cxx"
    [ "$got" = "$want" ] || fail "$a: C++ output changed"
    "$st" stat "$work/x.bin" >/dev/null || fail "$a: C++ free without allocation"
    [ "$(count "$work/x.bin" A)" -ge 2002 ] || fail "$a: C++ A count"
    set -- "$work"/x.bin.*
    [ "$(count "$1" A)" -eq 50 ] || fail "$a: C++ child A count"
    rm -f "$work"/x.bin*
  fi
done

# bad input: exit 2, one clear line, nothing left
"$mt" -o "$work/o.bin" -- "$work/no-such-program" 2>"$work/err"; [ $? -eq 2 ] || fail "missing program status"
grep -q "no-such-program: program not found" "$work/err" || fail "missing program message"
"$mt" --allocator hoard -o "$work/o.bin" -- true 2>"$work/err"; [ $? -eq 2 ] || fail "unknown allocator status"
grep -q "unknown allocator 'hoard'" "$work/err" || fail "unknown allocator message"
"$mt" -o "$work/no/dir/o.bin" -- "$build/traces/capture_c" 2>"$work/err"; [ $? -eq 2 ] || fail "unwritable status"
grep -q "cannot write" "$work/err" || fail "unwritable message"
[ -z "$(ls "$work" | grep -v err)" ] || fail "files left: $(ls "$work")"
pgrep -f "$build/traces/capture_c" >/dev/null && fail "program left running"

# the allocator study's finding
if [ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ]; then
  "$mt" --allocator glibc -o "$work/g.bin" -- "$build/traces/memtest" 16 131072 33554432 1 >/dev/null || fail "memtest glibc"
  "$mt" --allocator jemalloc -o "$work/j.bin" -- "$build/traces/memtest" 16 131072 33554432 1 >/dev/null || fail "memtest jemalloc"
  gA=$(count "$work/g.bin" A); gM=$(count "$work/g.bin" M); gB=$(count "$work/g.bin" B)
  jA=$(count "$work/j.bin" A); jM=$(count "$work/j.bin" M)
  echo "glibc: $gA mallocs, $gM mmap, $gB brk; jemalloc: $jA mallocs, $jM mmap"
  [ $((gM + gB)) -ge $((gA * 9 / 10)) ] || fail "glibc: fewer than ~1 mmap/brk per malloc"
  [ "$jM" -gt 0 ] && [ $((jA / jM)) -gt 100 ] || fail "jemalloc: not > 100 mallocs per mmap"
fi
echo ok
