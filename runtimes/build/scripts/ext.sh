#!/bin/sh
# kiln runtimes build: a PECL extension, against a PHP that kiln built.
#
# Environment (set by kiln): KILN_SRC, the verified source archive (a PECL
# .tgz or an archive holding <ext>-<version>/); KILN_WORK, an empty work
# directory; KILN_EXT and KILN_VERSION; KILN_PHP_HOME, a writable copy of
# the PHP archive; KILN_PHP_PREFIX, the prefix PHP was built for;
# KILN_MODULE_DIR, where the built <ext>.so goes; KILN_JOBS. Arguments: the
# extension's configure flags.
set -eu
# phpize and php-config name the prefix PHP was built for; point them at the copy.
sed -i "s#$KILN_PHP_PREFIX#$KILN_PHP_HOME#g" "$KILN_PHP_HOME/bin/phpize" "$KILN_PHP_HOME/bin/php-config"
cd "$KILN_WORK"
tar -xf "$KILN_SRC"
cd "$KILN_EXT-$KILN_VERSION"
if command -v ccache >/dev/null 2>&1; then
	# ccache, when installed, makes a rebuild after a script change quick.
	CCACHE_BASEDIR="$KILN_WORK" CCACHE_NOHASHDIR=true
	export CCACHE_BASEDIR CCACHE_NOHASHDIR
	CC="ccache ${CC:-cc}"
	export CC
fi
"$KILN_PHP_HOME/bin/phpize"
./configure --with-php-config="$KILN_PHP_HOME/bin/php-config" "$@"
make -j"$KILN_JOBS"
mkdir -p "$KILN_MODULE_DIR"
cp "modules/$KILN_EXT.so" "$KILN_MODULE_DIR/"
