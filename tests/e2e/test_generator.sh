#!/bin/sh
# Built-in workloads: `mindsim-trace gen` writes the generator's stream, and replaying that
# trace gives the same runs as running the generator directly (one thread, so no cross-thread
# ordering is involved); the same config twice gives identical results.
# $1 = build directory.
set -eu
b="$(cd "$1" && pwd)"
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
python3 - <<'PY'
import json, sys
def runs(f):
    d = json.load(open(f))
    out = []
    for r in d["runs"]:
        out.append({k: v for k, v in r.items() if not k.startswith("wall_")})
    return out
a, a2, t = runs("gen.json"), runs("gen2.json"), runs("trace.json")
if a != a2: print("generator runs differ between two invocations"); sys.exit(1)
# only a generator run knows its allocator model's own counts
if not all("allocator_model" in r and r["allocator_model"]["mallocs"] > 0 for r in a):
    print("generator run without allocator_model counts"); sys.exit(1)
if any("allocator_model" in r for r in t): print("trace replay reports an allocator model"); sys.exit(1)
a = [{k: v for k, v in r.items() if k != "allocator_model"} for r in a]
if a != t: print("generator and replayed trace differ"); sys.exit(1)
if a[0]["records"] == 0: print("no records"); sys.exit(1)
PY
echo ok
