#!/usr/bin/env bash
# Builds and runs the tracker benchmarks: Google Benchmark for the core, then the Python
# transport overhead. Usage: bench/tracker/run.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
cmake --build "$build" -j2 --target qg_tracker_bench quotaguard_python | { grep -vE '^\[[0-9]+/[0-9]+\]' || true; }
"$build/bench/tracker/qg_tracker_bench" --benchmark_min_time=0.2
py="$root/.venv/bin/python"  # the real openai SDK (scripts/setup makes the venv)
[ -x "$py" ] || py=python3
PYTHONPATH="$build/python" "$py" "$root/bench/tracker/transport_overhead.py"
