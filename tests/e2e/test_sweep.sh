#!/bin/sh
# scripts/sweep end to end on a tiny 2x2 sweep: results and summary, resume after a point's
# results are deleted or belong to another config, determinism (-j1 vs -j2), repetitions,
# a failing point, and the Slurm job scripts run locally: frozen points, resuming, and the
# arrays of a 1,500-point sweep under MaxArraySize.
# usage: sh tests/e2e/test_sweep.sh BUILD_DIR SOURCE_DIR
set -eu

build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export MINDSIM_BUILD="$build"
sweep="$src/scripts/sweep"
cd "$work"

cat >t.trace <<'TRACE'
0 A 0x10000000 65536
0 W 0x10000000 64
0 R 0x10001000 8
0 W 0x10002000 8
0 R 0x10000000 8
1 A 0x20000000 8192
1 R 0x20000000 8
1 C 500
1 R 0x20001000 8
TRACE
printf '0 A 0x10000000 64\n0 R 0x30000000 8\n' >bad.trace
cat >base.json <<'JSON'
{"workload": {"trace": "t.trace"}, "cpu_blades": {"count": 1, "threads_per_blade": 2, "cache_bytes": 1048576}}
JSON
cat >spec.json <<'JSON'
{"description": "tiny 2x2", "base": "base.json",
 "axes": {"network.link_bandwidth_gbps": [10, 100], "network.link_latency_ns": [250, 1000]}}
JSON

# --- a 2x2 sweep ---
"$sweep" spec.json -o a -j 2 2>a.err || { cat a.err >&2; fail "sweep exited non-zero"; }
[ "$(ls a/points/*.json | wc -l)" = 4 ] || fail "expected 4 point results"
[ "$(wc -l <a/summary.csv)" = 9 ] || fail "expected a header and 8 rows (4 points x 2 modes)"
head -1 a/summary.csv | grep -q '^point,id,network.link_bandwidth_gbps,network.link_latency_ns,fetch_mode,sim_time_s,' \
  || fail "summary header: $(head -1 a/summary.csv)"
grep -q ',ratio_sim_time_s,' a/summary.csv || fail "no ratio column"
# row 0: bandwidth 10, latency 250, 4k then sg; the sg/4k ratio is the same on both rows
sed -n 2p a/summary.csv | grep -q '^0,[0-9a-f]\{16\},10,250,4k,' || fail "row order: $(sed -n 2p a/summary.csv)"
sed -n 3p a/summary.csv | grep -q '^0,[0-9a-f]\{16\},10,250,sg,' || fail "row order: $(sed -n 3p a/summary.csv)"
# the summary's numbers are the point's own results
id=$(sed -n 2p a/summary.csv | cut -d, -f2)
t=$(grep -m1 '"sim_time_s"' "a/points/$id.json" | sed 's/.*: *//; s/,//')
awk -F, -v t="$t" 'NR == 2 { d = $6 - t; if (d < 0) d = -d; exit !(d <= 1e-9 * t) }' a/summary.csv \
  || fail "summary sim_time_s differs from the point's results"
[ ! -e a/points/$id.err ] || fail "an .err file left for a good point"

# --- resume: nothing to do; then one point deleted; then one point from another config ---
cp a/summary.csv first.csv
"$sweep" spec.json -o a -j 2 2>r1.err
grep -q '0 run, 4 already done, 0 failed' r1.err || fail "rerun did work: $(cat r1.err)"
cmp -s first.csv a/summary.csv || fail "summary changed on a rerun"
rm "a/points/$id.json"
"$sweep" spec.json -o a -j 2 2>r2.err
grep -q '1 run, 3 already done, 0 failed' r2.err || fail "resume after a deletion: $(cat r2.err)"
cmp -s first.csv a/summary.csv || fail "summary differs after resuming"
other=$(sed -n 4p a/summary.csv | cut -d, -f2)
sed 's/"link_latency_ns": [0-9]*/"link_latency_ns": 7/' "a/points/$other.json" >x.json
mv x.json "a/points/$other.json"
"$sweep" spec.json -o a 2>r3.err
grep -q '1 run, 3 already done, 0 failed' r3.err || fail "a result of another config was not rerun: $(cat r3.err)"
cmp -s first.csv a/summary.csv || fail "summary differs after rerunning a stale point"
ls a/points | grep -q tmp && fail "temporary files left in a/points"

# --- determinism: -j1 vs -j2 ---
"$sweep" spec.json -o b -j 1 2>/dev/null
cmp -s a/summary.csv b/summary.csv || fail "-j1 and -j2 summaries differ"

# --- repetitions: a seed column, seeds 1 and 2 (the base seed, +1) ---
cat >reps.json <<'JSON'
{"base": "base.json", "axes": {"fetch.mode": ["4k", "sg"]}, "repetitions": 2}
JSON
"$sweep" reps.json -o c 2>/dev/null
head -1 c/summary.csv | grep -q '^point,id,fetch.mode,seed,fetch_mode,' || fail "reps header: $(head -1 c/summary.csv)"
[ "$(cut -d, -f4 c/summary.csv | tail -n +2 | tr '\n' ' ')" = "1 2 1 2 " ] || fail "seeds: $(cut -d, -f4 c/summary.csv)"

# --- a failing point: reported with its error, the others still run, exit 1 ---
cat >failing.json <<'JSON'
{"base": "base.json", "axes": {"workload.trace": ["t.trace", "bad.trace"], "network.link_latency_ns": [250, 500]}}
JSON
rc=0
"$sweep" failing.json -o d -j 2 2>d.err || rc=$?
[ "$rc" = 1 ] || fail "failing point: exit $rc, expected 1"
[ "$(grep -c 'failed: ' d.err)" = 2 ] || fail "expected two failed points: $(cat d.err)"
grep 'point 2 (' d.err | grep -q 'bad.trace' || fail "the error does not come from mindsim: $(cat d.err)"
[ "$(wc -l <d/summary.csv)" = 5 ] || fail "expected the two good points (4 rows) in the summary"

# --- Slurm: the job scripts, each array task run here as Slurm would run it ---
cp base.json fbase.json
sed 's/"base.json"/"fbase.json"/' spec.json >frozen.json
"$sweep" frozen.json -o e --slurm --no-submit --points-per-task 3 >slurm.out
grep -q 'froze 4 points in .*/e/slurm/1/points.json: 4 to run in 2 array tasks of up to 3 points (2 CPUs each), 1 array job' slurm.out \
  || fail "--slurm: $(cat slurm.out)"
sub=e/slurm/1
grep -q "^submit:  *$(pwd)/$sub/submit\$" slurm.out || fail "no submit line: $(cat slurm.out)"
grep -q '^submit --array=0-1 .*"$sub/array.sbatch" 0$' $sub/submit || fail "array: $(grep ^submit $sub/submit)"
grep -q '^submit --dependency=afterok:"$arrays" --kill-on-invalid-dep=yes' $sub/submit || fail "no summary job"
[ "$(cat $sub/tasks | tr '\n' /)" = "0 1/2 3/" ] || fail "tasks: $(cat $sub/tasks)"
[ ! -e e/summary.csv ] && [ -z "$(ls e/points)" ] || fail "--slurm ran points"
# the points are frozen: editing the spec or the base config after submission changes nothing
sed -i 's/\[10, 100\]/[1, 2, 3]/' frozen.json
sed -i 's/1048576/65536/' fbase.json
for i in 0 1; do
  SLURM_ARRAY_TASK_ID=$i bash $sub/array.sbatch 0 2>task$i.err || fail "array task $i: $(cat task$i.err)"
done
grep -q 'task 1: 2 points: 2 run, 0 already done, 0 failed' task1.err || fail "task 1: $(cat task1.err)"
SLURM_ARRAY_TASK_ID=1 bash $sub/array.sbatch 0 2>task1.err || fail "array task 1, rerun"
grep -q 'task 1: 2 points: 0 run, 2 already done' task1.err || fail "task 1 rerun: $(cat task1.err)"
bash $sub/summary.sbatch 2>/dev/null || fail "summary job"
cmp -s first.csv e/summary.csv || fail "summary from the array tasks differs"
# results from the frozen configs count as done for a local run of the same spec
"$sweep" spec.json -o e 2>e.err
grep -q '0 run, 4 already done' e.err || fail "tasks did not leave finished points: $(cat e.err)"
# a lost point: `-o DIR --slurm` resubmits only it, from the frozen points
lost=$(sed -n 3p e/summary.csv | cut -d, -f2)
rm "e/points/$lost.json"
"$sweep" -o e --slurm --no-submit >resume.out || fail "resume: $(cat resume.out)"
grep -q 'froze 4 points .*: 1 to run in 1 array tasks' resume.out || fail "resume: $(cat resume.out)"
[ "$(cat e/slurm/2/tasks)" = 0 ] || fail "resume tasks: $(cat e/slurm/2/tasks)"
cmp -s $sub/points.json e/slurm/2/points.json || fail "the resumed points differ from the frozen ones"
SLURM_ARRAY_TASK_ID=0 bash e/slurm/2/array.sbatch 0 2>/dev/null || fail "resumed task"
"$sweep" -o e --slurm >resume2.out || fail "nothing to resume: $(cat resume2.out)"
grep -q 'every point has results, nothing to submit' resume2.out || fail "nothing to resume: $(cat resume2.out)"
[ ! -e e/slurm/3 ] || fail "a submission with nothing to run"
cmp -s first.csv e/summary.csv || fail "summary after the resumed task differs"
rc=0; "$sweep" -o a --slurm 2>noslurm.err || rc=$?
[ "$rc" = 2 ] && grep -q 'a/slurm has no submission' noslurm.err || fail "resume without a submission: $rc $(cat noslurm.err)"
rc=0; "$sweep" spec.json -o x --throttle 2 2>opt.err || rc=$?
[ "$rc" = 2 ] && grep -q 'go with --slurm' opt.err || fail "--throttle without --slurm: $rc $(cat opt.err)"
rc=0; "$sweep" spec.json -o x --slurm --points-per-task 0 2>opt.err || rc=$?
[ "$rc" = 2 ] && grep -q -- '--points-per-task: not a valid number: 0' opt.err || fail "--points-per-task 0: $rc $(cat opt.err)"

# --- 1,500 points: arrays a default Slurm accepts (indices below MaxArraySize 1001) ---
seq -s, 1 1500 | sed 's/^/{"base": "base.json", "axes": {"network.link_latency_ns": [/; s/$/]}}/' >big.json
"$sweep" big.json -o big --slurm --no-submit --points-per-task 1 --max-array-size 1001 >big.out \
  || fail "1,500 points: $(cat big.out)"
grep -q '1500 to run in 1500 array tasks of up to 1 points (2 CPUs each), 2 array job(s) (MaxArraySize 1001, --max-array-size)' big.out \
  || fail "1,500 points: $(cat big.out)"
sed -n 's/^submit --array=0-\([0-9]*\) .* \([0-9]*\)$/\1 \2/p' big/slurm/1/submit >ranges
[ "$(cat ranges | tr '\n' /)" = "1000 0/498 1001/" ] || fail "1,500 points: arrays $(cat ranges)"
[ "$(wc -l <big/slurm/1/tasks)" = 1500 ] || fail "1,500 points: tasks"
[ "$(awk '{ n += NF } END { print n }' big/slurm/1/tasks)" = 1500 ] || fail "1,500 points: not every point in a task"
# the default: tasks of up to 500 points, balanced; MaxArraySize from scontrol, else 1001
"$sweep" big.json -o big --slurm --no-submit >big2.out || fail "1,500 points: $(cat big2.out)"
grep -q '1500 to run in 3 array tasks of up to 500 points' big2.out || fail "1,500 points: $(cat big2.out)"
[ "$(awk '{ printf "%d ", NF }' big/slurm/2/tasks)" = "500 500 500 " ] || fail "default tasks"
if ! scontrol show config >/dev/null 2>&1; then
  grep -q "MaxArraySize 1001, Slurm's default" big2.out || fail "no scontrol: $(cat big2.out)"
fi

# a base config with a built-in workload and no trace file
cat >gen.base.json <<'JSON'
{"workload": {"generator": "kv", "allocator": "mimalloc", "n_threads": 1,
  "kv": {"n_items": 500, "n_ops": 500}}, "cpu_blades": {"cache_bytes": 65536}}
JSON
cat >gen.json <<'JSON'
{"base": "gen.base.json", "axes": {"network.link_bandwidth_gbps": [25, 100]}}
JSON
"$sweep" gen.json -o g 2>g.err || fail "generator sweep: $(cat g.err)"
[ "$(wc -l <g/summary.csv)" -eq 5 ] || fail "generator sweep rows"
echo ok
