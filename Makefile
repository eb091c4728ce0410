# A thin wrapper: the real build is CMake (CMakeLists.txt); the scripts in
# scripts/ install packages, run the tests and serve the demo.
.PHONY: all build install deb run test fuzz coverage bench bench-http bench-db bench-cases bench-insurance bench-monitoring web clean deps

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@bash scripts/build.sh build

# make install [PREFIX=/usr/local] [DESTDIR=]: see scripts/install.sh
PREFIX ?= /usr/local
DESTDIR ?=
install: deps
	@PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" bash scripts/install.sh

# make deb: dist/egret_VERSION_ARCH.deb (scripts/build-deb.sh)
deb: deps
	@bash scripts/build-deb.sh

web: deps
	@bash scripts/build-web.sh

run: deps build web
	@bash scripts/run-demo.sh

test: deps
	@bash scripts/test.sh

fuzz: deps
	@bash scripts/fuzz.sh 300

coverage: deps
	@bash scripts/coverage.sh

bench: bench-http

bench-http: deps build
	@bash bench/http/run.sh

bench-db: deps build
	@bash bench/db/run.sh

bench-cases: deps build
	@bash bench/cases/run.sh

bench-insurance: deps build
	@bash bench/insurance/run.sh

bench-monitoring: deps build
	@bash bench/monitoring/run.sh

clean:
	rm -rf build build-asan build-fuzz build-tsan build-scan build-coverage tests/artifacts bench/out
