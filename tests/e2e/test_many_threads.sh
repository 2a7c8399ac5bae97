#!/bin/sh
# A trace of 4096 threads with one record each replays with memory that does not grow with
# the threads: a thread opens its reader when it starts and closes it after its last record.
# (Each reader held up to 1 MiB and all of them stayed open until the run ended: 609 MB here.)
# $1 = build dir.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }

awk 'BEGIN { for (t = 0; t < 4096; t++) print t, "C", 1000 }' >t.trace
cat >c.json <<'EOC'
{"workload": {"trace": "t.trace"}, "fetch": {"mode": "4k"},
 "cpu_blades": {"count": 4, "threads_per_blade": 1024, "cache_bytes": 1048576}}
EOC
"$bin" c.json --quiet -o r.json
grep -q '"records": 4096' r.json || fail "not every record replayed"
[ "$(grep -c '"finish_s"' r.json)" -eq 4096 ] || fail "not every thread reported"
if grep -q '^MINDSIM_SANITIZE:BOOL=ON$' "$1/CMakeCache.txt" 2>/dev/null; then
  echo "ok (memory not measured: a sanitized build runs actors as threads, with shadow memory)"
  exit 0
fi
rss=$(sed -n 's/.*"wall_peak_rss_kib": \([0-9]*\).*/\1/p' r.json | head -1)
[ "$rss" -lt 200000 ] || fail "peak RSS $rss KiB for 4096 one-record threads"
echo ok
