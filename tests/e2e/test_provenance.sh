#!/bin/sh
# test_provenance.sh BUILD_DIR SOURCE_DIR: every results file says what made it. The "mindsim"
# object holds mindsim's version and git revision, the SimGrid and jansson versions (those
# pkg-config reports for the build), the sha256 of the config and of the trace as sha256sum
# computes them (a MIND trace directory: each of its files, in byte order of their names; a
# built-in workload: no trace), the NIC file (a preset: by the digest of the text built in,
# which is configs/nic/NAME.json's), the --set and --cfg options as given, the host name and
# the start time. Prints "ok" on success.
set -eu
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v jq >/dev/null || fail "jq is not installed (scripts/setup installs it)"
sum() { sha256sum "$1" | cut -d' ' -f1; }

mkdir "$work/cfg" "$work/elsewhere"
cp "$src/traces/samples/default.trace" "$work/cfg/t.trace"
printf '{"workload": {"trace": "t.trace"}, "fetch": {"mode": ["4k"]}}\n' >"$work/cfg/c.json"
cd "$work/elsewhere"
"$build/mindsim" ../cfg/c.json --set cpu_blades.cache_bytes=1048576 --set 'fetch.mode="sg"' \
  --cfg=network/crosstraffic:0 --quiet -o r.json || fail "mindsim"
m() { jq -r ".mindsim.$1" r.json; }
[ "$(m 'inputs | length')" = 3 ] || fail "inputs: $(m inputs)"
[ "$(m 'inputs[0].path')" = ../cfg/c.json ] || fail "config path: $(m 'inputs[0].path')"
[ "$(m 'inputs[0].sha256')" = "$(sum ../cfg/c.json)" ] || fail "config sha256"
[ "$(m 'inputs[1].path')" = ../cfg/t.trace ] || fail "trace path: $(m 'inputs[1].path')"
[ "$(m 'inputs[1].sha256')" = "$(sum ../cfg/t.trace)" ] || fail "trace sha256"
[ "$(m 'inputs[2].path')" = preset:connectx4-100g ] || fail "NIC preset: $(m 'inputs[2].path')"
[ "$(m 'inputs[2].sha256')" = "$(sum "$src/configs/nic/connectx4-100g.json")" ] || fail "NIC preset sha256"
[ "$(m 'set | join(" ")')" = 'cpu_blades.cache_bytes=1048576 fetch.mode="sg"' ] || fail "set: $(m set)"
[ "$(m 'cfg | join(" ")')" = network/crosstraffic:0 ] || fail "cfg: $(m cfg)"
[ "$(m version)" = "$("$build/mindsim" --version | cut -d' ' -f2)" ] || fail "version"
m revision | grep -Eqx 'unknown|([0-9a-f]{7,}|.*-g[0-9a-f]{7,})(-dirty)?' || fail "revision: $(m revision)"
if command -v pkg-config >/dev/null; then
  case "$(m simgrid_version)" in
    "$(pkg-config --modversion simgrid)"*) ;;
    *) fail "simgrid_version $(m simgrid_version), pkg-config: $(pkg-config --modversion simgrid)" ;;
  esac
  [ "$(m jansson_version)" = "$(pkg-config --modversion jansson)" ] || fail "jansson_version $(m jansson_version)"
fi
m simgrid_version | grep -Eqx '[0-9]+\.[0-9]+\.[0-9]+' || fail "simgrid_version $(m simgrid_version)"
[ "$(m wall_host)" = "$(hostname)" ] || fail "wall_host $(m wall_host)"
m wall_start | grep -Eqx '20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z' ||
  fail "wall_start $(m wall_start)"
echo "trace $(m 'inputs[1].sha256'), SimGrid $(m simgrid_version), jansson $(m jansson_version), revision $(m revision)"

# A MIND trace directory: its files, each hashed, in byte order of their names.
mkdir ../cfg/mind
rec() { printf "$1\\000\\020\\000\\000\\000\\000$2\\000\\000\\000\\000\\000\\000\\000"; }
for core in 0 1 2; do rec W "\\00$core" >"../cfg/mind/$core"; rec R "\\01$core" >>"../cfg/mind/$core"; done
echo "captured on a test machine" >../cfg/mind/notes.txt
printf '{"workload": {"trace": "mind", "on_unknown_address": "warn"}, "fetch": {"mode": ["4k"]}}\n' \
  >../cfg/mind.json
"$build/mindsim" ../cfg/mind.json --quiet -o d.json || fail "mindsim on a MIND directory"
want=$(for f in 0 1 2 notes.txt; do printf '%s %s\n' "../cfg/mind/$f" "$(sum "../cfg/mind/$f")"; done)
got=$(jq -r '.mindsim.inputs[1:-1][] | "\(.path) \(.sha256)"' d.json)
[ "$got" = "$want" ] || fail "MIND directory inputs: $got"

# A built-in workload: only the config was read.
"$build/mindsim" ../cfg/c.json --set 'workload.trace=""' --set 'workload.generator="memtest"' \
  --quiet -o g.json || fail "mindsim on a built-in workload"
[ "$(jq -c '[.mindsim.inputs[].path]' g.json)" = '["../cfg/c.json","preset:connectx4-100g"]' ] ||
  fail "generator inputs: $(jq -c '[.mindsim.inputs[].path]' g.json)"

# A NIC file named by path: hashed like the config.
cp "$src/configs/nic/connectx5-100g.json" ../cfg/my-nic.json
"$build/mindsim" ../cfg/c.json --set 'rdma.nic="my-nic.json"' --quiet -o n.json ||
  fail "mindsim with a NIC file"
[ "$(jq -r '.mindsim.inputs[2].path' n.json)" = ../cfg/my-nic.json ] ||
  fail "NIC file path: $(jq -r '.mindsim.inputs[2].path' n.json)"
[ "$(jq -r '.mindsim.inputs[2].sha256' n.json)" = "$(sum ../cfg/my-nic.json)" ] || fail "NIC file sha256"
echo ok
