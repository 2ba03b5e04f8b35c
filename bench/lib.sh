# Helpers shared by the bench scripts (sourced). GRAVE must be set to a
# directory on the filesystem of the builds.

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
