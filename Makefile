# The two commands a newcomer needs are `make run` and `make test` (see README.md).
SHELL := /bin/bash
JOBS ?= $(shell nproc)

.PHONY: all deps build test test-unit test-asan run bench fuzz clean

all: build

deps:
	@deploy/scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

test: build
	@ctest --preset release -j $(JOBS) --timeout 300

test-unit: build
	@ctest --preset release -j $(JOBS) -L unit

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@ctest --preset asan -j $(JOBS)

run: build
	@deploy/scripts/quickstart.sh

bench: build
	@deploy/scripts/install-deps.sh --bench
	@bench/run.sh

clean:
	rm -rf build build-debug build-asan build-fuzz
