# SPDX-License-Identifier: MIT
# The one-command front door. Everything real is in CMake and scripts/.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build test demo bench bench-mta install deb fuzz clean
all: build

build:
	scripts/install-deps build
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
	cmake --build build -j$(JOBS)

test:
	bash scripts/test

demo:
	bash scripts/demo

# bench/run is Python; the others are bash.
bench: build
	scripts/install-deps test
	bench/run --build build
	bench/db_scale --build build
	bench/callgrind --build build
	bench/body_hash --build build
	bench/many_headers --build build

# The whole Postfix mail path (private instances on loopback, CPU from
# cgroups): no signing, the pipe filter, the milter, OpenDKIM's milter.
bench-mta: build
	scripts/install-deps bench
	bench/mta --build build

PREFIX ?= /usr/local
install: build
	DESTDIR="$(DESTDIR)" cmake --install build --prefix "$(PREFIX)"

deb: build
	cd build && cpack -G DEB

FUZZ_SECONDS ?= 60
fuzz:
	bash tests/fuzz/run --build build-fuzz --seconds $(FUZZ_SECONDS)

clean:
	rm -rf build build-asan build-fuzz
