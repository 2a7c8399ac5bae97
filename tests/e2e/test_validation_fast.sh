#!/bin/sh
# The fast subset of validation/run (unloaded fault vs formula, exact sg bytes, Little's law,
# determinism) passes; -o may name a directory that does not exist yet, and one that cannot be
# made is a one-line error with status 2. $1 = build dir, $2 = source dir.
set -eu
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
MINDSIM_BUILD="$build" "$src/validation/run" --fast -o "$work/new/REPORT.md"
grep -q '| pass |' "$work/new/REPORT.md"
if grep '| FAIL |' "$work/new/REPORT.md"; then exit 1; fi
: >"$work/file"
st=0
MINDSIM_BUILD="$build" "$src/validation/run" --fast -o "$work/file/REPORT.md" 2>"$work/err" || st=$?
[ $st -eq 2 ] || { echo "a report under a file: exit $st, want 2"; exit 1; }
grep -q "file: cannot create the report's directory" "$work/err" || { cat "$work/err"; exit 1; }
echo ok
