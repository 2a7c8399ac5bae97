# Checks on results JSON with jq, shared by the e2e tests (sourced, not run: its name does not
# match test_*.sh).
command -v jq >/dev/null || { echo "FAIL: jq is not installed (scripts/setup installs it)"; exit 1; }
# jcheck FILE FILTER [SHOW]: the jq FILTER must give true on FILE; otherwise print the filter
# and the value of the jq filter SHOW (if given), and exit 1.
jcheck() {
  jq -e "$2" "$1" >/dev/null && return 0
  echo "FAIL: $1: $2"
  [ -z "${3:-}" ] || jq -c "$3" "$1"
  exit 1
}
