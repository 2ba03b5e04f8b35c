# kiln — build, test, package.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
# KILN_RUNTIME_PUBLIC_KEY, when set, is embedded as the runtime repository's
# public key (docs/runtime-repository.md): builds use it when the variable
# is not set on the platform.
ifneq ($(strip $(KILN_RUNTIME_PUBLIC_KEY)),)
LDFLAGS  += -X 'main.runtimePublicKey=$(strip $(KILN_RUNTIME_PUBLIC_KEY))'
endif
DEB_PKGS := nginx php-fpm php-cli composer python3 make g++ gzip
DIST     := dist/kiln-buildpack-$(VERSION)-linux-amd64.tgz
# staticcheck, pinned, fetched from the Go module proxy by `go run`.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build test test-short fuzz fuzz-short lint deps bench-deps check-deps package demo bench bench-cycle clean runtimes runtime-deps

all: build

## build: compile bin/kiln (a static binary next to the classic bin/ scripts)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/kiln ./cmd/kiln

## test: every test, end-to-end builds included, under the race detector (needs the Debian packages of `make deps`, and a C compiler for -race)
test: check-deps build
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 80m ./...

## test-short: unit and golden tests only, no end-to-end builds
test-short:
	$(GO) test -short -count=1 ./...

## fuzz: run every fuzz target (func FuzzX in *_test.go) for FUZZTIME each (default 30s); a crash
## stops with the failing input written under the package's testdata/fuzz/: fix it and commit the input
FUZZTIME ?= 30s
# Minimizing a new input is bounded: a fuzz run that ends while minimizing a
# large one (a lockfile seed) fails with "context deadline exceeded".
FUZZMINIMIZE ?= 5s
FUZZFLAGS ?=
fuzz:
	@set -e; for file in $$(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do \
	  dir=$$(dirname $$file); \
	  for target in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$file); do \
	    echo "-----> $$dir $$target ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) $(FUZZFLAGS) ./$$dir; \
	  done; \
	done

## fuzz-short: every fuzz target for 3s (CI runs it after make test)
fuzz-short:
	$(MAKE) --no-print-directory fuzz FUZZTIME=3s FUZZMINIMIZE=50x

## lint: gofmt, go vet and staticcheck must be clean
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## deps: install the Debian packages the end-to-end tests use (root or sudo)
deps:
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(DEB_PKGS) >/dev/null; \
	command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
	$(GO) mod download

## bench-deps: install what the benchmarks need besides make deps (hyperfine, zstd, curl; root or sudo)
bench-deps:
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends hyperfine zstd curl python3 >/dev/null

check-deps:
	@missing=""; for c in nginx php composer python3 make cc npm gzip; do command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; done; \
	ls /usr/sbin/php-fpm* >/dev/null 2>&1 || missing="$$missing php-fpm"; \
	if [ -n "$$missing" ]; then echo "make test needs$$missing: run 'make deps' once (installs Debian packages: $(DEB_PKGS), and nodejs npm when npm is missing)"; exit 1; fi

## runtimes: compile a runtime repository into dist/runtimes/ on this machine (kiln runtimes build --host), e.g.
##   make runtimes STACK=scalingo-26 VERSIONS="--php 8.2.32 --nginx 1.22.1 --ext apcu=5.1.22,redis=5.3.7"
## (each source is checked against a SHA-256: kiln's own, or --sha256 NAME=HEX in VERSIONS)
STACK    ?= scalingo-26
VERSIONS ?= --php 8.2.32 --nginx 1.22.1
runtimes: build
	./bin/kiln runtimes build --host --stack $(STACK) --out dist/runtimes $(VERSIONS)

## runtime-deps: install the compilers and libraries kiln runtimes build --host needs (Debian/Ubuntu; root or sudo)
runtime-deps:
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$(grep -v '^#' runtimes/build/debian-packages.txt) >/dev/null

## package: dist/kiln-buildpack-<version>-linux-amd64.tgz (bin/ scripts + static kiln, no Go needed; KILN_RUNTIME_PUBLIC_KEY=… embeds the runtime repository's key)
package: build
	@mkdir -p dist
	tar -czf $(DIST) --owner=0 --group=0 bin/detect bin/compile bin/release bin/_kiln.sh bin/kiln
	@echo "$(DIST)"

## demo: build and run the Node.js sample under examples/ (Ctrl-C to stop)
demo: build
	./bin/kiln build examples/nodejs-express
	@echo "-----> Starting the web process: open http://localhost:$${PORT:-5000}/ (Ctrl-C stops it)"
	./bin/kiln run examples/nodejs-express/.kiln/slug

## bench: cold/warm build benchmark, then the platform cycle (see bench/README.md)
bench: build
	./bench/run.sh
	./bench/cycle.sh
	SHARED_STORE=1 OUT=bench/CYCLE-store.md ./bench/cycle.sh

## bench-cycle: the platform-cycle benchmark alone (cache archived and restored between builds)
bench-cycle: build
	./bench/cycle.sh
	SHARED_STORE=1 OUT=bench/CYCLE-store.md ./bench/cycle.sh

clean:
	rm -rf bin/kiln dist
