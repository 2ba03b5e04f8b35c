#!/usr/bin/env bash
# kiln's build benchmark (make bench). For the small Express sample and a
# large app with a 1,000+ package lockfile it measures, with hyperfine,
# medians of several runs:
#   - kiln cold build (empty cache: Node.js download included) and warm
#     rebuild (same app, same cache);
#   - the lower bound: the bare package-manager commands the build runs
#     (npm ci with a warm npm cache, the build script, npm prune) with
#     Node.js already installed;
#   - kiln plan (detect + plan, process start included);
# plus, from `kiln build --json`, kiln's own overhead (wall time minus the
# time of the programs it runs and of downloads), its peak memory, and the
# slug size against "Node.js distribution + node_modules copied whole".
# Results are printed and written to bench/RESULTS.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
KILN=${KILN:-$ROOT/bin/kiln}
RUNS=${RUNS:-5}
COLD_RUNS=${COLD_RUNS:-5}
OUT=${OUT:-$ROOT/bench/RESULTS.md}

for tool in hyperfine python3 curl; do
  command -v "$tool" >/dev/null || { echo "make bench needs $tool: apt-get install -y $tool"; exit 1; }
done
[ -x "$KILN" ] || { echo "build kiln first: make build"; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/kiln-bench-XXXXXX")
trap 'rm -rf "$W"' EXIT
GRAVE=$W/grave
mkdir -p "$GRAVE"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

median() { python3 -c 'import json,sys; print("%.2f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"; }
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {"d": d}))' "$1" "$2"; }

declare -A R
bench_app() {
  local name=$1 src=$2 d="$W/$1"
  mkdir -p "$d"
  copy "$src" "$d/app"
  # The runtime store (KILN_RUNTIME_STORE) of the app's own: a cold build
  # starts without one, as on a new machine; warm builds keep it.
  local build="env KILN_RUNTIME_STORE=$d/store $KILN build --cache $d/cache --output $d/slug $d/app"

  # A cold build for its report (download time, kiln's overhead), and the
  # Node.js the lower bound runs with.
  KILN_RUNTIME_STORE=$d/store $KILN build --json --cache "$d/cache" --output "$d/slug" "$d/app" 2>/dev/null >"$d/cold-build.json"
  cp -a "$d/slug/.scalingo/node" "$d/node"
  local nodebin="$d/node/bin"
  local bare
  bare=$(bare_cmd "$d/bare" "$nodebin" "$d/npmcache")
  # Warm the lower bound's npm cache.
  bury "$d/bare" && cp -a "$d/app" "$d/bare" && bash -c "$bare"

  # Cold builds and the lower bound alternate, run by run: on these disks
  # the cost of creating a file drifts over minutes (see the notes), and
  # measuring one after the other would compare different disk states. The
  # order turns every round (cold first, then the lower bound first: ABBA):
  # npm prune removes thousands of files, and the run right after a removal
  # pays for it on this disk, so each side follows the other as often.
  echo "== $name: cold build (empty cache) and bare npm ci + build + prune (lower bound), alternating"
  : >"$d/cold.times"; : >"$d/bare.times"
  cold_run() {
    # A first build: no cache and no earlier slug (whose removal kiln would
    # leave to a background process, competing with the next run).
    bury "$d/cache" "$d/slug" "$d/store"
    settle
    timed "$d/cold.times" "$build"
  }
  bare_run() {
    bury "$d/bare" && cp -a "$d/app" "$d/bare"
    settle
    timed "$d/bare.times" "$bare"
  }
  local i
  for i in $(seq "$COLD_RUNS"); do
    if ((i % 2)); then cold_run; bare_run; else bare_run; cold_run; fi
  done
  echo "   cold: $(tr '\n' ' ' <"$d/cold.times")"
  echo "   bare: $(tr '\n' ' ' <"$d/bare.times")"

  # The download term of the cold target, measured on its own: in a build
  # the Node.js download shares the network with the package prefetch. The
  # runtime archives the cold build fetched, all at once, 3 times.
  local urls
  urls=$(field "$d/cold-build.json" '" ".join(u for u in d["report"]["downloads"] if u.endswith((".tgz", ".tar.gz")))')
  echo "== $name: downloading $urls"
  : >"$d/dl.times"
  for _ in 1 2 3; do timed "$d/dl.times" "for u in $urls; do curl -fsS -o /dev/null \$u & done; wait"; done

  echo "== $name: warm rebuild"
  hyperfine --style basic --runs "$RUNS" --warmup 1 --prepare "bash -c '. $ROOT/bench/lib.sh; settle'" \
    --export-json "$d/warm.json" "$build >/dev/null 2>&1"
  # kiln's own overhead in a warm build: the median of 5 reports (one run
  # is as noisy as the build's disk).
  : >"$d/overhead.ms"
  for _ in 1 2 3 4 5; do
    settle
    KILN_RUNTIME_STORE=$d/store $KILN build --json --cache "$d/cache" --output "$d/slug" "$d/app" 2>/dev/null >"$d/build.json"
    field "$d/build.json" '"%.0f" % (d["overhead_ns"]/1e6)' >>"$d/overhead.ms"
  done

  echo "== $name: kiln plan"
  hyperfine --style basic --runs 20 --warmup 2 -N --export-json "$d/plan.json" "$KILN plan $d/app"

  # Naive slug: the whole Node.js distribution (as extracted into kiln's
  # runtime cache: the slug's .scalingo/node is slimmed) plus node_modules
  # as npm ci leaves it (devDependencies included).
  bury "$d/bare" && cp -a "$d/app" "$d/bare"
  (cd "$d/bare" && PATH="$nodebin:$PATH" npm ci --include=dev --cache "$d/npmcache" --loglevel=error >/dev/null)
  local naive_mods naive_node=0 dist
  naive_mods=$(du -sb "$d/bare/node_modules" | cut -f1)
  # (In the runtime store of the app's own; kiln before 5023c30 kept it in
  # the cache.)
  dist=$( (ls -d "$d"/store/node/node-*/ "$d"/cache/runtimes/node-*/ 2>/dev/null || true) | head -1)
  # The runtime cache keeps Node.js without its C headers (kiln serves them
  # to node-gyp from the archive): add them back from the stored archive,
  # the largest download, to count the whole distribution.
  rm -rf "$d/headers" && mkdir -p "$d/headers"
  tar -C "$d/headers" -xzf "$( (ls -S "$d"/store/downloads/* "$d"/cache/downloads/* 2>/dev/null || true) | head -1)" --wildcards '*/include/*'
  naive_node=$(( $(du -sb "$dist" | cut -f1) + $(du -sb "$d/headers" | cut -f1) ))
  R[$name.cold]=$(median_of "$d/cold.times")
  R[$name.warm]=$(median "$d/warm.json")
  R[$name.bare]=$(median_of "$d/bare.times")
  R[$name.plan]=$(python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$d/plan.json")
  R[$name.overhead]=$(python3 -c 'import statistics,sys; print("%.0f" % statistics.median(float(l) for l in open(sys.argv[1])))' "$d/overhead.ms")
  R[$name.coldoverhead]=$(field "$d/cold-build.json" '"%.0f" % (d["overhead_ns"]/1e6)')
  R[$name.fetch]=$(field "$d/cold-build.json" '"%.2f" % (d["report"]["fetch_time_ns"]/1e9)')
  R[$name.dl]=$(median_of "$d/dl.times")
  R[$name.rss]=$(field "$d/build.json" '"%.0f" % (d["peak_rss_bytes"]/1048576)')
  R[$name.slug]=$(field "$d/build.json" '"%.1f" % (d["slug_bytes"]/1048576)')
  R[$name.naive]=$(python3 -c "print('%.1f' % (($naive_mods + $naive_node)/1048576))")
  R[$name.hits]=$(field "$d/build.json" '",".join(d["report"]["cache_hits"]) or "none"')
}

bench_app small "$ROOT/examples/nodejs-express"
bench_app large "$ROOT/bench/apps/large"

ratio() { python3 -c "print('%.2f' % (($1)/($2)))"; }
# The hand-written notes below the table (from "## Notes" on) are kept.
notes="$(sed -n '/^## Notes/,$p' "$OUT" 2>/dev/null || true)"
{
  echo "# kiln build benchmark"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`make bench\` (bench/run.sh), kiln $($KILN version | cut -d' ' -f2)."
  echo "Machine: $(machine); Go $(go version 2>/dev/null | cut -d' ' -f3 || echo '?'); medians: $RUNS runs of the warm rebuild (hyperfine), $COLD_RUNS alternating runs of the cold build and of the lower bound."
  echo
  echo "| measure | small (Express sample) | large (1,087-package lockfile) |"
  echo "|---|---|---|"
  echo "| kiln cold build (empty cache, Node.js download included) | ${R[small.cold]} s | ${R[large.cold]} s |"
  echo "| kiln warm rebuild (same app, same cache) | ${R[small.warm]} s | ${R[large.warm]} s |"
  echo "| lower bound: bare npm ci (warm npm cache) + build + npm prune | ${R[small.bare]} s | ${R[large.bare]} s |"
  echo "| warm rebuild / lower bound (target ≤ 1.00) | $(ratio "${R[small.warm]}" "${R[small.bare]}") | $(ratio "${R[large.warm]}" "${R[large.bare]}") |"
  echo "| download of Node.js and npm on their own (curl, in parallel) | ${R[small.dl]} s | ${R[large.dl]} s |"
  echo "| time spent downloading Node.js and npm in the cold build | ${R[small.fetch]} s | ${R[large.fetch]} s |"
  echo "| cold build / (lower bound + download on its own) (target ≤ 1.15) | $(ratio "${R[small.cold]}" "${R[small.bare]} + ${R[small.dl]}") | $(ratio "${R[large.cold]}" "${R[large.bare]} + ${R[large.dl]}") |"
  echo "| kiln's own overhead in a warm build, median of 5 (target < 300 ms) | ${R[small.overhead]} ms | ${R[large.overhead]} ms |"
  echo "| kiln's own overhead in a cold build | ${R[small.coldoverhead]} ms | ${R[large.coldoverhead]} ms |"
  echo "| kiln plan (detect + plan, process start included) | ${R[small.plan]} ms | ${R[large.plan]} ms |"
  echo "| peak memory of the kiln process | ${R[small.rss]} MiB | ${R[large.rss]} MiB |"
  echo "| slug size | ${R[small.slug]} MiB | ${R[large.slug]} MiB |"
  echo "| Node.js distribution + node_modules copied whole | ${R[small.naive]} MiB | ${R[large.naive]} MiB |"
  echo "| slug saving (target ≥ 15%) | $(python3 -c "print('%.0f%%' % (100*(1-${R[small.slug]}/${R[small.naive]})))") | $(python3 -c "print('%.0f%%' % (100*(1-${R[large.slug]}/${R[large.naive]})))") |"
  echo "| cache hits reported by the warm build | ${R[small.hits]} | ${R[large.hits]} |"
  if [ -n "$notes" ]; then echo; echo "$notes"; fi
} | tee "$OUT"
