"""What `check()` costs the calling thread as a request meets it: cold, right after a request of
the plain openai SDK over a real socket (whose ~3 ms of Python evict the last-level cache), and
again right after that (warm). docs/tracker.md, "Ninth pass".

    PYTHONPATH=build/python .venv/bin/python bench/tracker/cold_check.py [--n 1500] [--config F]

Each figure is the median of n, timed with time.thread_time_ns (a system call here: the timer's
own cost is printed first and included in both).
"""
from __future__ import annotations

import argparse
import statistics
import time

from transport_overhead import start_fake


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1500)
    ap.add_argument("--config", help="a quotaguard.toml (a budget, a history: the full check)")
    args = ap.parse_args()

    import openai

    import quotaguard
    from quotaguard import _core

    fake, base_url = start_fake()
    try:
        quotaguard.configure(args.config)
        plain = openai.OpenAI(api_key="sk-bench", base_url=base_url)
        messages = [{"role": "user", "content": "Describe the picture in one sentence."}]
        for _ in range(100):  # connections, imports, caches
            plain.chat.completions.create(model="gpt-4o", messages=messages)
        tt = time.thread_time_ns
        timer, cold, warm = [], [], []
        for _ in range(args.n):
            plain.chat.completions.create(model="gpt-4o", messages=messages)
            a = tt()
            b = tt()
            timer.append(b - a)
            a = tt()
            _core.check("default")
            b = tt()
            cold.append(b - a)
            a = tt()
            _core.check("default")
            b = tt()
            warm.append(b - a)
    finally:
        fake.terminate()
        fake.wait()
    q = statistics.quantiles(cold, n=4)
    print(f"check() on the calling thread, median of {args.n}; config: {args.config or 'none'}\n"
          f"  the timer alone, cold {statistics.median(timer) / 1e3:.2f} µs\n"
          f"  right after a request {statistics.median(cold) / 1e3:.2f} µs (quartiles {q[0] / 1e3:.2f}..{q[2] / 1e3:.2f})\n"
          f"  right after that      {statistics.median(warm) / 1e3:.2f} µs")


if __name__ == "__main__":
    main()
