#!/usr/bin/env bash
# Does npm's cache earn its place in an archived CACHE_DIR? (issue 14.)
# The saved node_modules makes an unchanged lockfile's build warm; npm's
# cache only serves a build whose lockfile changed (npm ci then runs, and
# finds in npm's cache the packages the two lockfiles share). This measures,
# through bin/compile with a shared runtime store (so that Node.js is out of
# the picture), for the large app and one added dependency, medians of RUNS
# rounds, alternating:
#   - with npm's cache: the cache of a build of the old lockfile, archived
#     (tar + zstd) and unpacked, then a compile of the new lockfile;
#   - without it: the same cache without node/npm-cache;
# and the archive of each cache (what every build carries). Results are
# printed (and written to OUT, default bench/LOCKCHANGE.md).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
KILN=${KILN:-$ROOT/bin/kiln}
RUNS=${RUNS:-3}
OUT=${OUT:-$ROOT/bench/LOCKCHANGE.md}
APP_SRC=${APP_SRC:-$ROOT/bench/apps/large}
ADD=${ADD:-left-pad@1.3.0}

for tool in python3 tar zstd npm; do
  command -v "$tool" >/dev/null || { echo "bench/lockchange.sh needs $tool"; exit 1; }
done
[ -x "$KILN" ] || { echo "build kiln first: make build"; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/kiln-lockchange-XXXXXX")
trap 'rm -rf "$W"' EXIT
GRAVE=$W/grave
mkdir -p "$GRAVE" "$W/bp/bin" "$W/env"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
cp "$ROOT/bin/compile" "$ROOT/bin/_kiln.sh" "$W/bp/bin/" && cp "$KILN" "$W/bp/bin/kiln"
COMPILE=$W/bp/bin/compile
export KILN_RUNTIME_STORE=$W/store

# The old app, and the new one: the same with one more dependency.
copy "$APP_SRC" "$W/old"
copy "$APP_SRC" "$W/new"
(cd "$W/new" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund --loglevel=error "$ADD" >/dev/null)

echo "== cache of a build of the old lockfile"
copy "$W/old" "$W/app0"
mkdir -p "$W/cache"
"$COMPILE" "$W/app0" "$W/cache" "$W/env" >"$W/old.log" 2>&1 || { cat "$W/old.log"; exit 1; }
tar -C "$W/cache" -cf - . | zstd -q -T0 >"$W/with.tar.zst"
tar -C "$W/cache" --exclude=./node/npm-cache -cf - . | zstd -q -T0 >"$W/without.tar.zst"

n=0
variant() {
  local v=$1 cache=$W/cache-$1-$i
  n=$((n + 1))
  mkdir -p "$cache"
  copy "$W/new" "$W/app-$n"
  zstd -q -dc "$W/$v.tar.zst" | tar -C "$cache" -xf -
  settle
  timed "$W/$v.times" "$COMPILE $W/app-$n $cache $W/env >$W/$v-$i.log 2>&1"
  grep -q "Running npm ci" "$W/$v-$i.log" || echo "   $v, round $i: npm ci did not run"
  bury "$W/app-$n" "$cache"
}
for i in $(seq "$RUNS"); do
  echo "== round $i of $RUNS"
  if ((i % 2)); then variant with; variant without; else variant without; variant with; fi
done

mb() { python3 -c "import os,sys; print('%.1f' % (os.path.getsize(sys.argv[1]) / 1e6))" "$1"; }
{
  echo "# Does npm's cache earn its place in CACHE_DIR?"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`bench/lockchange.sh\`, kiln $("$KILN" version | cut -d' ' -f2), through \`bin/compile\` with a shared runtime store; machine: $(machine); medians of $RUNS rounds, alternating."
  echo "The app: $(basename "$APP_SRC"); its lockfile changed by \`npm install $ADD\`, so npm ci runs."
  echo
  echo "| cache carried | archive (tar + zstd) | compile of the changed lockfile |"
  echo "|---|---|---|"
  echo "| node_modules + npm's cache | $(mb "$W/with.tar.zst") MB | $(median_of "$W/with.times") s |"
  echo "| node_modules only | $(mb "$W/without.tar.zst") MB | $(median_of "$W/without.times") s |"
} | tee "$OUT"
