#!/bin/sh
# scripts/sweep --slurm on a real Slurm: a private single-node cluster (munged, slurmctld and
# slurmd of Debian's munge and slurm-wlm, every file under a temp folder, ports nobody
# listens on, its own munge key and socket) runs a shipped sweep. Checks: 3 array tasks
# under --max-array-size 2 go in two array jobs; the points are frozen at submission (the
# spec edited before the jobs run changes nothing); a failing point fails its task and the
# afterok summary job never runs; `-o DIR --slurm` then resubmits only the missing point,
# and its summary job writes a summary.csv equal to a local run's. A 1,500-point sweep
# (MaxArraySize read from scontrol: Slurm's default, 1001) is accepted by the controller,
# held, and cancelled. Every process it started is stopped on any exit, failure or signal.
# usage: sh tests/e2e/test_slurm.sh BUILD_DIR SOURCE_DIR
set -eu

build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
skip() { echo "skip: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (slurmd runs jobs as their user, munged as munge)"
for c in munged mungekey slurmctld slurmd sbatch squeue scontrol sinfo setpriv; do
  command -v "$c" >/dev/null 2>&1 || skip "$c not installed (scripts/setup installs slurm-wlm and munge)"
done
getent passwd munge >/dev/null || skip "no munge user (the munge package creates it)"

t=$(mktemp -d)
chmod 755 "$t"
conf=$t/slurm.conf
fail() { echo "FAIL: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }
# every Slurm command of the test talks to the private cluster only
sl() { env SLURM_CONF="$conf" "$@"; }

munged_pid= ctld_pid= slurmd_pid=
# Wait up to $2 tenths of a second for process $1 to end, then kill it; reap it.
stop() {
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null || true
  i=0
  while kill -0 "$1" 2>/dev/null && [ $i -lt "$2" ]; do sleep 0.1; i=$((i + 1)); done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
# Processes that still carry this cluster's SLURM_CONF: job steps and jobs it started.
leftovers() {
  for e in /proc/[0-9]*/environ; do
    p=${e#/proc/}
    p=${p%/environ}
    [ "$p" != $$ ] || continue
    if { tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qxF "SLURM_CONF=$conf"; then echo "$p"; fi
  done
}
stop_all() {
  if [ -n "$ctld_pid" ] && kill -0 "$ctld_pid" 2>/dev/null; then
    ids=$(sl squeue -h -o %A 2>/dev/null || true)
    [ -z "$ids" ] || sl scancel $ids 2>/dev/null || true
    i=0
    while [ -n "$(sl squeue -h -o %A 2>/dev/null)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  fi
  stop "$slurmd_pid" 100
  stop "$ctld_pid" 100
  stop "$munged_pid" 50
  slurmd_pid= ctld_pid= munged_pid=
  for p in $(leftovers); do kill -9 "$p" 2>/dev/null || true; done
}
cleanup() {
  rc=$?
  set +e
  stop_all
  if [ "$rc" != 0 ]; then
    for f in "$t"/*.log "$t"/*.err "$t"/cl/slurm/*/logs/*; do
      [ -s "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }
    done
  fi
  rm -rf "$t"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# --- munged, as the munge user, with its own key and socket ---
mkdir "$t/munge"
chown munge:munge "$t/munge"
chmod 711 "$t/munge"
setpriv --reuid=munge --regid=munge --clear-groups mungekey --create --keyfile="$t/munge/key"
# setpriv execs munged: $! is munged's pid
setpriv --reuid=munge --regid=munge --clear-groups munged --foreground \
  --socket="$t/munge/socket" --key-file="$t/munge/key" --pid-file="$t/munge/pid" \
  --log-file="$t/munged.log" --seed-file="$t/munge/seed" >"$t/munged.err" 2>&1 &
munged_pid=$!

# --- slurm.conf: this node as slurmd -C sees it, on two free ports ---
# (two ports no TCP socket of this machine uses, from a random start in 20000..39999)
ports=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v seed="$$" '
  $1 ~ /:$/ { split($2, a, ":"); used[a[2]] = 1 }
  END { srand(seed); p = 20000 + int(rand() * 20000)
    for (n = 0; n < 2; p++) if (!(sprintf("%04X", p) in used)) printf "%s%d", n++ ? " " : "", p
    print "" }')
set -- $ports
node=$(slurmd -C | head -n 1)
case "$node" in NodeName=*) ;; *) fail "slurmd -C: $node" ;; esac
mkdir "$t/state" "$t/spool"
cat >"$conf" <<CONF
ClusterName=mindsimtest
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$1
SlurmdPort=$2
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$t/munge/socket
StateSaveLocation=$t/state
SlurmdSpoolDir=$t/spool
SlurmctldPidFile=$t/slurmctld.pid
SlurmdPidFile=$t/slurmd.pid
SlurmctldLogFile=$t/slurmctld.log
SlurmdLogFile=$t/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
i=0
until [ -S "$t/munge/socket" ]; do
  kill -0 "$munged_pid" 2>/dev/null || fail "munged did not start"
  [ $i -lt 100 ] || fail "munged: no socket after 10 s"
  sleep 0.1; i=$((i + 1))
done

t0=$(now)
env SLURM_CONF="$conf" slurmctld -D -i >"$t/slurmctld.err" 2>&1 &
ctld_pid=$!
env SLURM_CONF="$conf" slurmd -D >"$t/slurmd.err" 2>&1 &
slurmd_pid=$!
i=0
until [ "$(sl sinfo -h -o %t 2>/dev/null)" = idle ]; do
  kill -0 "$ctld_pid" 2>/dev/null || fail "slurmctld exited"
  kill -0 "$slurmd_pid" 2>/dev/null || fail "slurmd exited"
  [ $i -lt 600 ] || fail "the node is not idle after 60 s: $(sl sinfo -h -o '%t %E' 2>&1)"
  sleep 0.1; i=$((i + 1))
done
echo "node idle $(since "$t0") s after start"

# Wait up to 3 minutes for jobs $1 (comma-separated) to leave the queue.
wait_jobs() {
  i=0
  while [ -n "$(sl squeue -h -o %i -j "$1" 2>/dev/null)" ]; do
    [ $i -lt 1800 ] || fail "jobs $1 still queued after 3 minutes: $(sl squeue -j "$1" 2>&1)"
    sleep 0.1; i=$((i + 1))
  done
}
# "JOB STATE" for every job and array task of $1, sorted
states() { sl squeue -h -t all -o '%i %T' -j "$1" | sort; }

# --- the shipped cache_size sweep, local run for reference ---
export MINDSIM_BUILD="$build"
sed "s|\"../default.json\"|\"$src/configs/default.json\"|" "$src/configs/sweeps/cache_size.json" >"$t/spec.json"
"$src/scripts/sweep" "$t/spec.json" -o "$t/local" -j 2 2>"$t/local.err" || fail "local sweep: $(cat "$t/local.err")"
n=$(tail -n +2 "$t/local/summary.csv" | wc -l)
[ "$n" = 12 ] || fail "local summary: $n rows, expected 12 (6 points x 2 modes)"

# --- submission 1: frozen, then the spec edited; point 4 cannot write its results ---
sl "$src/scripts/sweep" "$t/spec.json" -o "$t/cl" --slurm --no-submit --points-per-task 2 \
  --throttle 1 --max-array-size 2 --slurm-opt=--time=10 --slurm-opt --job-name=ms-test >"$t/submit1.out"
grep -q 'froze 6 points .*3 array tasks of up to 2 points (2 CPUs each), 2 array job(s) (MaxArraySize 2, --max-array-size)' \
  "$t/submit1.out" || fail "submission: $(cat "$t/submit1.out")"
sub=$t/cl/slurm/1
[ "$(grep -c '^submit --array=' "$sub/submit")" = 2 ] || fail "expected two array jobs: $(grep ^submit "$sub/submit")"
grep -q '^submit --array=0-1%1 .* "$sub/array.sbatch" 0$' "$sub/submit" || fail "first array: $(grep ^submit "$sub/submit")"
grep -q '^submit --array=0-0%1 --dependency=afterany:.* "$sub/array.sbatch" 2$' "$sub/submit" || fail "second array: $(grep ^submit "$sub/submit")"
for s in array summary; do
  x=$(sed -n "s/^exec '\\([^']*\\)'.*/\\1/p" "$sub/$s.sbatch")
  [ -x "$x" ] || fail "$s.sbatch runs '$x', not an executable"
done
sed -i 's/626688, 1253376/1, 2/' "$t/spec.json"
blocked=$(sed -n 's/^4,\([0-9a-f]*\),.*/\1/p' "$t/local/summary.csv" | head -n 1)
mkdir -p "$t/cl/points/$blocked.csv"
t0=$(now)
sl "$sub/submit" >"$t/submit1.run" || fail "submit: $(cat "$t/submit1.run")"
grep -q '^resume: ' "$t/submit1.run" || fail "submit output: $(cat "$t/submit1.run")"
jobs=$(cat "$sub/jobs")
[ "$(echo "$jobs" | tr , '\n' | wc -l)" = 3 ] || fail "expected two array jobs and a summary job: $jobs"
sl squeue -h -t all -o %j -j "$jobs" | grep -qx ms-test || fail "--slurm-opt --job-name did not reach sbatch"
wait_jobs "$jobs"
echo "submission 1 out of the queue after $(since "$t0") s"
summary_job=${jobs##*,}
st=$(states "$jobs")
[ "$(echo "$st" | grep -c ' COMPLETED$')" = 2 ] || fail "expected tasks 0 and 1 COMPLETED: $st"
echo "$st" | grep -q '_0 FAILED$' || fail "expected the task of point 4 FAILED: $st"
echo "$st" | grep -q "^$summary_job COMPLETED" && fail "the summary job ran after a failed task: $st"
[ ! -e "$t/cl/summary.csv" ] || fail "summary.csv written although a point failed"
[ -s "$t/cl/points/$blocked.err" ] || fail "no error file for the failing point"

# --- resume: only point 4 is resubmitted; the summary job writes summary.csv ---
rmdir "$t/cl/points/$blocked.csv"
t0=$(now)
sl "$src/scripts/sweep" -o "$t/cl" --slurm >"$t/submit2.out" || fail "resume: $(cat "$t/submit2.out")"
grep -q 'froze 6 points .*1 to run in 1 array tasks' "$t/submit2.out" || fail "resume: $(cat "$t/submit2.out")"
[ "$(cat "$t/cl/slurm/2/tasks")" = 4 ] || fail "resume tasks: $(cat "$t/cl/slurm/2/tasks")"
jobs=$(cat "$t/cl/slurm/2/jobs")
wait_jobs "$jobs"
echo "resumed array and summary job done after $(since "$t0") s"
st=$(states "$jobs")
[ "$(echo "$st" | grep -vc ' COMPLETED$')" = 0 ] || fail "resumed jobs: $st"
cmp -s "$t/local/summary.csv" "$t/cl/summary.csv" || fail "summary.csv from Slurm differs from the local run's: $(diff "$t/local/summary.csv" "$t/cl/summary.csv" | head -5)"
grep -q 'task 0: 1 points: 1 run, 0 already done, 0 failed' "$t"/cl/slurm/2/logs/*_0.out ||
  fail "the resumed task: $(cat "$t"/cl/slurm/2/logs/*_0.out)"

# --- 1,500 points: the controller takes their arrays (submitted held, then cancelled) ---
[ "$(sl scontrol show config | sed -n 's/^MaxArraySize *= *//p')" = 1001 ] || fail "MaxArraySize is not Slurm's default 1001"
seq -s, 1 1500 | sed "s|^|{\"base\": \"$src/configs/default.json\", \"axes\": {\"network.link_latency_ns\": [|; s|\$|]}}|" >"$t/big.json"
sl "$src/scripts/sweep" "$t/big.json" -o "$t/big" --slurm --points-per-task 1 --slurm-opt=--hold >"$t/big.out" 2>&1 \
  || fail "1,500 points: $(cat "$t/big.out")"
grep -q '1500 array tasks .* 2 array job(s) (MaxArraySize 1001, from scontrol show config)' "$t/big.out" \
  || fail "1,500 points: $(cat "$t/big.out")"
jobs=$(cat "$t/big/slurm/1/jobs")
st=$(sl squeue -h -r -o '%T %r' -j "$jobs" | sort | uniq -c | sed 's/^ *//')
[ "$st" = "1501 PENDING JobHeldUser" ] || fail "1,500 points: expected 1500 held tasks and a held summary job: $st"
sl scancel $(echo "$jobs" | tr , ' ')
# an array one task longer is refused: the check above is not vacuous
sl sbatch --hold --array=0-1001 --wrap true >"$t/over.out" 2>&1 && fail "an array 0-1001 was accepted: $(cat "$t/over.out")"
grep -q 'Invalid job array specification' "$t/over.out" || fail "array 0-1001: $(cat "$t/over.out")"

# --- everything stops, nothing is left running ---
pids="$munged_pid $ctld_pid $slurmd_pid"
stop_all
for p in $pids; do
  kill -0 "$p" 2>/dev/null && fail "process $p still running after the shutdown"
done
[ -z "$(leftovers)" ] || fail "processes of the test cluster left: $(leftovers)"
echo ok
