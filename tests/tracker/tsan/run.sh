#!/usr/bin/env bash
# Builds the tracker + its thread test with -fsanitize=thread in BUILD_DIR and runs
# 8 threads x 10^6 records; fails on any data race or inexact total.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../../../build-tsan-tracker}"
records="${2:-1000000}"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j2 --target qg_tracker_threads | { grep -vE '^\[[0-9]+/[0-9]+\]' || true; }
export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
# The run proves it can fail: a planted race must be reported with these options.
cmake --build "$build" -j2 --target qg_sanitizer_canary | { grep -vE '^\[[0-9]+/[0-9]+\]' || true; }
python3 "$here/../../sanitizers/expect_report.py" "ThreadSanitizer: data race" data-race -- "$build/qg_sanitizer_canary"
"$build/qg_tracker_threads" "$records"
if [ "${QG_TSAN_ALL:-0}" = 1 ]; then
  cmake --build "$build" -j2 --target qg_tracker_tests | { grep -vE '^\[[0-9]+/[0-9]+\]' || true; }
  "$build/qg_tracker_tests"
fi
