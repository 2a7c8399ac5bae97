#!/bin/sh
# test_samples.sh BUILD_DIR SOURCE_DIR: every traces/samples/*.bin.gz (captured with mindtrace
# under glibc, jemalloc, tcmalloc and mimalloc, traces/samples/README.md) is under 1 MiB,
# decompresses, passes `mindsim-trace stat` and replays through mindsim with a small config
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
n=0
for f in "$src"/traces/samples/*.bin.gz; do
  [ -f "$f" ] || fail "no samples in $src/traces/samples"
  name=$(basename "$f" .bin.gz)
  [ "$(wc -c <"$f")" -lt 1048576 ] || fail "$name: over 1 MiB"
  gzip -dc "$f" >"$work/$name.bin" || fail "$name: gzip -dc"
  "$build/mindsim-trace" stat "$work/$name.bin" >"$work/$name.stat" || fail "$name: stat"
  cat >"$work/$name.json" <<JSON
{ "workload": { "trace": "$work/$name.bin", "on_unknown_address": "warn" },
  "cpu_blades": { "count": 2, "threads_per_blade": 2 }, "memory_blades": { "count": 1 },
  "fetch": { "mode": ["4k"] } }
JSON
  "$build/mindsim" "$work/$name.json" --quiet -o "$work/$name.out.json" 2>"$work/log" || { cat "$work/log"; fail "$name: replay"; }
  nP=$(sed -n 's/^records\.P: //p' "$work/$name.stat")
  python3 - "$work/$name.out.json" "$name" "$nP" <<'PY' || fail "$name: results"
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
name, nP = sys.argv[2], int(sys.argv[3])
calls = sum(r["control_plane"]["calls"].values())
print("%s: accesses %d faults %d control-plane calls %d" % (name, r["accesses"], r["faults"], calls))
assert r["accesses"] > 0 or r["faults"] > 0 or calls > 0
assert r["control_plane"]["calls"]["mprotect"] == nP, (r["control_plane"]["calls"], nP)
if name.startswith("threads_"):
    assert len(r["threads"]) >= 3 and nP > 0, (len(r["threads"]), nP)
PY
  case $name in threads_*) grep -q '^ordered: yes' "$work/$name.stat" || fail "$name: not ordered";; esac
  n=$((n + 1))
done
[ $n -ge 5 ] || fail "want the four allocators' samples and the threaded one, found $n"
mm() { sed -n 's/^records\.M: //p' "$work/memtest_$1.stat"; }
gM=$(mm glibc); jM=$(mm jemalloc)
[ -n "$gM" ] && [ -n "$jM" ] && [ "$gM" -gt $((jM * 5)) ] || fail "mmaps: glibc $gM, jemalloc $jM (want glibc >> jemalloc)"
echo ok
