#!/usr/bin/env bash
# kiln's platform-cycle benchmark (make bench, make bench-cycle). Hosted
# platforms do not keep CACHE_DIR on the builder's disk: after each build
# they archive it (tar + gzip or zstd) and upload it; before the next build
# of the app, on whichever host gets it, they download it and unpack it
# into a new directory. For the Express sample and the large app this
# measures, through the classic API (bin/compile BUILD_DIR CACHE_DIR
# ENV_DIR), medians of RUNS rounds of:
#   - the cold cycle: empty cache -> compile -> archive CACHE_DIR;
#   - the warm cycle: unpack the cold cycle's archive into a new CACHE_DIR
#     -> compile a new copy of the app -> archive CACHE_DIR again;
#   - both with tar + gzip and tar + zstd (default levels, zstd -T0);
#   - the warm rebuild with the cache kept in place on the local disk (no
#     archive), as `make bench` measures it;
#   - the lower bound: bare npm ci (warm npm cache) + build + npm prune,
#     with Node.js already installed (the same command as run.sh's).
# It reports cache and archive sizes, the time to create and to unpack the
# archive, the compile time, the whole cycle and the cycle against the
# lower bound. Uploading and downloading the archive are not counted: its
# size says what they cost. Results are printed and written to
# bench/CYCLE.md (OUT=file.md writes elsewhere; KILN=path benchmarks
# another binary).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
KILN=${KILN:-$ROOT/bin/kiln}
RUNS=${RUNS:-3}
OUT=${OUT:-$ROOT/bench/CYCLE.md}

for tool in python3 tar gzip zstd; do
  command -v "$tool" >/dev/null || { echo "bench/cycle.sh needs $tool: apt-get install -y $tool"; exit 1; }
done
[ -x "$KILN" ] || { echo "build kiln first: make build"; exit 1; }
KILN=$(cd "$(dirname "$KILN")" && pwd)/$(basename "$KILN")

W=$(mktemp -d "${TMPDIR:-/tmp}/kiln-cycle-XXXXXX")
trap 'rm -rf "$W"' EXIT
GRAVE=$W/grave
mkdir -p "$GRAVE"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

# A buildpack of our own: bin/compile runs the kiln next to it (see
# bin/_kiln.sh), so the binary under test goes there, and the export file
# bin/compile writes stays out of the checkout.
mkdir -p "$W/bp/bin"
cp "$ROOT/bin/compile" "$ROOT/bin/_kiln.sh" "$W/bp/bin/"
cp "$KILN" "$W/bp/bin/kiln"
COMPILE=$W/bp/bin/compile

# SHARED_STORE=1 measures a builder host that keeps a shared runtime store
# (KILN_RUNTIME_STORE) from build to build, as the README advises
# platforms: the first compile fills it, and CACHE_DIR keeps no runtime.
# Without it, CACHE_DIR keeps each runtime as its verified archive.
MODE="without a shared runtime store: CACHE_DIR keeps each runtime as its verified archive, unpacked at each build"
if [ "${SHARED_STORE:-}" = 1 ]; then
  export KILN_RUNTIME_STORE=$W/store
  MODE="with a shared runtime store on the builder host (KILN_RUNTIME_STORE=DIR, filled by a first compile, kept from build to build): CACHE_DIR keeps no runtime, and the cold cycle downloads none"
fi

# How each compressor archives (reading a tar stream on stdin) and unpacks
# (writing one on stdout), at its default level.
COMPRESSORS=(gzip zstd)
declare -A PACK=([gzip]="gzip" [zstd]="zstd -q -T0")
declare -A UNPACK=([gzip]="gzip -dc" [zstd]="zstd -q -dc")

# A build is warm when it downloads no runtime and runs no npm ci; a log
# with one of these lines is reported.
NOT_WARM='Downloading and verifying|Running npm ci|No cache from an earlier build'

# cache_size DIR: its size and that of its top-level entries, in MB (du -sb
# in one call, so that hard links count once). The entries of a top-level
# directory are listed too when they have short names (node/deps,
# node/npm-cache...), not when they are content-addressed (downloads/).
cache_size() {
  python3 - "$1" <<'EOF'
import os, subprocess, sys
top = sys.argv[1]
def du(paths):
    out = subprocess.run(["du", "-sb", *paths], capture_output=True, text=True, check=True).stdout
    return {l.split("\t", 1)[1]: int(l.split("\t", 1)[0]) for l in out.splitlines()}
mb = lambda b: "%.1f" % (b / 1e6)
entries = sorted(os.path.join(top, e) for e in os.listdir(top))
sizes = du(entries)
parts = []
for e in sorted(entries, key=lambda e: -sizes.get(e, 0)):
    name = os.path.basename(e) + ("/" if os.path.isdir(e) else "")
    part = "%s %s" % (name, mb(sizes.get(e, 0)))
    kids = sorted(os.listdir(e)) if os.path.isdir(e) and not os.path.islink(e) else []
    if 2 <= len(kids) <= 8 and all(len(k) <= 16 for k in kids):
        ks = du([os.path.join(e, k) for k in kids])
        part += " (" + ", ".join("%s %s" % (k, mb(ks.get(os.path.join(e, k), 0))) for k in sorted(kids, key=lambda k: -ks.get(os.path.join(e, k), 0))) + ")"
    parts.append(part)
print("%s MB: %s" % (mb(sum(du([top]).values())), ", ".join(parts)))
EOF
}

# median_sum FILE...: the median, over the lines, of the sum of the
# numbers on the same line of each FILE (the parts of one cycle).
median_sum() { python3 -c 'import statistics,sys; print("%.2f" % statistics.median(sum(map(float, r)) for r in zip(*(open(f).read().split() for f in sys.argv[1:]))))' "$@"; }
mb_of() { python3 -c 'import statistics,sys; print("%.1f" % (statistics.median(float(l) for l in open(sys.argv[1])) / 1e6))' "$1"; }
ratio() { python3 -c "print('%.2f' % (($1)/($2)))"; }

declare -A R
bench_app() {
  local name=$1 src=$2 d="$W/$1" n=0 i c
  mkdir -p "$d/env"
  copy "$src" "$d/src"

  # fresh_app: APP becomes a new copy of the app, at a new path as on
  # another builder host.
  fresh_app() { n=$((n + 1)); APP=$d/app-$n; cp -a "$d/src" "$APP"; }
  # check_warm LOG: note a warm build that was not.
  check_warm() { if grep -Eq "$NOT_WARM" "$1"; then echo "$name, $(basename "$1" .log): $(grep -Em1 "$NOT_WARM" "$1" | sed 's/^ *//')" >>"$W/not-warm"; fi; }

  # A first compile, not measured: the Node.js the lower bound runs with,
  # then a first run of the lower bound to warm its npm cache.
  echo "== $name: first compile (Node.js for the lower bound)"
  fresh_app
  mkdir -p "$d/cache-0"
  "$COMPILE" "$APP" "$d/cache-0" "$d/env" >"$d/first.log" 2>&1 || { cat "$d/first.log"; exit 1; }
  cp -a "$APP/.scalingo/node" "$d/node"
  local bare
  bare=$(bare_cmd "$d/bare" "$d/node/bin" "$d/npmcache")
  cp -a "$d/src" "$d/bare" && { bash -c "$bare" >"$d/bare-first.log" 2>&1 || { cat "$d/bare-first.log"; exit 1; }; }
  bury "$APP" "$d/cache-0"

  cold_cycle() {
    fresh_app
    local cache=$d/cache-cold-$i
    mkdir -p "$cache"
    settle
    timed "$d/cold.compile" "$COMPILE $APP $cache $d/env >$d/cold-$i.log 2>&1"
    R[$name.coldcache]=$(cache_size "$cache")
    local order=("${COMPRESSORS[@]}")
    ((i % 2)) || order=("${order[1]}" "${order[0]}")
    for c in "${order[@]}"; do
      timed "$d/cold.$c.pack" "set -o pipefail; tar -C $cache -cf - . | ${PACK[$c]} >$d/cold.$c"
      stat -c %s "$d/cold.$c" >>"$d/cold.$c.bytes"
    done
    LOCAL_CACHE=$cache
    bury "$APP"
  }
  warm_cycle() {
    local c=$1 cache=$d/cache-$1-$i
    mkdir -p "$cache"
    settle
    timed "$d/warm.$c.unpack" "set -o pipefail; ${UNPACK[$c]} $d/cold.$c | tar -C $cache -xf -"
    fresh_app
    settle
    timed "$d/warm.$c.compile" "$COMPILE $APP $cache $d/env >$d/warm-$c-$i.log 2>&1"
    check_warm "$d/warm-$c-$i.log"
    timed "$d/warm.$c.pack" "set -o pipefail; tar -C $cache -cf - . | ${PACK[$c]} >$d/warm.$c"
    stat -c %s "$d/warm.$c" >>"$d/warm.$c.bytes"
    R[$name.warmcache]=$(cache_size "$cache")
    bury "$APP" "$cache"
  }
  local_warm() {
    fresh_app
    settle
    timed "$d/local.compile" "$COMPILE $APP $LOCAL_CACHE $d/env >$d/local-$i.log 2>&1"
    check_warm "$d/local-$i.log"
    bury "$APP" "$LOCAL_CACHE"
  }
  bare_run() {
    bury "$d/bare" && cp -a "$d/src" "$d/bare"
    settle
    timed "$d/bare.times" "$bare"
  }

  # Each round starts with the cold cycle (the warm cycles unpack its
  # archives); the rest alternate, round by round (ABBA): on this disk a
  # run pays for the files the run before it created or removed.
  local steps=(warm_cycle:gzip warm_cycle:zstd local_warm bare_run) s
  for i in $(seq "$RUNS"); do
    echo "== $name: round $i of $RUNS (load $(cut -d' ' -f1-3 /proc/loadavg))"
    cut -d' ' -f1 /proc/loadavg >>"$W/load"
    cold_cycle
    local order=("${steps[@]}")
    if ((i % 2 == 0)); then order=(); for ((s = ${#steps[@]} - 1; s >= 0; s--)); do order+=("${steps[s]}"); done; fi
    for s in "${order[@]}"; do
      if [[ $s == *:* ]]; then "${s%%:*}" "${s#*:}"; else "$s"; fi
    done
  done

  R[$name.bare]=$(median_of "$d/bare.times")
  # The yardstick of the archive size: npm's own cache for the app.
  R[$name.npmcache]=$(du -sb "$d/npmcache" | python3 -c 'import sys; print("%.1f" % (int(sys.stdin.read().split()[0]) / 1e6))')
  R[$name.coldcompile]=$(median_of "$d/cold.compile")
  R[$name.local]=$(median_of "$d/local.compile")
  for c in "${COMPRESSORS[@]}"; do
    R[$name.cold.$c.pack]=$(median_of "$d/cold.$c.pack")
    R[$name.cold.$c.mb]=$(mb_of "$d/cold.$c.bytes")
    R[$name.cold.$c.total]=$(median_sum "$d/cold.compile" "$d/cold.$c.pack")
    R[$name.warm.$c.unpack]=$(median_of "$d/warm.$c.unpack")
    R[$name.warm.$c.compile]=$(median_of "$d/warm.$c.compile")
    R[$name.warm.$c.pack]=$(median_of "$d/warm.$c.pack")
    R[$name.warm.$c.mb]=$(mb_of "$d/warm.$c.bytes")
    R[$name.warm.$c.total]=$(median_sum "$d/warm.$c.unpack" "$d/warm.$c.compile" "$d/warm.$c.pack")
  done
}

load_start=$(uptime | sed 's/.*load average: //')
bench_app small "$ROOT/examples/nodejs-express"
bench_app large "$ROOT/bench/apps/large"
load_end=$(uptime | sed 's/.*load average: //')

# table NAME TITLE prints the cycle table of one app.
table() {
  local n=$1 c b=${R[$1.bare]}
  echo "### $2"
  echo
  echo "Cache after the cold build: ${R[$n.coldcache]}."
  echo "Cache after a warm cycle: ${R[$n.warmcache]}."
  echo "npm's own cache for the app (the lower bound's \`--cache\`): ${R[$n.npmcache]} MB."
  echo
  echo "| cycle | unpack | compile | archive | create archive | cycle total | × bare |"
  echo "|---|---|---|---|---|---|---|"
  for c in "${COMPRESSORS[@]}"; do
    echo "| cold, tar + $c | — | ${R[$n.coldcompile]} s | ${R[$n.cold.$c.mb]} MB | ${R[$n.cold.$c.pack]} s | ${R[$n.cold.$c.total]} s | $(ratio "${R[$n.cold.$c.total]}" "$b") |"
  done
  for c in "${COMPRESSORS[@]}"; do
    echo "| warm, tar + $c | ${R[$n.warm.$c.unpack]} s | ${R[$n.warm.$c.compile]} s | ${R[$n.warm.$c.mb]} MB | ${R[$n.warm.$c.pack]} s | **${R[$n.warm.$c.total]} s** | **$(ratio "${R[$n.warm.$c.total]}" "$b")** |"
  done
  echo "| warm, cache kept on the local disk (no archive) | — | ${R[$n.local]} s | — | — | ${R[$n.local]} s | $(ratio "${R[$n.local]}" "$b") |"
  echo "| lower bound: bare npm ci (warm npm cache) + build + npm prune | — | — | — | — | $b s | 1.00 |"
  echo
}

# The hand-written notes below the tables (from "## Notes" on) are kept.
notes="$(sed -n '/^## Notes/,$p' "$OUT" 2>/dev/null || true)"
{
  echo "# kiln platform-cycle benchmark"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`bench/cycle.sh\`, kiln $("$KILN" version | cut -d' ' -f2), through \`bin/compile\`."
  echo "Machine: $(machine); medians of $RUNS rounds. Load average (1, 5, 15 min) at the start $load_start, at the end $load_end; 1-min load at the start of each round $(sort -n "$W/load" | sed -n '1p;$p' | paste -sd- -)."
  echo "Medians of few runs on a shared machine: read differences under 20% as noise."
  echo
  echo "Runtimes: $MODE."
  echo
  echo "Cycle: cold = compile with an empty cache + archive; warm = unpack the cold archive into a new CACHE_DIR + compile a new copy of the app + archive again. The cold compile is shared by the gzip and zstd rows. Archives: tar | gzip (level 6), tar | zstd -T0 (level 3); MB = 10^6 bytes; upload and download not counted."
  echo
  table small "small: Express sample (examples/nodejs-express)"
  table large "large: 1,087-package lockfile (bench/apps/large)"
  if [ -s "$W/not-warm" ]; then
    echo "Warm builds that were not warm:"
    echo
    sed 's/^/- /' "$W/not-warm"
  else
    echo "Every warm build (platform and local) downloaded no runtime and reused the cached node_modules."
  fi
  if [ -n "$notes" ]; then echo; echo "$notes"; fi
} | tee "$OUT"
