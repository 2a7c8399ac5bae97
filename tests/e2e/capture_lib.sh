# Shared by the capture tests (sourced, not run: its name does not match test_*.sh). Needs
# $build; sets mt (mindtrace), st (mindsim-trace) and a work directory removed on exit, and
# defines fail, count and ordered.
mt="$build/traces/mindtrace/mindtrace"
st="$build/mindsim-trace"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mt" ] || fail "no $mt"
# count TRACE OP: records of OP, from mindsim-trace stat
count() { "$st" stat "$1" | sed -n "s/^records\.$2: //p"; }
# ordered FILE WHAT: the trace declares a cross-thread order and `stat` accepts it in file order
ordered() {
  "$st" stat "$1" >"$work/stat" 2>"$work/stat.err" || fail "$2: stat: $(cat "$work/stat.err")"
  grep -qx "ordered: yes" "$work/stat" || fail "$2: not ordered"
}
