#!/bin/sh
# The fast subset of validation/run (unloaded fault vs formula, exact sg bytes, Little's law,
# determinism) passes. $1 = build dir, $2 = source dir.
set -eu
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
MINDSIM_BUILD="$build" "$src/validation/run" --fast -o "$work/REPORT.md"
grep -q '| pass |' "$work/REPORT.md"
if grep '| FAIL |' "$work/REPORT.md"; then exit 1; fi
echo ok
