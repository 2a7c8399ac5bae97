#!/bin/sh
# test_capture.sh BUILD_DIR SOURCE_DIR: mindtrace on the C and C++ test programs (threads,
# fork) under glibc and jemalloc: the program's output is unchanged, every free matches an
# allocation (counted per address), the A/F counts are at least what the program did and the
# child's trace holds exactly its allocations; every trace is ordered (`ordered: yes`; text
# starts with `#!ordered`) and passes `mindsim-trace stat`, which checks in file order that
# every A returns a non-live address and every F frees a live one (the threaded C++ capture 5
# times, and capture_handoff, whose 8 threads free each other's blocks, 3 times an allocator,
# to catch ordering races); glibc's threaded captures have P records (thread arenas grow by
# mprotect); bad input (no such program, unknown allocator, unwritable output) fails with
# exit 2, leaves no file and no process; and memtest 16 rounds of 128 KiB..32 MiB shows the
# allocator study's finding: glibc needs about one mmap or brk per malloc, jemalloc serves
# over 100 mallocs per mmap.
build=$1
. "$2/tests/e2e/capture_lib.sh"
# text FILE WHAT: a text trace that says it is ordered on its first line
text_ordered() {
  [ "$(head -n 1 "$1")" = "#!ordered" ] || fail "$2: first line '$(head -n 1 "$1")', want #!ordered"
  ordered "$1" "$2"
}

allocs="glibc"
[ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ] && allocs="$allocs jemalloc"
# Every free must match an allocation, as counts per address (each address freed no more
# often than it was returned): independent of the order, which `stat` checks (ordered below).
frees_match() {
  recs=$("$st" cat "$1") || return 1
  printf '%s\n' "$recs" | awk '$2 == "A" { n[$3]++ } $2 == "F" { f[$3]++ }
    END { for (a in f) if (f[a] > n[a]) { print "free of " a " without an allocation"; exit 1 } }'
}
for a in $allocs; do
  arg=""; [ $a = glibc ] && arg=pvalloc
  want=$("$build/traces/capture_c" $arg) || fail "capture_c alone"
  got=$("$mt" --allocator $a --text -o "$work/c.trace" -- "$build/traces/capture_c" $arg) || fail "$a: mindtrace capture_c"
  [ "$got" = "$want" ] || fail "$a: output changed: '$got' vs '$want'"
  frees_match "$work/c.trace" || fail "$a: a free without an allocation"
  text_ordered "$work/c.trace" "$a: capture_c"
  nA=$(count "$work/c.trace" A); nF=$(count "$work/c.trace" F)
  [ "$nA" -ge 4007 ] && [ "$nF" -ge 4007 ] || fail "$a: A $nA F $nF, want >= 4007 (4000 + 7 calls)"
  nP=$(count "$work/c.trace" P)
  [ $a != glibc ] || [ "$nP" -gt 0 ] || fail "$a: no P records (thread arenas grow by mprotect)"
  set -- "$work"/c.trace.*
  [ $# -eq 1 ] && [ -f "$1" ] || fail "$a: want one child trace, got $*"
  [ "$(count "$1" A)" -eq 100 ] && [ "$(count "$1" F)" -eq 100 ] || fail "$a: child counts"
  text_ordered "$1" "$a: capture_c child"
  rm -f "$work"/c.trace*
  if [ -x "$build/traces/capture_cxx" ]; then
    want=$("$build/traces/capture_cxx") || fail "capture_cxx alone"
    for run in 1 2 3 4 5; do
      got=$("$mt" --allocator $a --text -o "$work/x.trace" -- "$build/traces/capture_cxx") || fail "$a: capture_cxx"
      [ "$got" = "$want" ] || fail "$a: C++ output changed"
      frees_match "$work/x.trace" || fail "$a: C++ free without allocation"
      text_ordered "$work/x.trace" "$a: capture_cxx run $run"
      [ "$(count "$work/x.trace" A)" -ge 2002 ] || fail "$a: C++ A count"
      [ $a != glibc ] || [ "$(count "$work/x.trace" P)" -gt 0 ] || fail "$a: C++: no P records"
      set -- "$work"/x.trace.*
      [ "$(count "$1" A)" -eq 50 ] || fail "$a: C++ child A count"
      text_ordered "$1" "$a: capture_cxx child"
      rm -f "$work"/x.trace*
    done
  fi
  # threads that free each other's blocks: binary, so the ordered binary writer is covered too
  want=$("$build/traces/capture_handoff" 8 20000) || fail "capture_handoff alone"
  for run in 1 2 3; do
    got=$("$mt" --allocator $a -o "$work/h.bin" -- "$build/traces/capture_handoff" 8 20000) || fail "$a: capture_handoff"
    [ "$got" = "$want" ] || fail "$a: handoff output changed"
    ordered "$work/h.bin" "$a: capture_handoff run $run"
    [ "$(count "$work/h.bin" A)" -ge 160000 ] && [ "$(count "$work/h.bin" F)" -ge 160000 ] || fail "$a: handoff counts"
    [ $a != glibc ] || [ "$(count "$work/h.bin" P)" -gt 0 ] || fail "$a: handoff: no P records"
    rm -f "$work"/h.bin*
  done
  echo "$a: threaded captures ordered, stat in file order passes"
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
[ -z "$(ls "$work" | grep -v 'err\|prog\|stat')" ] || fail "files left: $(ls "$work")"
pgrep -f "$prog" >/dev/null && fail "program left running"

# the allocator study's finding
if [ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ]; then
  "$mt" --allocator glibc -o "$work/g.bin" -- "$build/traces/memtest" 16 131072 33554432 1 >/dev/null || fail "memtest glibc"
  "$mt" --allocator jemalloc -o "$work/j.bin" -- "$build/traces/memtest" 16 131072 33554432 1 >/dev/null || fail "memtest jemalloc"
  ordered "$work/g.bin" "memtest glibc"
  ordered "$work/j.bin" "memtest jemalloc"
  gA=$(count "$work/g.bin" A); gM=$(count "$work/g.bin" M); gB=$(count "$work/g.bin" B)
  jA=$(count "$work/j.bin" A); jM=$(count "$work/j.bin" M)
  echo "glibc: $gA mallocs, $gM mmap, $gB brk; jemalloc: $jA mallocs, $jM mmap"
  [ $((gM + gB)) -ge $((gA * 9 / 10)) ] || fail "glibc: fewer than ~1 mmap/brk per malloc"
  [ "$jM" -gt 0 ] && [ $((jA / jM)) -gt 100 ] || fail "jemalloc: not > 100 mallocs per mmap"
fi
echo ok
