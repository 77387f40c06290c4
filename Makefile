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

# Every test of the Release build, then the DNS data-plane core (untrusted-input parsing)
# again under AddressSanitizer + UndefinedBehaviorSanitizer. `make test-asan` runs every
# unit test of the whole tree under the sanitizers (slower: it rebuilds everything).
test: build
	@ctest --preset release -j $(JOBS) --timeout 300
	@cmake --preset asan-core >/dev/null
	@cmake --build --preset asan-core -j $(JOBS)
	@ctest --preset asan-core -j $(JOBS) --timeout 300

test-unit: build
	@ctest --preset release -j $(JOBS) -L unit

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@ctest --preset asan -j $(JOBS)

# The libFuzzer target of the query path (clang), fed the committed seed corpus.
FUZZ_SECONDS ?= 60
fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz --target frontend_query_fuzz -j $(JOBS)
	@mkdir -p build-fuzz/corpus
	@build-fuzz/bin/frontend_query_fuzz -max_total_time=$(FUZZ_SECONDS) build-fuzz/corpus \
	  services/dns-frontend/query/testdata/fuzz_corpus

run: build
	@deploy/scripts/quickstart.sh

bench: build
	@deploy/scripts/install-deps.sh --bench
	@bench/run.sh

clean:
	rm -rf build build-debug build-asan build-fuzz
