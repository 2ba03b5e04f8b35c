# shellcheck shell=bash
# Helpers shared by the bench scripts (sourced). GRAVE must be set to a
# directory on the filesystem of the builds; timed and the medians need
# python3.

# copy SRC DEST: the app without build products.
copy() { mkdir -p "$2" && tar -C "$1" --exclude=./node_modules --exclude=./.kiln --exclude=./dist -cf - . | tar -C "$2" -xf -; }

# timed FILE CMD runs CMD (output discarded) and appends its wall time in
# seconds to FILE.
timed() {
  local s e
  s=$(date +%s.%N)
  bash -c "$2" >/dev/null 2>&1 || { echo "failed: $2"; exit 1; }
  e=$(date +%s.%N)
  python3 -c "print('%.3f' % ($e - $s))" >>"$1"
}

# median_of FILE: the median of the numbers in FILE, one a line.
median_of() { python3 -c 'import statistics,sys; print("%.2f" % statistics.median(float(l) for l in open(sys.argv[1])))' "$1"; }

# bare_cmd DIR NODEBIN NPMCACHE prints the command of the lower bound: the
# bare package-manager work a build of the app copied in DIR runs (npm ci
# with the npm cache NPMCACHE, warm after a first run, the build script,
# npm prune), with the Node.js of NODEBIN already installed.
bare_cmd() {
  echo "cd $1 && PATH=$2:\$PATH npm ci --include=dev --cache $3 --no-audit --no-fund --loglevel=error >/dev/null && PATH=$2:\$PATH npm run build --if-present >/dev/null && PATH=$2:\$PATH NODE_ENV=production npm prune --omit=dev --cache $3 --loglevel=error >/dev/null"
}

# machine describes this machine in one line.
machine() {
  echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), Linux $(uname -r)"
}

# bury PATH... moves PATHs into $GRAVE instead of removing them; the
# caller removes $GRAVE when the measurements are over. On ext4 without a
# journal (the disk of the machine these numbers come from), the kernel's
# inode allocator skips, one by one, every inode freed in the last one to
# six minutes (recently_deleted() in fs/ext4/ialloc.c): removing a tree of
# 20,000 files right before a build makes each file the build creates
# cost up to 1 ms of CPU instead of 0.05 ms. Removing between runs would
# measure the previous run's cleanup instead of the build.
bury() {
  local x
  for x in "$@"; do
    if [ -e "$x" ]; then mv "$x" "$GRAVE/$(date +%s%N)-$RANDOM"; fi
  done
}

# settle waits (up to two minutes) for the removals kiln hands to detached
# processes (`kiln _discard`: a replaced slug, pruned devDependencies) to
# end, so that they do not run during the next measurement.
settle() {
  local _
  for _ in $(seq 600); do
    pgrep -f "kiln _discard" >/dev/null || return 0
    sleep 0.2
  done
}
