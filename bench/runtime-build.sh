#!/usr/bin/env bash
# Builds a PHP runtime repository from scratch with `kiln runtimes build --host`
# (PHP 8.2.32 with its bundled shared extensions, nginx 1.22.1, apcu, redis,
# imagick, mongodb) from the unmodified upstream archives in Debian bookworm's pool,
# with an empty build cache and ccache off, and prints how long it took:
# what a platform operator's first build costs on this machine.
#
#   bench/runtime-build.sh [OUT]     (default OUT: a temporary directory)
#
# Needs `make build runtime-deps`. The sources' SHA-256s are those of
# Debian's signed .dsc files (for PHP and nginx, kiln knows them too).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
pool=http://deb.debian.org/debian/pool/main
start=$(date +%s)
CCACHE_DISABLE=1 ./bin/kiln runtimes build --host --stack scalingo-26 --out "$out" --cache "$cache" \
  --php 8.2.32 --nginx 1.22.1 --ext apcu=5.1.22,redis=5.3.7,imagick=3.7.0,mongodb=1.15.0 \
  --source-url "php=$pool/p/php8.2/php8.2_{version}.orig.tar.xz" \
  --source-url "nginx=$pool/n/nginx/nginx_{version}.orig.tar.gz" \
  --source-url "apcu=$pool/p/php-apcu/php-apcu_5.1.22+4.0.11.orig.tar.xz" \
  --sha256 apcu=a39fc6df90d86f340891f67cc7b644f1a9a36a9dc0d276cfa4e82346589037e7 \
  --source-url "redis=$pool/p/php-redis/php-redis_5.3.7+4.3.0.orig.tar.xz" \
  --sha256 redis=28eb4194a703a83d15bf05711e6f8941e3f3acf1c8f59e819ca1a90fe35f41b9 \
  --source-url "imagick=$pool/p/php-imagick/php-imagick_3.7.0.orig.tar.gz" \
  --sha256 imagick=5a364354109029d224bcbb2e82e15b248be9b641227f45e63425c06531792d3e \
  --source-url "mongodb=$pool/p/php-mongodb/php-mongodb_1.15.0+1.11.1+1.9.2+1.7.5.orig.tar.xz" \
  --sha256 mongodb=4aeb125f89073148de51aba0a9032fcab4e4f42beb22353104d1791beb4b9067
end=$(date +%s)
echo "cold build: $((end - start)) s on $(nproc) cores; repository in $out"
du -sh "$out"/php "$out"/nginx
