#!/bin/sh
# run_golden.sh CASE_DIR BIN_DIR: run mindsim on config.json in CASE_DIR (from there, so the
# input paths in the results are the same wherever the checkout is) and compare the results
# JSON with CASE_DIR/expected.json, ignoring host measurements (keys starting with "wall_")
# and the git revision of the build ("revision").
# Set MS_UPDATE_GOLDEN=1 to rewrite expected.json instead.
case_dir=$1
bin_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=""
[ -f "$case_dir/args" ] && args=$(cat "$case_dir/args")
(cd "$case_dir" && "$bin_dir/mindsim" config.json $args --quiet -o "$work/out.json") ||
  { echo "mindsim failed"; exit 1; }
strip() { grep -v '"wall_\|^    "revision": ' "$1"; }
if [ "${MS_UPDATE_GOLDEN:-0}" = 1 ]; then
  cp "$work/out.json" "$case_dir/expected.json"; echo updated; exit 0
fi
strip "$work/out.json" >"$work/a"
strip "$case_dir/expected.json" >"$work/b"
if ! diff -u "$work/b" "$work/a"; then
  echo "results differ from $case_dir/expected.json"; exit 1
fi
echo ok
