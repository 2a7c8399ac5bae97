#!/bin/sh
# Built-in workloads: `mindsim-trace gen` writes the generator's stream, and replaying that
# trace gives the same runs as running the generator directly (one thread, so no cross-thread
# ordering is involved); the same config twice gives identical results.
# $1 = build directory, $2 = source directory.
set -eu
b="$(cd "$1" && pwd)"
. "$2/tests/e2e/json_lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat >g.json <<'JSON'
{"workload": {"generator": "memtest", "allocator": "mimalloc",
              "memtest": {"n_rounds": 1, "min_size": 32, "max_size": 1024, "access": "read"}},
 "cpu_blades": {"cache_bytes": 65536}}
JSON
"$b/mindsim-trace" gen g.json g.trace
"$b/mindsim-trace" gen memtest --allocator=mimalloc --memtest.min_size=32 --memtest.max_size=1024 \
  --memtest.access=read g2.trace
cmp g.trace g2.trace
printf '{"workload": {"trace": "g.trace"}, "cpu_blades": {"cache_bytes": 65536}}\n' >t.json
"$b/mindsim" g.json --quiet -o gen.json
"$b/mindsim" g.json --quiet -o gen2.json
"$b/mindsim" t.json --quiet -o trace.json
# runs without their wall_* fields
runs() { jq '[.runs[] | with_entries(select(.key | startswith("wall_") | not))]' "$1" >"$2"; }
runs gen.json runs-gen.json; runs gen2.json runs-gen2.json; runs trace.json runs-trace.json
cmp -s runs-gen.json runs-gen2.json || { echo "generator runs differ between two invocations"; exit 1; }
# only a generator run knows its allocator model's own counts
jcheck runs-gen.json 'all(.[]; .allocator_model.mallocs > 0)' '[.[].allocator_model]'
jcheck runs-trace.json 'all(.[]; has("allocator_model") | not)'
jq '[.[] | del(.allocator_model)]' runs-gen.json >runs-gen-noalloc.json
cmp -s runs-gen-noalloc.json runs-trace.json || { echo "generator and replayed trace differ"; exit 1; }
jcheck runs-trace.json '.[0].records > 0'
echo ok
