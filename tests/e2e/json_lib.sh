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
# consts FILE: the constants of the fault path as FILE's echo of its config gives them (not as
# a test remembers the defaults), as awk -v arguments: FH fault handler, IH invalidation
# handler, L link latency, P switch pipeline, dram (ns); B link bandwidth (bytes per ns);
# Q request, H header per packet, M system-call message (bytes); WR rdma.wr_ns;
# MMAP, MUNMAP, BRK, MPROTECT the control plane's time per call (ns).
consts() {
  jq -r '.config | "-v FH=\(.cpu_blades.fault_handler_ns) -v IH=\(.cpu_blades.inval_handler_ns)
    -v L=\(.network.link_latency_ns) -v P=\(.network.switch_latency_ns)
    -v dram=\(.memory_blades.dram_ns) -v B=\(.network.link_bandwidth_gbps / 8)
    -v Q=\(.rdma.request_bytes) -v H=\(.rdma.header_bytes) -v M=\(.ctrl_plane.msg_bytes)
    -v WR=\(.rdma.wr_ns) -v MMAP=\(.ctrl_plane.mmap_ns) -v MUNMAP=\(.ctrl_plane.munmap_ns)
    -v BRK=\(.ctrl_plane.brk_ns) -v MPROTECT=\(.ctrl_plane.mprotect_ns)"' "$1"
}
