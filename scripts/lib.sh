# shellcheck shell=bash
# lib.sh: shared by the scripts (sourced, not run): where the tools are, and how figures are
# labelled and written. Needs bash.
#
# The scripts run from the source tree (scripts/ next to CMakeLists.txt; the tools in build/)
# or installed by `cmake --install` (PREFIX/share/mindsim/scripts; the tools in PREFIX/bin).

ms_scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ms_top=$(cd "$ms_scripts/.." && pwd)   # the source tree, or PREFIX/share/mindsim

# ms_find_tools [--setup]: set ms_bin, the directory holding mindsim and mindsim-sweep:
# MINDSIM_BUILD if set; PREFIX/bin when installed; else the source tree's build/ (after
# scripts/setup with --setup).
ms_find_tools() {
  if [[ -n ${MINDSIM_BUILD:-} ]]; then
    ms_bin=$(cd "$MINDSIM_BUILD" && pwd) || exit 2
  elif [[ ! -e $ms_top/CMakeLists.txt ]]; then
    ms_bin=$(cd "$ms_top/../../bin" && pwd) || exit 2
  else
    if [[ ${1:-} == --setup ]]; then "$ms_top/scripts/setup"; fi
    ms_bin=$ms_top/build
  fi
}

# ms_need WHO NAME...: exit 1, naming WHO, unless every tool NAME is in ms_bin.
ms_need() {
  local who=$1 t
  shift
  for t in "$@"; do
    if [[ ! -x $ms_bin/$t ]]; then
      echo "$who: $ms_bin/$t not found (build first: scripts/setup)" >&2
      exit 1
    fi
  done
}

# ---- figures ----

# fig_formats LIST WHO: check a comma-separated list of output formats (png, svg, pdf); sets
# the array fig_fmts. Exits 2 naming a bad one.
fig_formats() {
  local f
  IFS=, read -r -a fig_fmts <<<"$1"
  ((${#fig_fmts[@]})) || { echo "$2: --format: give png, svg or pdf" >&2; exit 2; }
  for f in "${fig_fmts[@]}"; do
    case "$f" in
      png|svg|pdf) ;;
      *) echo "$2: --format: unknown format '$f' (png, svg or pdf)" >&2; exit 2 ;;
    esac
  done
}

# fig_terminal FMT W H: the gnuplot terminal for a W x H figure (pixels of the PNG). The PDF
# is the same figure at 6.25 in across for W = 900 with its text 1.2 times larger relative to
# the figure, to stay readable when the figure is set at column width in a paper.
fig_terminal() {
  case "$1" in
    png) echo "pngcairo size $2,$3 font 'sans,10'" ;;
    svg) echo "svg size $2,$3 dynamic font 'sans,10'" ;;
    pdf) echo "pdfcairo size $(awk -v w="$2" -v h="$3" 'BEGIN { printf "%.3gin,%.3gin", w / 144, h / 144 }') font 'sans,10' fontscale 0.6" ;;
  esac
}

# fig_draw OUT WHO W H VARS GP...: draw OUT (its extension names the format) with gnuplot from
# the variables file VARS and the scripts GP..., through a temporary file renamed into place.
# On a gnuplot error: its messages, then one line naming WHO, exit 1.
fig_draw() {
  local out=$1 who=$2 w=$3 h=$4 vars=$5 tmp err
  shift 5
  tmp=$(mktemp "$out.tmp.XXXXXX")
  err=$(mktemp "${TMPDIR:-/tmp}/mindsim-gnuplot.XXXXXX")
  if ! { cat "$vars"; printf "set terminal %s\nset output '%s'\n" "$(fig_terminal "${out##*.}" "$w" "$h")" "${tmp//\'/\'\'}"; } |
      gnuplot - "$@" 2>"$err"; then
    cat "$err" >&2
    rm -f "$tmp" "$err"
    echo "$who: gnuplot failed on $out" >&2
    exit 1
  fi
  rm -f "$err"
  chmod "$(printf '%o' $((0666 & ~$(umask))))" "$tmp"
  mv -f "$tmp" "$out"
}

# gp_str TEXT: TEXT as a gnuplot single-quoted string.
gp_str() { local s=${1//\'/\'\'}; printf "'%s'" "$s"; }

# fig_schema FILE WHO: write mindsim's config schema (mindsim --help-config=json) to FILE, for
# fig_label. Needs ms_find_tools first.
fig_schema() {
  ms_need "$2" mindsim
  "$ms_bin/mindsim" --help-config=json >"$1" || { echo "$2: mindsim --help-config=json failed" >&2; exit 1; }
  fig_schema_file=$1
}

# fig_label NAME: an axis label with its unit for NAME, a config key or a column of a sweep's
# summary.csv or of mindsim's --csv.
#  - A config key: its help line from the schema (up to the first ';' or '(', and up to a
#    colon that ends a phrase of three words or more), then its unit: "link bandwidth per
#    direction (Gbit/s)".
#  - A result column: its meaning below; ratio_X: X's meaning, "sg ÷ 4k".
#  - Anything else: the name, underscores as spaces.
fig_label() {
  local name=$1
  if [[ -n ${fig_schema_file:-} ]] && jq -e --arg k "$name" 'any(.[]; .key == $k)' "$fig_schema_file" >/dev/null; then
    jq -r --arg k "$name" '.[] | select(.key == $k)
      | (.help | sub(" ?[(;].*"; "") | if test("^([^: ]+ ){2,}[^: ]+: ") then sub(": .*"; "") else . end)
        + (if .unit != "" then " (\(.unit))" else "" end)' "$fig_schema_file"
    return
  fi
  case "$name" in
    ratio_*) echo "$(fig_label "${name#ratio_}" | sed 's/ ([^()]*)$//'), sg ÷ 4k"; return ;;
  esac
  case "$name" in
    sim_time_s) echo "simulated time (s)" ;;
    faults) echo "faults" ;;
    hits) echo "hits" ;;
    records) echo "trace records" ;;
    accesses) echo "accesses" ;;
    bytes_fetched) echo "bytes fetched (bytes)" ;;
    live_bytes_fetched) echo "live bytes fetched (bytes)" ;;
    bytes_evicted) echo "bytes evicted (bytes)" ;;
    wire_bytes) echo "bytes on the wire (bytes)" ;;
    fault_latency_us_mean) echo "mean fault latency (µs)" ;;
    fault_latency_us_p50) echo "median fault latency (µs)" ;;
    fault_latency_us_p99) echo "99th-percentile fault latency (µs)" ;;
    fault_latency_us_max) echo "maximum fault latency (µs)" ;;
    sges_per_fetch_mean) echo "SGEs per fetch" ;;
    wrs_per_fetch_mean) echo "work requests per fetch" ;;
    amplification) echo "bytes fetched ÷ live bytes fetched" ;;
    violations) echo "lost-data violations" ;;
    evictions) echo "evictions" ;;
    writebacks) echo "write-backs" ;;
    bytes_fetched_per_fault) echo "payload fetched per fault (bytes)" ;;
    wire_bytes_per_fault) echo "fetch traffic on the wire per fault (bytes)" ;;
    control_plane_calls_mmap|control_plane_calls_munmap|control_plane_calls_brk|control_plane_calls_mprotect)
      echo "${name#control_plane_calls_} calls to the control plane" ;;
    control_plane_threads_blocked_s) echo "time threads were blocked in the control plane (s)" ;;
    program_memory_mmaps) echo "mmap records in the trace" ;;
    program_memory_munmaps) echo "munmap records in the trace" ;;
    program_memory_brks) echo "brk records in the trace" ;;
    *) echo "${name//_/ }" ;;
  esac
}
