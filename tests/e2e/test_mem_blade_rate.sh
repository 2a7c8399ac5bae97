#!/bin/sh
# One memory blade behind a 100 Gb/s link serves random 4 KiB faults near the link's rate:
# 32 threads on 8 blades, each reading random pages of its own 8 MiB (far more than its cache;
# few enough 16 KiB regions for the switch's directory, which is not what this measures),
# reach at least 80% of the link's page rate (12.5e9 B/s over 4096 B + 66 B of headers a
# page). The memory blade's NIC pipelines READs (memory_blades.outstanding, derived from the
# NIC file's READ throughput); with one request in service at a time it could not.
# $1 = build directory.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
awk 'BEGIN { srand(7); for (t = 0; t < 32; t++) printf "%d A 0x%x 67108864\n", t, 268435456 + t * 67108864
  for (i = 0; i < 1500; i++) for (t = 0; t < 32; t++)
    printf "%d R 0x%x 8\n", t, 268435456 + t * 67108864 + int(rand() * 2048) * 4096 }' >r.trace
cat >c.json <<'J'
{"workload": {"trace": "r.trace"},
 "cpu_blades": {"count": 8, "threads_per_blade": 4, "cache_bytes": 262144},
 "memory_blades": {"count": 1, "partition_bytes": 4294967296},
 "fetch": {"mode": "4k"}}
J
"$bin" c.json --quiet -o out.json
python3 - <<'PY'
import json
d = json.load(open("out.json"))
r = d["runs"][0]
rate = r["faults"] / r["sim_time_s"]
link = 12.5e9 / (4096 + 66)
places = d["config"]["memory_blades"]["outstanding"]
print(f"{r['faults']} faults in {r['sim_time_s'] * 1e3:.3f} ms: {rate / 1e6:.3f} M/s, "
      f"{rate / link:.1%} of the link's {link / 1e6:.3f} M pages/s ({places} requests in service at once)")
assert r["memory_blades"][0]["reads"] == r["faults"]
assert rate >= 0.8 * link, "below 80% of the link's page rate"
PY
# the same with one request in service at a time stays well below it
"$bin" c.json --quiet -o one.json --set memory_blades.outstanding=1
python3 - <<'PY'
import json
r = json.load(open("one.json"))["runs"][0]
rate = r["faults"] / r["sim_time_s"]
link = 12.5e9 / (4096 + 66)
print(f"one at a time: {rate / link:.1%} of the link's page rate")
assert rate < 0.8 * link
PY
echo ok
