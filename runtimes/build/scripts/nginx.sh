#!/bin/sh
# kiln runtimes build: nginx from its upstream source archive.
#
# Environment (set by kiln): KILN_SRC, the verified source archive;
# KILN_WORK, an empty work directory; KILN_INSTALL_ROOT, where `make install`
# stages the files (they land in $KILN_INSTALL_ROOT$prefix); KILN_JOBS, the
# parallel jobs. Arguments: nginx's configure flags.
set -eu
cd "$KILN_WORK"
tar -xf "$KILN_SRC"
cd nginx-*/
if command -v ccache >/dev/null 2>&1; then
	# ccache, when installed, makes a rebuild after a script change quick.
	CCACHE_BASEDIR="$KILN_WORK" CCACHE_NOHASHDIR=true
	export CCACHE_BASEDIR CCACHE_NOHASHDIR
	set -- --with-cc="ccache ${CC:-cc}" "$@"
fi
./configure "$@"
make -j"$KILN_JOBS"
make install DESTDIR="$KILN_INSTALL_ROOT"
