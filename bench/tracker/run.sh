#!/usr/bin/env bash
# Builds and runs the tracker benchmarks: Google Benchmark for the core, then the Python
# transport overhead. Usage: bench/tracker/run.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
cmake --build "$build" -j2 --target qg_tracker_bench quotaguard_python | { grep -vE '^\[[0-9]+/[0-9]+\]' || true; }
# A redis-server on a free loopback port for the fleet's row (BM_record_budgeted/2).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >/dev/null &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null; rm -f /dev/shm/quotaguard-qg-bench-*.state' EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
QG_BENCH_REDIS="redis://127.0.0.1:$port" "$build/bench/tracker/qg_tracker_bench" --benchmark_min_time=0.2
py="$root/.venv/bin/python"  # the real openai SDK (scripts/setup makes the venv)
[ -x "$py" ] || py=python3
PYTHONPATH="$build/python" "$py" "$root/bench/tracker/transport_overhead.py"
PYTHONPATH="$build/python" "$py" "$root/bench/tracker/cold_check.py"
