#!/bin/sh
# test_samples.sh BUILD_DIR SOURCE_DIR: every traces/samples/*.bin.gz (captured with mindtrace
# under glibc, jemalloc, tcmalloc and mimalloc, traces/samples/README.md) is under 1 MiB,
# passes `mindsim-trace stat` as shipped (gzipped) and replays through mindsim as shipped with
# a small config
# (workload.on_unknown_address "warn") with exit 0 and accesses, faults or control-plane calls
# > 0; glibc's sample has many more mmaps than jemalloc's (the allocator study's finding); the
# threaded sample is ordered, has several threads and P records, and its replay makes as many
# mprotect calls through the control plane as it has P records.
# Prints "ok" on success.
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
. "$src/tests/e2e/json_lib.sh"
n=0
for f in "$src"/traces/samples/*.bin.gz; do
  [ -f "$f" ] || fail "no samples in $src/traces/samples"
  name=$(basename "$f" .bin.gz)
  [ "$(wc -c <"$f")" -lt 1048576 ] || fail "$name: over 1 MiB"
  "$build/mindsim-trace" stat "$f" >"$work/$name.stat" || fail "$name: stat"
  grep -q '^compression: gzip$' "$work/$name.stat" || fail "$name: not read as gzip"
  cat >"$work/$name.json" <<JSON
{ "workload": { "trace": "$f", "on_unknown_address": "warn" },
  "cpu_blades": { "count": 2, "threads_per_blade": 2 }, "memory_blades": { "count": 1 },
  "fetch": { "mode": ["4k"] } }
JSON
  "$build/mindsim" "$work/$name.json" --quiet -o "$work/$name.out.json" 2>"$work/log" || { cat "$work/log"; fail "$name: replay"; }
  nP=$(sed -n 's/^records\.P: //p' "$work/$name.stat")
  out="$work/$name.out.json"
  jq -r --arg name "$name" '.runs[0] | "\($name): accesses \(.accesses) faults \(.faults) control-plane calls \(.control_plane.calls | add)"' "$out"
  jcheck "$out" '.runs[0] | .accesses > 0 or .faults > 0 or (.control_plane.calls | add) > 0'
  jcheck "$out" ".runs[0].control_plane.calls.mprotect == $nP" '.runs[0].control_plane.calls'
  case $name in threads_*) jcheck "$out" "(.runs[0].threads | length) >= 3 and $nP > 0" '.runs[0].threads | length';; esac
  case $name in threads_*) grep -q '^ordered: yes' "$work/$name.stat" || fail "$name: not ordered";; esac
  n=$((n + 1))
done
[ $n -ge 5 ] || fail "want the four allocators' samples and the threaded one, found $n"
mm() { sed -n 's/^records\.M: //p' "$work/memtest_$1.stat"; }
gM=$(mm glibc); jM=$(mm jemalloc)
[ -n "$gM" ] && [ -n "$jM" ] && [ "$gM" -gt $((jM * 5)) ] || fail "mmaps: glibc $gM, jemalloc $jM (want glibc >> jemalloc)"
echo ok
