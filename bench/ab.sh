#!/usr/bin/env bash
# bench/ab.sh APP RUNS KILN... compares kiln binaries on cold builds of APP
# (a directory), alternating them run by run so that each sees the same
# machine and disk state: every run starts from an empty cache and no slug.
# Prints each binary's mean and its run times. WORK (default a temporary
# directory) is where the builds happen: put it on the filesystem to test.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 APP RUNS KILN..."; exit 2; }
app=$1 runs=$2
shift 2
W=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/kiln-ab-XXXXXX")}
mkdir -p "$W/app" "$W/grave"
GRAVE=$W/grave
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
tar -C "$app" --exclude=./node_modules --exclude=./.kiln -cf - . | tar -C "$W/app" -xf -
# The order turns every round (ABBA), so that each binary follows the
# other as often: a run pays for the files the run before it removed.
for i in $(seq "$runs"); do
  order=("$@")
  if ((i % 2 == 0)); then
    order=()
    for ((j = $#; j >= 1; j--)); do order+=("${!j}"); done
  fi
  for k in "${order[@]}"; do
    bury "$W/cache" "$W/slug"
    settle
    s=$(date +%s.%N)
    "$k" build --cache "$W/cache" --output "$W/slug" "$W/app" >/dev/null 2>&1 || echo "$k failed" >&2
    e=$(date +%s.%N)
    echo "$k $(python3 -c "print('%.2f' % ($e - $s))")"
  done
done | awk '{t[$1]=t[$1]" "$2; s[$1]+=$2; n[$1]++} END {for (k in t) printf "%s: mean %.2f s, runs%s\n", k, s[k]/n[k], t[k]}'
if [ -n "${WORK:-}" ]; then rm -rf "$W/grave"; else rm -rf "$W"; fi
