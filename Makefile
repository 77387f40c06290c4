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

# The libFuzzer targets (clang), each run for FUZZ_SECONDS from its committed seed
# corpus (new inputs go to build-fuzz/corpus/<target>/; crashes to build-fuzz/).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := \
  frontend_query_fuzz:services/dns-frontend/query/testdata/fuzz_corpus \
  frontend_forward_fuzz:services/dns-frontend/forward/testdata/forward_fuzz_corpus \
  frontend_tcp_framing_fuzz:services/dns-frontend/server/testdata/tcp_framing_fuzz_corpus \
  frontend_zone_file_fuzz:common/zonefile/testdata/zone_file_fuzz_corpus \
  control_json_fuzz:services/control/rest/testdata/json_fuzz_corpus \
  zonefile_fuzz:common/zonefile/testdata/zone_file_fuzz_corpus \
  tsig_fuzz:common/tsig/testdata/tsig_fuzz_corpus

fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS) --target $(foreach t,$(FUZZ_TARGETS),$(firstword $(subst :, ,$(t))))
	@set -e; for t in $(FUZZ_TARGETS); do \
	  name=$${t%%:*}; seeds=$${t#*:}; \
	  mkdir -p build-fuzz/corpus/$$name; \
	  echo "== $$name ($(FUZZ_SECONDS) s)"; \
	  build-fuzz/bin/$$name -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build-fuzz/$$name- \
	    build-fuzz/corpus/$$name $$seeds; \
	done

run: build
	@deploy/scripts/quickstart.sh

bench: build
	@deploy/scripts/install-deps.sh --bench
	@bench/run.sh

clean:
	rm -rf build build-debug build-asan build-fuzz
