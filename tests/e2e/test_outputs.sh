#!/bin/sh
# Outputs never destroy what is not theirs (traces/lib/outfile.h): a character device and a FIFO
# are written in place and stay what they are, a symlink keeps pointing at its (replaced)
# target, an output naming an input is refused before any work with the input untouched, and a
# full device on stdout or as a file is an error naming it. The nodes are made here (mknod
# needs root). $1 = build dir, $2 = source dir.
set -eu
build="$(cd "$1" && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
if ! mknod null c 1 3 2>/dev/null || ! mknod full c 1 7 2>/dev/null; then
  echo "skip: mknod needs root"
  exit 0
fi
ms="$build/mindsim"
mt="$build/mindsim-trace"
msw="$build/mindsim-sweep"

printf '0 A 0x1000 64\n0 W 0x1000 8\n0 R 0x1000 8\n' >t.trace
echo '{"workload": {"trace": "t.trace"}, "fetch": {"mode": "4k"}}' >c.json
echo '{"base": "c.json", "axes": {"seed": [1, 2]}}' >s.json

# a character device: written in place, still a device, no side file beside it
"$ms" c.json --quiet -o null --csv null || fail "-o onto a device"
[ -c null ] || fail "-o replaced the device node"
[ ! -e null.directory.csv ] || fail "a time series beside a device"
"$mt" convert t.trace null --to binary || fail "convert onto a device"
[ -c null ] || fail "convert replaced the device node"

# a full device as a file: exit 2 naming it, still a device
if "$ms" c.json --quiet -o full 2>err; then fail "-o onto a full device succeeded"; fi
grep -q '^full: cannot write: No space left on device$' err || fail "full -o: $(cat err)"
[ -c full ] || fail "-o replaced the full device"
if "$mt" convert t.trace full --to binary 2>err; then fail "convert onto a full device"; fi
grep -q '^full: cannot write: No space left on device$' err || fail "full convert: $(cat err)"

# a FIFO: the reader gets the bytes, the FIFO stays a FIFO (a binary trace, whose header is
# written last, goes through a temporary file)
mkfifo fifo
cat fifo >from_fifo.json &
"$ms" c.json --quiet -o fifo || fail "-o onto a FIFO"
wait
[ -p fifo ] || fail "-o replaced the FIFO"
grep -q '"fetch_mode": "4k"' from_fifo.json || fail "results through the FIFO"
cat fifo >from_fifo.bin &
"$mt" convert t.trace fifo --to binary || fail "convert onto a FIFO"
wait
[ -p fifo ] || fail "convert replaced the FIFO"
"$mt" stat from_fifo.bin | grep -q '^records: 3$' || fail "binary trace through the FIFO"

# a symlink: its target replaced, the link kept
echo old >target.json
ln -s target.json link.json
"$ms" c.json --quiet -o link.json || fail "-o through a symlink"
[ -L link.json ] || fail "-o replaced the symlink"
grep -q '"fetch_mode": "4k"' target.json || fail "the link's target was not written"
ln -s target.trace link.trace       # dangling: the target is created
"$mt" convert t.trace link.trace || fail "convert through a dangling symlink"
[ -L link.trace ] && [ -f target.trace ] || fail "dangling symlink: link or target"
cmp -s target.trace t.trace || fail "target.trace differs from t.trace"

# an output naming an input: refused before any work, the input byte-identical
cp c.json keep.json
if "$ms" c.json --quiet -o c.json 2>err; then fail "-o onto the config succeeded"; fi
grep -q '^c.json: the output would overwrite the config c.json$' err || fail "config: $(cat err)"
cmp -s c.json keep.json || fail "the config changed"
cp t.trace keep.trace
if "$ms" c.json --quiet -o out.json --csv t.trace 2>err; then fail "--csv onto the trace"; fi
grep -q '^t.trace: the output would overwrite the trace t.trace$' err || fail "trace: $(cat err)"
[ ! -e out.json ] || fail "results written although an output was refused"
ln -s t.trace alias.trace
if "$mt" convert t.trace alias.trace 2>err; then fail "convert onto its input (via a link)"; fi
grep -q '^alias.trace: the output would overwrite the trace t.trace$' err || fail "convert: $(cat err)"
cmp -s t.trace keep.trace || fail "the trace changed"
[ -L alias.trace ] || fail "the link was replaced"
mkdir mind
printf 'R\001\000\000\000\000\000\001\000\000\000\000\000\000\000' >mind/0
cp mind/0 keep.0
if "$mt" import-mind mind mind/0 2>err; then fail "import-mind onto its own core file"; fi
grep -q '^mind/0: the output would overwrite a file of the trace mind$' err || fail "mind: $(cat err)"
cmp -s mind/0 keep.0 || fail "the MIND core file changed"
mkdir sw
ln -s ../s.json sw/summary.csv
if "$msw" s.json -o sw --summary 2>err; then fail "the sweep's summary onto its spec"; fi
grep -q 'sw/summary.csv: the output would overwrite the spec s.json$' err || fail "sweep: $(cat err)"

# stdout full: every tool says so and fails
for cmd in "$ms --help-config" "$ms --help" "$mt stat t.trace" "$mt stat t.trace --json" \
           "$mt cat t.trace" "$msw s.json --list" "$ms c.json --quiet"; do
  if $cmd >full 2>err; then fail "$cmd to a full device exited 0"; fi
  grep -q 'stdout: cannot write: No space left on device$' err || fail "$cmd: $(cat err)"
  [ "$(wc -l <err)" -eq 1 ] || fail "$cmd: more than one line: $(cat err)"
done
echo ok
