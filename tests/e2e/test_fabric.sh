#!/bin/sh
# How requests cross the rack (docs/model.md, "Requests through the switch"), to the
# nanosecond on idle links:
#  1. the memory blade's NIC serves up to memory_blades.outstanding requests at once, the rest
#     in arrival order (three threads arriving 2 us apart behind a 10 us DRAM time wait 0, 8
#     and 16 us with one place, 0, 0 and 6 us with two);
#  2. a read the directory grants outright crosses the switch cut-through, while a read that
#     must wait for a coherence transaction travels to the switch, waits there, and is
#     forwarded afterwards; the owner's write-back crosses the switch cut-through;
#  3. many write-backs in flight at once (evictor batches, carriers) reach the memory blades:
#     all but those still in flight when the last thread ends.
# $1 = build directory, $2 = source directory.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
. "$2/tests/e2e/json_lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# a value of run 0: run0 FILE PATH (PATH as jq writes it, e.g. threads[0].finish_s)
run0() { jq -r ".runs[0].$2" "$1"; }
check_ns() {  # $1 measured s, $2 expected ns, $3 what
  awk -v m="$1" -v e="$2" -v w="$3" 'BEGIN {
    got = m * 1e9; d = got - e; if (d < 0) d = -d
    printf "%s: %.3f ns, expected %.3f ns\n", w, got, e
    exit !(d < 0.01) }'
}

# ---- 1. first in, first out at the memory blade ----
cat >fifo.trace <<'T'
0 A 0x10000000 65536
1 A 0x20000000 65536
2 A 0x30000000 65536
0 C 1000
0 R 0x10000000 8
1 C 3000
1 R 0x20000000 8
2 C 5000
2 R 0x30000000 8
T
# every cost but the memory blade's 10 us DRAM time is (almost) nothing
cat >fifo.json <<'J'
{"workload": {"trace": "fifo.trace"},
 "cpu_blades": {"count": 1, "threads_per_blade": 3, "fault_handler_ns": 0},
 "memory_blades": {"dram_ns": 10000, "outstanding": 1},
 "network": {"link_latency_ns": 0, "switch_latency_ns": 0, "link_bandwidth_gbps": 100000},
 "rdma": {"wr_ns": 0, "sge_ns": 0, "size_scale": 0}, "fetch": {"mode": "4k"}}
J
# arrivals at 1, 3, 5 us (+ transfers: a third of a ns each)
for places in "1 11 21 31" "2 11 13 21"; do
  set -- $places
  "$bin" fifo.json --quiet -o fifo.out.json --set memory_blades.outstanding=$1
  shift
  for i in 0 1 2; do
    f=$(run0 fifo.out.json "threads[$i].finish_s")
    eval "want=\${$((i + 1))}"
    awk -v f="$f" -v i=$i -v w="$want" 'BEGIN { want = w * 1000; d = f * 1e9 - want
      printf "thread %d: done at %.3f ns (expected %d + under 3 ns)\n", i, f * 1e9, want
      exit !(d >= 0 && d < 3) }'
  done
done

# ---- 2. cut-through when granted outright, store-and-forward when the request must wait ----
# Blade 0 writes the page (I->M, granted as the request leaves); 100 us later blade 1 reads it
# (M->S: the switch sends blade 0 a DOWNGRADE, blade 0 writes the page back, acks, and only
# then does blade 1's read go on to the memory blade).
cat >coh.trace <<'T'
0 A 0x10000000 4096
0 W 0x10000000 8
1 C 100000
1 R 0x10000000 8
T
cat >coh.json <<'J'
{"workload": {"trace": "coh.trace"},
 "cpu_blades": {"count": 2, "threads_per_blade": 1, "cache_bytes": 1048576},
 "rdma": {"wr_ns": 0, "sge_ns": 0, "size_scale": 0},
 "fetch": {"mode": "4k"}, "switch": {"check_coherence": true}}
J
"$bin" coh.json --quiet -o coh.out.json
# The NIC's own time is set to nothing (tests/e2e/test_nic_curve.sh checks it): what is left is
# the path, its constants as the results echo the config (consts): a page is 4096 B and one
# header on the wire, a write's ack one header.
t0=$(run0 coh.out.json "threads[0].finish_s")
t1=$(run0 coh.out.json "threads[1].finish_s")
check_ns "$t0" "$(awk $(consts coh.out.json) 'BEGIN {
  printf "%.6f", FH + (L + P + L + Q/B) + dram + (L + P + L + (4096 + H)/B) }')" \
  "blade 0, I->M, cut-through"
check_ns "$t1" "$(awk $(consts coh.out.json) 'BEGIN { page = 4096 + H
  req = (L + Q/B)                                          # to the switch, where it waits
  dg = (P + L + Q/B) + IH                                  # DOWNGRADE to blade 0, its handler
  wb = (L + P + L + page/B) + dram + (L + P + L + H/B)     # write-back, acked
  ack = (L + Q/B)                                          # blade 0 acks to the switch
  fwd = (P + L + Q/B)                                      # the read goes on
  printf "%.6f", 100000 + FH + req + dg + wb + ack + fwd + dram + (L + P + L + page/B) }')" \
  "blade 1, M->S, waits at the switch"
[ "$(run0 coh.out.json coherence.transitions.M_S.grants)" = 1 ]

# ---- 3. many write-backs in flight ----
# 4 threads on 4 blades, each writing 2000 pages through a 16-page cache: the evictors keep
# batches of dirty pages in flight on carriers; every one reaches a memory blade.
awk 'BEGIN { for (t = 0; t < 4; t++) { b = 268435456 + t * 16777216; printf "%d A 0x%x 8192000\n", t, b
  for (p = 0; p < 2000; p++) printf "%d W 0x%x 64\n", t, b + p * 4096 } }' >wb.trace
cat >wb.json <<'J'
{"workload": {"trace": "wb.trace"},
 "cpu_blades": {"count": 4, "threads_per_blade": 1, "cache_bytes": 65536, "evict_batch": 8},
 "fetch": {"mode": ["4k", "sg"]}}
J
"$bin" wb.json --quiet -o wb.out.json
jq -r '.runs[] | "\(.fetch_mode): \([.blades[].writebacks] | add) write-backs, \([.memory_blades[].writes] | add) received; \(.bytes_evicted) B evicted, \([.memory_blades[].bytes_written] | add) B received"' wb.out.json
# the run ends with the last thread: at most one batch per blade may still be in flight
jcheck wb.out.json 'all(.runs[]; ([.blades[].writebacks] | add) as $wbs
  | ($wbs - ([.memory_blades[].writes] | add)) as $late
  | (.bytes_evicted - ([.memory_blades[].bytes_written] | add)) as $late_bytes
  | $wbs > 7000 and $late >= 0 and $late <= 4 * 8 and $late_bytes >= 0 and $late_bytes <= 4 * 8 * 4096)'
echo ok
