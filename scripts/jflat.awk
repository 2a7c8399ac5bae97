# Flatten mindsim's pretty-printed JSON (one key or value per line) into "path value"
# lines: runs.0.sges_per_request.max 3, runs.1.coherence.transitions.M_M.mean_us 5.1
function push(k) { stk[++d] = k; idx[d] = 0; arr[d] = 0 }
function path(k,   i, p) { p = ""; for (i = 2; i <= d; i++) p = p stk[i] "."; return p k }
{
  line = $0; sub(/^[ \t]+/, "", line); sub(/,$/, "", line)
  if (line == "") next
  if (match(line, /^"[^"]*": /)) {
    key = substr(line, 2, RLENGTH - 4); val = substr(line, RLENGTH + 1)
  } else if (arr[d]) { key = idx[d]++; val = line }
  else { key = ""; val = line }
  if (val == "{" || val == "[") { push(key); arr[d] = (val == "["); next }
  if (val == "}" || val == "]") { d--; next }
  if (val == "{}" || val == "[]") next
  gsub(/"/, "", val); print path(key), val
}
