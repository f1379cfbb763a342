"""What the tracked client adds to a request over a real socket, side by side with the plain SDK.

The loopback fake API (tests/python/fake_openai) runs in its own process -- keep-alive,
TCP_NODELAY, brotli-compressed bodies as the real API sends when asked -- and this process
drives the real openai SDK: `openai.OpenAI(...)` and `quotaguard.openai_client(...)` with the
same arguments, in interleaved rounds (the order alternates) of N chat completions each.
Reported per request, median over the rounds: wall time, and this thread's CPU time (what
the tracking itself costs, whatever else the shared machine is doing); the overhead is the
median of the per-round differences, with its quartiles.

    PYTHONPATH=build/python .venv/bin/python bench/tracker/transport_overhead.py [--rounds 21] [--n 500]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def start_fake() -> tuple[subprocess.Popen, str]:
    p = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "python", "fake_openai")],
                         stdout=subprocess.PIPE, text=True)
    return p, p.stdout.readline().strip()


def run(client, n: int) -> tuple[float, float]:
    """(wall µs, thread CPU µs) per request over n chat completions."""
    messages = [{"role": "user", "content": "Describe the picture in one sentence."}]
    w0, c0 = time.perf_counter_ns(), time.thread_time_ns()
    for _ in range(n):
        client.chat.completions.create(model="gpt-4o", messages=messages)
    return (time.perf_counter_ns() - w0) / n / 1000, (time.thread_time_ns() - c0) / n / 1000


def quartiles(xs: list[float]) -> str:
    q = statistics.quantiles(xs, n=4)
    return f"{q[0]:.1f}..{q[2]:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--n", type=int, default=500, help="requests per client per round")
    ap.add_argument("--stack", choices=("httpx2", "httpx"), default="httpx2", help="the SDK's HTTP library")
    args = ap.parse_args()

    import openai

    import quotaguard

    fake, base_url = start_fake()
    try:
        quotaguard.configure()
        http = (lambda: {}) if args.stack == "httpx2" else (lambda: {"http_client": __import__("httpx").Client()})
        plain = openai.OpenAI(api_key="sk-bench", base_url=base_url, **http())
        tracked = quotaguard.openai_client(api_key="sk-bench", base_url=base_url, **http())
        run(plain, 200), run(tracked, 200)  # connections, imports, caches
        rows = {"plain": [], "tracked": []}
        for i in range(args.rounds):
            order = [("plain", plain), ("tracked", tracked)]
            for name, client in order if i % 2 == 0 else order[::-1]:
                rows[name].append(run(client, args.n))
        total = quotaguard.usage()["total"]
        assert total["requests"] == (200 + args.rounds * args.n) and total["estimated"] == 0
    finally:
        fake.terminate()
        fake.wait()

    def med(name, k):
        return statistics.median(r[k] for r in rows[name])

    print(f"openai {openai.__version__} over {args.stack}, fake API in another process (loopback, br), "
          f"{args.rounds} interleaved rounds of {args.n} chat completions per client")
    for k, what in ((0, "wall time"), (1, "client CPU")):
        diffs = [t[k] - p[k] for p, t in zip(rows["plain"], rows["tracked"])]
        print(f"  {what:10}: plain SDK {med('plain', k):7.1f} µs, tracked {med('tracked', k):7.1f} µs per request; "
              f"overhead {statistics.median(diffs):5.1f} µs (quartiles {quartiles(diffs)})")


if __name__ == "__main__":
    main()
