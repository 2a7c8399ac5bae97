#!/bin/sh
# A stopped run leaves nothing behind (traces/lib/cleanup.h): SIGTERM or SIGINT to mindsim
# running two modes, or to mindsim-sweep running two points, stops every child, removes the
# scratch folder (under $TMPDIR) and the temporary outputs, and ends the tool by that signal
# (the shell sees 128 + its number). A mode's child that crashes is an internal error (status
# 3) naming the signal; so is a point's mindsim killed. $1 = build dir.
set -eu
build="$(cd "$1" && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
kids() { cat /proc/"$1"/task/*/children 2>/dev/null || true; }
# wait (at most ~20 s: the machine may be busy) until process $1 has $2 children
wait_kids() {
  i=0
  while [ "$(kids "$1" | wc -w)" -lt "$2" ]; do
    i=$((i + 1))
    [ $i -lt 200 ] || fail "process $1 never had $2 children"
    sleep 0.1
  done
}
alive() { for p in "$@"; do [ -e /proc/"$p" ] && ! grep -q '^State:.*Z' /proc/"$p"/status && echo "$p"; done; true; }
[ -r /proc/$$/task/$$/children ] || { echo "skip: /proc/PID/task/TID/children is not available"; exit 0; }

mkdir tmp
export TMPDIR="$work/tmp"
# long enough to be interrupted: two modes of a large key-value workload
cat >long.json <<'EOF'
{"workload": {"generator": "kv", "kv": {"n_ops": 100000000}},
 "cpu_blades": {"cache_bytes": 1048576}, "fetch": {"mode": ["4k", "sg"]}}
EOF

for sig in TERM:15 INT:2; do
  num=${sig#*:}
  sig=${sig%:*}
  # a background job of a script ignores SIGINT; env gives the tool the default disposition
  env --default-signal=INT "$build/mindsim" long.json --quiet -o r.json &
  pid=$!
  wait_kids $pid 2
  children=$(kids $pid)
  [ -n "$(ls tmp)" ] || fail "no scratch folder under \$TMPDIR"
  kill -$sig $pid
  status=0
  wait $pid || status=$?
  want=$((128 + num))
  [ $status -eq $want ] || fail "SIG$sig: exit status $status, expected $want"
  [ -z "$(alive $children)" ] || fail "SIG$sig: children left running: $(alive $children)"
  [ -z "$(ls tmp)" ] || fail "SIG$sig: scratch left: $(ls tmp)"
  [ -z "$(ls | grep '^r\.json')" ] || fail "SIG$sig: outputs left: $(ls | grep '^r\.json')"
done

# a crash in one mode (an abort, as a failed internal check makes): status 3, the signal named,
# the other mode stopped, nothing left
"$build/mindsim" long.json --quiet -o r.json 2>err &
pid=$!
wait_kids $pid 2
children=$(kids $pid)
kill -ABRT $(echo $children | cut -d' ' -f1)
status=0
wait $pid || status=$?
[ $status -eq 3 ] || fail "crash: exit status $status, expected 3"
grep -Eq '^mindsim: internal error: the (4k|sg) run was killed by signal 6 \(Aborted\)$' err ||
  fail "crash message: $(cat err)"
[ -z "$(alive $children)" ] || fail "crash: the other mode still runs"
[ -z "$(ls tmp)" ] || fail "crash: scratch left: $(ls tmp)"
[ -z "$(ls | grep '^r\.json')" ] || fail "crash: outputs left"

# the sweep: two points at once, each a mindsim with two modes
echo '{"base": "long.json", "axes": {"seed": [1, 2, 3]}}' >s.json
"$build/mindsim-sweep" s.json -o out -j 2 2>err &
pid=$!
wait_kids $pid 2
points=$(kids $pid)
for p in $points; do wait_kids $p 2; done
modes=$(for p in $points; do kids $p; done)
kill -TERM $pid
status=0
wait $pid || status=$?
[ $status -eq 143 ] || fail "sweep SIGTERM: exit status $status, expected 143"
[ -z "$(alive $points $modes)" ] || fail "sweep: processes left: $(alive $points $modes)"
[ -z "$(ls tmp)" ] || fail "sweep: scratch left: $(ls tmp)"
[ -z "$(ls out/points)" ] || fail "sweep: files left: $(ls out/points)"

# a point's mindsim killed: the point failed, the sweep's status is 3, the signal named
"$build/mindsim-sweep" s.json -o out --point 0 2>err &
pid=$!
wait_kids $pid 1
kill -KILL $(kids $pid)
status=0
wait $pid || status=$?
[ $status -eq 3 ] || fail "sweep, point killed: exit status $status, expected 3"
grep -q 'failed: mindsim was killed by signal 9 (Killed)$' err || fail "sweep kill message: $(cat err)"
echo ok
