#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The C++ sources follow .clang-format: any file that
# clang-format would change fails the suite, naming the file.
set -euo pipefail
cd "$DKIM_SRC"
command -v clang-format >/dev/null || { echo "FAIL: clang-format not installed (scripts/install-deps test)"; exit 1; }
mapfile -t files < <(git ls-files '*.cpp' '*.h' 2>/dev/null || find filter db tests -name '*.cpp' -o -name '*.h')
[ ${#files[@]} -gt 50 ] || { echo "FAIL: found only ${#files[@]} sources"; exit 1; }
bad=0
for f in "${files[@]}"; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "FAIL: $f is not clang-formatted (run: clang-format -i $f)"
    bad=$((bad + 1))
  fi
done
[ $bad -eq 0 ] || exit 1
echo "format: ${#files[@]} files clang-formatted"
