#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A short run of every libFuzzer target: builds them with
# clang (ASan + UBSan), replays the committed seed corpora and crash
# regressions, then fuzzes each target for a few seconds (FUZZ_SMOKE_SECONDS,
# default 3). The long run is `make fuzz`. The fuzz build does not depend on
# the product build type, so the release and ASan test runs share one
# ($FUZZ_BUILD, default build-fuzz/ in the source tree, as `make fuzz`).
set -euo pipefail
command -v clang++ >/dev/null || { echo "FAIL: clang++ is not installed (clang, libclang-rt-14-dev)"; exit 1; }
exec bash "$DKIM_SRC/tests/fuzz/run" --build "${FUZZ_BUILD:-$DKIM_SRC/build-fuzz}" --seconds "${FUZZ_SMOKE_SECONDS:-3}"
