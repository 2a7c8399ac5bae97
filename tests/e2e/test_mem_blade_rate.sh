#!/bin/sh
# One memory blade behind a 100 Gb/s link serves random 4 KiB faults near the link's rate:
# 32 threads on 8 blades, each reading random pages of its own 8 MiB (far more than its cache;
# few enough 16 KiB regions for the switch's directory, which is not what this measures),
# reach at least 80% of the link's page rate (12.5e9 B/s over 4096 B + 66 B of headers a
# page). The memory blade's NIC pipelines READs (memory_blades.outstanding, derived from the
# NIC file's READ throughput); with one request in service at a time it could not.
# $1 = build directory, $2 = source directory.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
. "$2/tests/e2e/json_lib.sh"
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
set -- $(jq -r '"\(.runs[0].faults) \(.runs[0].sim_time_s) \(.runs[0].memory_blades[0].reads) \(.config.memory_blades.outstanding)"' out.json)
awk $(consts out.json) -v f="$1" -v t="$2" -v r="$3" -v c="$4" 'BEGIN { rate = f / t; link = B * 1e9 / (4096 + H)
  printf "%d faults in %.3f ms: %.3f M/s, %.1f%% of the link'"'"'s %.3f M pages/s (%d requests in service at once)\n",
    f, t * 1e3, rate / 1e6, 100 * rate / link, link / 1e6, c
  exit !(r == f && rate >= 0.8 * link) }'
# the same with one request in service at a time stays well below it
"$bin" c.json --quiet -o one.json --set memory_blades.outstanding=1
set -- $(jq -r '"\(.runs[0].faults) \(.runs[0].sim_time_s)"' one.json)
awk $(consts one.json) -v f="$1" -v t="$2" 'BEGIN { rate = f / t; link = B * 1e9 / (4096 + H)
  printf "one at a time: %.1f%% of the link'"'"'s page rate\n", 100 * rate / link
  exit !(rate < 0.8 * link) }'
echo ok
