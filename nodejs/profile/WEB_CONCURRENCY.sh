# Written by kiln's Node.js buildpack: sets WEB_CONCURRENCY (the number of
# worker processes a clustered app should start) from the memory the
# container may use, unless the app sets it. Overridable: WEB_CONCURRENCY,
# WEB_MEMORY (MB per process, default 512), MEMORY_AVAILABLE (MB).

kiln_detect_memory() {
  # cgroup v2, then v1; "max" or an absurdly large value means no limit.
  for f in "${KILN_CGROUP_V2_MEMORY:-/sys/fs/cgroup/memory.max}" \
           "${KILN_CGROUP_V1_MEMORY:-/sys/fs/cgroup/memory/memory.limit_in_bytes}"; do
    [ -r "$f" ] || continue
    v=$(cat "$f" 2>/dev/null)
    case "$v" in
      ''|max|*[!0-9]*) continue ;;
    esac
    # 4611686018427387904 bytes (2^62) and more is how cgroup v1 says "unlimited".
    if [ "${#v}" -ge 19 ] || [ "$v" -ge 1099511627776 ]; then
      continue
    fi
    echo $((v / 1048576))
    return
  done
  echo 512
}

if [ -z "$WEB_CONCURRENCY" ]; then
  MEMORY_AVAILABLE="${MEMORY_AVAILABLE:-$(kiln_detect_memory)}"
  WEB_MEMORY="${WEB_MEMORY:-512}"
  if [ "$WEB_MEMORY" -gt 0 ] 2>/dev/null; then
    WEB_CONCURRENCY=$((MEMORY_AVAILABLE / WEB_MEMORY))
  else
    WEB_CONCURRENCY=1
  fi
  [ "$WEB_CONCURRENCY" -ge 1 ] || WEB_CONCURRENCY=1
  export MEMORY_AVAILABLE WEB_MEMORY WEB_CONCURRENCY
  export WEB_CONCURRENCY_SET_BY="kiln/nodejs"
  if [ "$LOG_CONCURRENCY" = "true" ]; then
    echo "Detected $MEMORY_AVAILABLE MB available memory, $WEB_MEMORY MB limit per process (WEB_MEMORY)"
    echo "Recommending WEB_CONCURRENCY=$WEB_CONCURRENCY"
  fi
fi
unset -f kiln_detect_memory
