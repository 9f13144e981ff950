# weft: the two commands a newcomer needs are `make run` and `make test`.
#
#   make          build (gcc, optimised, into build/)
#   make run      build, then run the main job: weft serve, the demo web app on
#                 http://127.0.0.1:8080 (Ctrl+C stops it; `weft tour` runs the examples)
#   make test     the whole quality gate: gcc build + ctest, clang ASan+UBSan
#                 build + ctest, clang TSan build of the threaded tests, short
#                 fuzz runs (scripts/test.sh says what it runs)
#   make bench    benchmarks side by side with the peers (bench/README.md)
#   make install  library, headers, pkg-config file, CMake package config
#                 (PREFIX=/usr/local)
#   make fuzz     longer fuzz runs (FUZZ_SECONDS per target, default 300)
BUILD ?= build
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all build deps run test bench install fuzz clean

all: build

deps:
	@sh scripts/deps.sh build

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

run: build
	@$(BUILD)/tools/weft/weft serve $(ARGS)

test:
	@sh scripts/deps.sh test
	@sh scripts/test.sh

bench: build
	@sh scripts/deps.sh bench
	@sh bench/run.sh

install: build
	@cmake --install $(BUILD)

fuzz:
	@sh scripts/deps.sh test
	@sh scripts/fuzz.sh $${FUZZ_SECONDS:-300}

clean:
	rm -rf build build-*
