#!/bin/sh
# test_capture.sh BUILD_DIR SOURCE_DIR: mindtrace on the C and C++ test programs (threads,
# fork) under glibc and jemalloc: the program's output is unchanged, every free matches an
# allocation (counted per address), the A/F counts are at least what the
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
# Every free must match an allocation. Threads reuse each other's freed addresses and the
# order between threads' records is not defined, so this is checked as counts per address
# (each address freed no more often than it was returned), not in file order.
frees_match() {
  "$st" cat "$1" | awk '$2 == "A" { n[$3]++ } $2 == "F" { f[$3]++ }
    END { for (a in f) if (f[a] > n[a]) { print "free of " a " without an allocation"; exit 1 } }'
}
for a in $allocs; do
  arg=""; [ $a = glibc ] && arg=pvalloc
  want=$("$build/traces/capture_c" $arg) || fail "capture_c alone"
  got=$("$mt" --allocator $a --text -o "$work/c.trace" -- "$build/traces/capture_c" $arg) || fail "$a: mindtrace capture_c"
  [ "$got" = "$want" ] || fail "$a: output changed: '$got' vs '$want'"
  frees_match "$work/c.trace" || fail "$a: a free without an allocation"
  nA=$(count "$work/c.trace" A); nF=$(count "$work/c.trace" F)
  [ "$nA" -ge 4007 ] && [ "$nF" -ge 4007 ] || fail "$a: A $nA F $nF, want >= 4007 (4000 + 7 calls)"
  set -- "$work"/c.trace.*
  [ $# -eq 1 ] && [ -f "$1" ] || fail "$a: want one child trace, got $*"
  [ "$(count "$1" A)" -eq 100 ] && [ "$(count "$1" F)" -eq 100 ] || fail "$a: child counts"
  rm -f "$work"/c.trace*
  if [ -x "$build/traces/capture_cxx" ]; then
    want=$("$build/traces/capture_cxx")
    got=$("$mt" --allocator $a --text -o "$work/x.trace" -- "$build/traces/capture_cxx") || fail "$a: capture_cxx"
    [ "$got" = "$want" ] || fail "$a: C++ output changed"
    frees_match "$work/x.trace" || fail "$a: C++ free without allocation"
    [ "$(count "$work/x.trace" A)" -ge 2002 ] || fail "$a: C++ A count"
    set -- "$work"/x.trace.*
    [ "$(count "$1" A)" -eq 50 ] || fail "$a: C++ child A count"
    rm -f "$work"/x.trace*
  fi
done

# bad input: exit 2, one clear line, nothing left
"$mt" -o "$work/o.bin" -- "$work/no-such-program" 2>"$work/err"; [ $? -eq 2 ] || fail "missing program status"
grep -q "no-such-program: program not found" "$work/err" || fail "missing program message"
"$mt" --allocator hoard -o "$work/o.bin" -- true 2>"$work/err"; [ $? -eq 2 ] || fail "unknown allocator status"
grep -q "unknown allocator 'hoard'" "$work/err" || fail "unknown allocator message"
# a private copy of the program, so no other test's run of it can be mistaken for a leftover
prog="$work/prog/capture_c_unwritable"
mkdir -p "$work/prog" && cp "$build/traces/capture_c" "$prog"
"$mt" -o "$work/no/dir/o.bin" -- "$prog" 2>"$work/err"; [ $? -eq 2 ] || fail "unwritable status"
grep -q "cannot write" "$work/err" || fail "unwritable message"
[ -z "$(ls "$work" | grep -v 'err\|prog')" ] || fail "files left: $(ls "$work")"
pgrep -f "$prog" >/dev/null && fail "program left running"

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
