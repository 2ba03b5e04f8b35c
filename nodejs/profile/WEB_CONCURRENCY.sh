# Written by kiln's Node.js buildpack: sets WEB_CONCURRENCY (the number of
# worker processes a clustered app should start) from the memory the
# container may use, unless the app sets it. Overridable: WEB_CONCURRENCY,
# WEB_MEMORY (MB per process, default 512, or 2048 above 16 GB),
# MEMORY_AVAILABLE (MB; a detected limit counts as 126 GB at most). A result
# above 200 processes is not believed: 1, with a warning.

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
    v=$((v / 1048576))
    [ "$v" -le 129024 ] || v=129024
    echo "$v"
    return
  done
  echo 512
}

if [ -z "$WEB_CONCURRENCY" ]; then
  MEMORY_AVAILABLE="${MEMORY_AVAILABLE:-$(kiln_detect_memory)}"
  case "$MEMORY_AVAILABLE" in
    ''|*[!0-9]*) MEMORY_AVAILABLE=512 ;;
  esac
  if [ -z "$WEB_MEMORY" ]; then
    if [ "${#MEMORY_AVAILABLE}" -gt 9 ] || [ "$MEMORY_AVAILABLE" -gt 16384 ]; then
      WEB_MEMORY=2048
    else
      WEB_MEMORY=512
    fi
  fi
  if [ "${#MEMORY_AVAILABLE}" -gt 15 ]; then
    WEB_CONCURRENCY=201 # too many digits for the shell's arithmetic
  elif [ "$WEB_MEMORY" -gt 0 ] 2>/dev/null; then
    WEB_CONCURRENCY=$((MEMORY_AVAILABLE / WEB_MEMORY))
  else
    WEB_CONCURRENCY=1
  fi
  [ "$WEB_CONCURRENCY" -ge 1 ] || WEB_CONCURRENCY=1
  if [ "$WEB_CONCURRENCY" -gt 200 ]; then
    echo "kiln: MEMORY_AVAILABLE=$MEMORY_AVAILABLE MB and WEB_MEMORY=$WEB_MEMORY MB give more than 200 processes, which is not a sensible WEB_CONCURRENCY: using 1. Set WEB_CONCURRENCY, or correct MEMORY_AVAILABLE or WEB_MEMORY." >&2
    WEB_CONCURRENCY=1
  fi
  export MEMORY_AVAILABLE WEB_MEMORY WEB_CONCURRENCY
  export WEB_CONCURRENCY_SET_BY="kiln/nodejs"
  if [ "$LOG_CONCURRENCY" = "true" ]; then
    echo "Detected $MEMORY_AVAILABLE MB available memory, $WEB_MEMORY MB limit per process (WEB_MEMORY)"
    echo "Recommending WEB_CONCURRENCY=$WEB_CONCURRENCY"
  fi
fi
unset -f kiln_detect_memory
