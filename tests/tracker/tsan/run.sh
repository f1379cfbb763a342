#!/usr/bin/env bash
# Builds the tracker, its thread test and its unit tests with -fsanitize=thread in BUILD_DIR,
# runs 8 threads x 10^6 records, then every unit test; fails on any data race or inexact total.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../../../build-tsan-tracker}"
records="${2:-1000000}"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j2 | { grep -vE '^\[[0-9]+/[0-9]+\]|^ninja: no work to do' || true; }
export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
"$build/qg_tracker_threads" "$records"
"$build/qg_tracker_tests"
