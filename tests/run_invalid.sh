#!/bin/sh
# run_invalid.sh CASE_DIR BIN_DIR: run the command in CASE_DIR/args (first word: mindsim or
# mindsim-trace, found in BIN_DIR) inside a scratch copy of CASE_DIR. Passes when it exits with
# status 2, prints exactly one line on stderr equal to CASE_DIR/expected_error, and leaves no
# new file behind (no results, no temporary).
case_dir=$1
bin_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$case_dir"/. "$work"/
cd "$work" || exit 1
before=$(find . | sort)
set -- $(cat args)
prog=$1
shift
"$bin_dir/$prog" "$@" >stdout.txt 2>stderr.txt
status=$?
rm -f stdout.txt
after=$(find . -name stderr.txt -prune -o -print | sort)
fail=0
if [ "$status" -ne 2 ]; then
  echo "exit status $status, expected 2"; fail=1
fi
lines=$(wc -l <stderr.txt)
if [ "$lines" -ne 1 ]; then
  echo "stderr has $lines lines, expected 1:"; cat stderr.txt; fail=1
fi
expected=$(cat expected_error)
actual=$(head -n 1 stderr.txt)
if [ "$actual" != "$expected" ]; then
  echo "stderr:   $actual"; echo "expected: $expected"; fail=1
fi
if [ "$before" != "$after" ]; then
  echo "files changed:"; echo "$before" >b.lst; echo "$after" >a.lst; diff b.lst a.lst; fail=1
fi
[ $fail -eq 0 ] && echo ok
exit $fail
