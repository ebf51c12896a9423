# SPDX-License-Identifier: MIT
# The one-command front door. Everything real is in CMake and scripts/.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build test demo bench asan clean
all: build

build:
	scripts/install-deps build
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
	cmake --build build -j$(JOBS)

test:
	bash scripts/test

demo:
	bash scripts/demo

bench: build
	bash bench/run --build build

clean:
	rm -rf build build-asan
