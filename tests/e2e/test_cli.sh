#!/bin/sh
# The command lines: mindsim --version, --help, --help-config naming the contract's keys,
# results on stdout without -o, --set of a string and of a list, --csv, byte-identical results
# across repeated runs (wall-clock fields aside); the GNU forms (--output=FILE, -oFILE, --set
# VALUE as a plain string, --), integral reals for integer keys, SimGrid's --cfg and --log
# accepted and recorded or refused before any run; every tool's --version, --help and one-line
# usage error; mindsim-trace's and mindtrace's option forms (flags such as --zstd included).
# $1 = build dir, $2 = source dir.
set -eu
bin="$(cd "$1" && pwd)/mindsim"
src="$(cd "$2" && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }

"$bin" --version | grep -q '^mindsim [0-9]' || fail "--version"
"$bin" --help | grep -q 'usage: mindsim CONFIG.json' || fail "--help"
"$bin" --help-config >keys.txt
for k in workload.trace cpu_blades.count cpu_blades.threads_per_blade cpu_blades.cache_bytes \
         memory_blades.count network.link_latency_ns network.link_bandwidth_gbps fetch.mode \
         fetch.bitmap fetch.max_sge seed; do
  grep -q "^$k " keys.txt || fail "--help-config lacks $k"
done
# the same keys, in the same order, as JSON with units and help
"$bin" --help-config=json >keys.json
[ "$(jq -r '.[].key' keys.json)" = "$(awk 'NR > 1 && !/^ / { print $1 }' keys.txt)" ] || fail "--help-config=json keys"
[ "$(jq -r '.[] | select(.key == "network.link_bandwidth_gbps") | "\(.unit) \(.default) \(.help)"' keys.json)" = \
  "Gbit/s 100 link bandwidth per direction" ] || fail "--help-config=json: network.link_bandwidth_gbps"

cfg="$src/configs/default.json"
# results on stdout, table on stderr
"$bin" "$cfg" --set 'fetch.mode="sg"' >out.json 2>table.txt
grep -q '"fetch_mode": "sg"' out.json || fail "stdout results"
grep -q '"fetch_mode": "4k"' out.json && fail "only sg was asked for"
grep -q 'simulated time' table.txt || fail "table on stderr"
grep -q '"comparison"' out.json && fail "no comparison with one mode"

# a list of modes, CSV rows
"$bin" "$cfg" --set 'fetch.mode=["sg","4k"]' --quiet -o a.json --csv a.csv
[ "$(wc -l <a.csv)" -eq 3 ] || fail "csv rows"
head -1 a.csv | grep -q '^fetch_mode,sim_time_s,' || fail "csv header"
grep -q '"sim_time_ratio"' a.json || fail "comparison"

# determinism
"$bin" "$cfg" --quiet -o r1.json
"$bin" "$cfg" --quiet -o r2.json
grep -v '"wall_' r1.json >s1
grep -v '"wall_' r2.json >s2
cmp -s s1 s2 || fail "two runs differ"

# GNU forms: --output=FILE, -oFILE and --output FILE; options before, between and after the
# config; --set=K=V; `--` before the config; --set VALUE as a plain string
"$bin" --output=g1.json --quiet "$cfg" --set fetch.mode=sg
"$bin" -og2.json -q --set=fetch.mode=sg -- "$cfg"
"$bin" "$cfg" --quiet --output g3.json --set 'fetch.mode="sg"'
for f in g1 g2 g3; do
  [ "$(jq -c .config.fetch.mode $f.json)" = '["sg"]' ] || fail "$f: fetch.mode $(jq -c .config.fetch.mode $f.json)"
  jq 'del(.mindsim.wall_start, .mindsim.wall_host, .mindsim.set) | del(.runs[].wall_time_s, .runs[].wall_peak_rss_kib)' $f.json >$f.cmp
done
cmp -s g1.cmp g2.cmp && cmp -s g1.cmp g3.cmp || fail "the GNU forms give different results"
[ "$(jq -c .mindsim.set g1.json)" = '["fetch.mode=sg"]' ] || fail "--set recorded as $(jq -c .mindsim.set g1.json)"

# an integer key takes an integral real; the set is recorded as given, the config echoes 1000
"$bin" "$cfg" -q -o r.json --set seed=1e3 --set fetch.mode=4k
[ "$(jq .config.seed r.json)" = 1000 ] || fail "seed=1e3 gave $(jq .config.seed r.json)"
[ "$(jq -c .mindsim.set r.json)" = '["seed=1e3","fetch.mode=4k"]' ] || fail "set: $(jq -c .mindsim.set r.json)"

# SimGrid's options: accepted ones run and are recorded as given
"$bin" "$cfg" -q -o s.json --set fetch.mode=4k --cfg=maxmin/precision:1e-5 \
  --cfg contexts/stack-size:4096 --log=ker_lmm.thres:critical --log root.thres:critical ||
  fail "accepted --cfg and --log"
[ "$(jq -c .mindsim.cfg s.json)" = '["maxmin/precision:1e-5","contexts/stack-size:4096"]' ] ||
  fail "cfg: $(jq -c .mindsim.cfg s.json)"
[ "$(jq -c .mindsim.log s.json)" = '["ker_lmm.thres:critical","root.thres:critical"]' ] ||
  fail "log: $(jq -c .mindsim.log s.json)"
# a refused or bad one stops everything before a run: one line, status 2, nothing written
for opt in --cfg=network/model:Constant --cfg=bogus:1 --cfg=contexts/factory:bogus --log=bogus \
           --log=bogus.thres:debug --log=root.thres:loud; do
  set +e; "$bin" "$cfg" -o bad.json "$opt" 2>bad.err; rc=$?; set -e
  [ "$rc" = 2 ] || fail "$opt: status $rc"
  [ "$(wc -l <bad.err)" = 1 ] || fail "$opt: $(wc -l <bad.err) lines on stderr"
  grep -q "^mindsim: $opt: " bad.err || fail "$opt: $(cat bad.err)"
  [ ! -e bad.json ] || fail "$opt: wrote results"
done
# a bad option after 2,100 characters of a value is still found (the whole value is checked),
# and the value is shown cut short so that what is wrong fits on the line
pad=$(printf '%2100s' '')
for opt in "--cfg=maxmin/precision:1e-6${pad}bogus:1" "--log=root.thres:critical${pad}root.thres:loud"; do
  set +e; "$bin" "$cfg" -o bad.json "$opt" 2>bad.err; rc=$?; set -e
  [ "$rc" = 2 ] && [ "$(wc -l <bad.err)" = 1 ] || fail "long ${opt%%=*}: status $rc, $(wc -l <bad.err) lines"
  grep -Eq '\.\.\.: SimGrid: (Bad config key: bogus|Unknown priority name: loud)' bad.err ||
    fail "long ${opt%%=*}: $(tr -s ' ' <bad.err)"
done

# every tool: --version, --help, and a bad option is one line naming it, status 2
mt="$(dirname "$bin")/traces/mindtrace/mindtrace"
for tool in "$bin" "$(dirname "$bin")/mindsim-sweep" "$(dirname "$bin")/mindsim-trace" "$mt"; do
  name=$(basename "$tool")
  "$tool" --version | grep -qx "$name [0-9][0-9.]*" || fail "$name --version"
  "$tool" --help | grep -q "^usage: $name" || fail "$name --help"
  set +e; "$tool" --frobnicate 2>bad.err; rc=$?; set -e
  [ "$rc" = 2 ] && [ "$(cat bad.err)" = "$name: unknown option '--frobnicate' (see $name --help)" ] ||
    fail "$name --frobnicate: $rc $(cat bad.err)"
done

# mindsim-trace: a command's options before, between or after its operands, either form
st="$(dirname "$bin")/mindsim-trace"
"$st" gen kv --n_threads 2 --kv.n_items=200 --kv.n_ops 500 --to=text g.txt
"$st" convert --to binary g.txt g.bin
"$st" stat --json g.bin >s1.json
"$st" stat g.bin --json >s2.json
cmp -s s1.json s2.json || fail "mindsim-trace stat --json: placement matters"
[ "$(jq .threads s1.json)" = 2 ] || fail "gen --n_threads 2: $(jq .threads s1.json) threads"
"$st" convert --zstd g.txt --to=binary-v2 g2.bin 2>/dev/null && fail "convert --zstd --to=binary-v2 passed"
"$st" convert --zstd g.txt --to=text g.tz
"$st" stat g.tz | grep -qx 'compression: zstd' || fail "convert --zstd (before the operands): not zstd"
"$st" cat g.tz | cmp -s - g.txt || fail "convert --zstd --to=text: records differ"

# mindtrace: -oOUT and --output=OUT; its options end at PROGRAM, whose own follow
"$mt" -om1.bin -- "$(dirname "$bin")/traces/memtest" 1 16 64 1 >/dev/null || fail "mindtrace -oOUT"
"$mt" --output=m2.bin "$(dirname "$bin")/traces/memtest" 1 16 64 1 >/dev/null || fail "mindtrace --output="
"$mt" --zstd --text -o m3.trace "$(dirname "$bin")/traces/memtest" 1 16 64 1 >/dev/null || fail "mindtrace --zstd"
"$st" stat m3.trace | grep -qx 'compression: zstd' || fail "mindtrace --zstd: not zstd"
for f in m1.bin m2.bin m3.trace; do
  "$st" stat $f | grep -q '^records\.A: [1-9]' || fail "mindtrace $f: no allocations"
done
echo ok
