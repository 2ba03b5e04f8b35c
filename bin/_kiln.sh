# Shared by bin/detect, bin/compile and bin/release: find the kiln binary next
# to these scripts, or build it from this checkout when Go is installed.
# shellcheck shell=bash

kiln_bin() {
  local here root bin
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  root=$(dirname "$here")
  bin="$here/kiln"
  if [ -x "$bin" ]; then
    echo "$bin"
    return 0
  fi
  if [ -f "$root/go.mod" ] && command -v go >/dev/null 2>&1; then
    if (cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$bin.tmp.$$" ./cmd/kiln) >&2; then
      mv -f "$bin.tmp.$$" "$bin"
      echo "$bin"
      return 0
    fi
    rm -f "$bin.tmp.$$"
    echo " !     Building kiln from $root failed (see the Go output above)." >&2
    return 1
  fi
  echo " !     No kiln binary next to $here, and no Go toolchain to build one." >&2
  echo " !     Use a packaged buildpack (make package → dist/kiln-buildpack-<version>-linux-amd64.tgz), or install Go 1.26." >&2
  return 1
}
