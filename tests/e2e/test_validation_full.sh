#!/bin/sh
# Every check of validation/run passes (label: long). $1 = build dir, $2 = source dir.
set -eu
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
MINDSIM_BUILD="$build" "$src/validation/run" -o "$work/REPORT.md"
if grep '| FAIL |' "$work/REPORT.md"; then exit 1; fi
echo ok
