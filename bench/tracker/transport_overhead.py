"""What the tracked client adds to a request over a real socket, side by side with the plain SDK.

The loopback fake API (tests/python/fake_openai) runs in its own process -- keep-alive,
TCP_NODELAY, brotli-compressed bodies as the real API sends when asked -- and this process
drives the real openai SDK: `openai.OpenAI(...)` and `quotaguard.openai_client(...)` with the
same arguments, in interleaved rounds (the order alternates) of N chat completions each.
Reported per request, median over the rounds: wall time, and this thread's CPU time (what
the tracking itself costs, whatever else the shared machine is doing); the overhead is the
median of the per-round differences, with its quartiles.

    PYTHONPATH=build/python .venv/bin/python bench/tracker/transport_overhead.py [--rounds 21] [--n 500]

``--pairs N --async`` times AsyncOpenAI clients the same way, each request awaited alone on one
event loop.

On a shared machine wall and CPU time drift with the neighbours' load. ``--callgrind`` counts
instead the instructions the calling thread executes per request (valgrind; the fake runs
natively), in alternating batches of N requests of each client inside one process (--rounds
batches each, e.g. ``--callgrind --rounds 6 --n 40``): free of start-up, imports and load.
"""
from __future__ import annotations

import argparse
import os
import re
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


def batches(n: int, rounds: int, stack: str) -> None:
    """Under callgrind (see `callgrind`): each client's batches of n requests, alternating, each
    run inside a ctypes callback -- the only calls through libffi here, so callgrind collects
    those batches alone (--toggle-collect) and dumps after each (--dump-after)."""
    import ctypes

    import openai

    import quotaguard

    fake, base_url = start_fake()
    try:
        quotaguard.configure()
        http = (lambda: {}) if stack == "httpx2" else (lambda: {"http_client": __import__("httpx").Client()})
        plain = openai.OpenAI(api_key="sk-bench", base_url=base_url, **http())
        tracked = quotaguard.openai_client(api_key="sk-bench", base_url=base_url, **http())
        run(plain, 50), run(tracked, 50)  # connections, imports, caches
        batch = {name: ctypes.CFUNCTYPE(None)(lambda c=client: (run(c, n), None)[1])
                 for name, client in (("plain", plain), ("tracked", tracked))}
        for i in range(rounds):
            for name in ("plain", "tracked") if i % 2 == 0 else ("tracked", "plain"):
                print(name, flush=True)
                batch[name]()
        assert quotaguard.usage()["total"]["requests"] == 50 + rounds * n
    finally:
        fake.terminate()
        fake.wait()


def callgrind(stack: str, n: int, rounds: int) -> None:
    """Instructions per request of each client on the calling thread (what a request waits
    for), counted by callgrind in batches of n requests inside one process: no start-up, no
    imports, no load of the shared machine. The tracker's own threads (ticker, flusher, alert
    dispatcher) run by the clock, not per request, and are left out."""
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        order = subprocess.run(
            ["valgrind", "--tool=callgrind", "--separate-threads=yes", "--toggle-collect=ffi_call",
             "--dump-after=ffi_call", f"--callgrind-out-file={out}/cg.out", sys.executable,
             os.path.abspath(__file__), "--batches", str(rounds), "--n", str(n), "--stack", stack],
            capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"}).stdout.split()
        per = {"plain": [], "tracked": []}
        for part, name in enumerate(order, start=1):
            text = open(os.path.join(out, f"cg.out.{part}-01")).read()
            per[name].append(int(re.search(r"^(?:summary|totals): (\d+)", text, re.M).group(1)) / n)
    plain, tracked = statistics.median(per["plain"]), statistics.median(per["tracked"])
    diffs = [t - p for p, t in zip(per["plain"], per["tracked"])]
    print(f"callgrind, openai over {stack}, calling thread, per request (median of {rounds} batches of {n} "
          f"requests per client):\n  plain SDK {plain / 1e3:8.1f} k instructions, tracked {tracked / 1e3:8.1f} k; "
          f"overhead {statistics.median(diffs) / 1e3:6.1f} k instructions ({100 * (tracked / plain - 1):.2f} %, "
          f"per-batch range {min(diffs) / 1e3:.1f}..{max(diffs) / 1e3:.1f} k)")


def paired(plain, tracked, pairs: int) -> tuple[list[float], list[float], dict]:
    """Per-request differences (tracked - plain), wall and thread CPU, one request of each client
    per pair in alternating order (ABBA): drift of the shared machine's load over seconds, which
    swamps a difference of rounds, cancels within a pair."""
    messages = [{"role": "user", "content": "Describe the picture in one sentence."}]
    pw, tw = time.perf_counter_ns, time.thread_time_ns
    dw, dc = [], []
    each = {"plain": ([], []), "tracked": ([], [])}  # (wall, CPU) µs of each request
    for i in range(pairs):
        cost = {}
        for name, client in ((("plain", plain), ("tracked", tracked)) if i % 2 == 0 else (("tracked", tracked), ("plain", plain))):
            w0, c0 = pw(), tw()
            client.chat.completions.create(model="gpt-4o", messages=messages)
            cost[name] = (pw() - w0, tw() - c0)
            each[name][0].append(cost[name][0] / 1000)
            each[name][1].append(cost[name][1] / 1000)
        dw.append((cost["tracked"][0] - cost["plain"][0]) / 1000)
        dc.append((cost["tracked"][1] - cost["plain"][1]) / 1000)
    return dw, dc, each


def paired_async(plain, tracked, pairs: int) -> tuple[list[float], list[float], dict]:
    """paired() with AsyncOpenAI clients: each request awaited alone on one event loop (the
    loop's thread does all the work, so its CPU time is what a request costs)."""
    import asyncio

    messages = [{"role": "user", "content": "Describe the picture in one sentence."}]
    pw, tw = time.perf_counter_ns, time.thread_time_ns
    dw, dc = [], []
    each = {"plain": ([], []), "tracked": ([], [])}

    async def go():
        for c in (plain, tracked):  # connections, imports, caches
            for _ in range(200):
                await c.chat.completions.create(model="gpt-4o", messages=messages)
        for i in range(pairs):
            cost = {}
            for name, client in ((("plain", plain), ("tracked", tracked)) if i % 2 == 0 else
                                 (("tracked", tracked), ("plain", plain))):
                w0, c0 = pw(), tw()
                await client.chat.completions.create(model="gpt-4o", messages=messages)
                cost[name] = (pw() - w0, tw() - c0)
                each[name][0].append(cost[name][0] / 1000)
                each[name][1].append(cost[name][1] / 1000)
            dw.append((cost["tracked"][0] - cost["plain"][0]) / 1000)
            dc.append((cost["tracked"][1] - cost["plain"][1]) / 1000)

    asyncio.run(go())
    return dw, dc, each


def tracker_threads_cpu_s() -> float:
    """CPU seconds used so far by this process's tracker threads (named qg-*: evaluation, flush,
    alerts): what the tracking costs the machine beyond the calling thread."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                if not f.read().startswith("qg-"):
                    continue
            with open(f"/proc/self/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def median_ci(xs: list[float]) -> tuple[float, float, float]:
    """The median and its distribution-free 95 % confidence interval (order statistics of the
    sign test, normal approximation: n is thousands)."""
    s = sorted(xs)
    n = len(s)
    k = max(0, int(n / 2 - 0.98 * n ** 0.5))
    return statistics.median(s), s[k], s[min(n - 1, n - 1 - k)]


def quartiles(xs: list[float]) -> str:
    q = statistics.quantiles(xs, n=4)
    return f"{q[0]:.1f}..{q[2]:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--n", type=int, default=500, help="requests per client per round")
    ap.add_argument("--stack", choices=("httpx2", "httpx"), default="httpx2", help="the SDK's HTTP library")
    ap.add_argument("--callgrind", action="store_true", help="count instructions instead of timing")
    ap.add_argument("--pairs", type=int, default=0,
                    help="time this many alternating pairs of single requests instead of rounds")
    ap.add_argument("--async", dest="use_async", action="store_true",
                    help="with --pairs: AsyncOpenAI clients on one event loop")
    ap.add_argument("--config", help="a quotaguard.toml for the tracked client (a history, so the host's shared "
                                     "state, or a fleet Redis): what the hot path then adds")
    ap.add_argument("--batches", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.batches:
        return batches(args.n, args.batches, args.stack)
    if args.callgrind:
        return callgrind(args.stack, args.n, args.rounds)

    import openai

    import quotaguard

    fake, base_url = start_fake()
    try:
        quotaguard.configure(args.config)
        http = (lambda: {}) if args.stack == "httpx2" else (lambda: {"http_client": __import__("httpx").Client()})
        if args.pairs and args.use_async:
            ahttp = (lambda: {}) if args.stack == "httpx2" else (lambda: {"http_client": __import__("httpx").AsyncClient()})
            plain = openai.AsyncOpenAI(api_key="sk-bench", base_url=base_url, **ahttp())
            tracked = quotaguard.async_openai_client(api_key="sk-bench", base_url=base_url, **ahttp())
        else:
            plain = openai.OpenAI(api_key="sk-bench", base_url=base_url, **http())
            tracked = quotaguard.openai_client(api_key="sk-bench", base_url=base_url, **http())
            run(plain, 200), run(tracked, 200)  # connections, imports, caches
        if args.pairs:
            threads0 = tracker_threads_cpu_s()
            *diffs, each = (paired_async if args.use_async else paired)(plain, tracked, args.pairs)
            threads_us = (tracker_threads_cpu_s() - threads0) * 1e6 / args.pairs
            assert quotaguard.usage()["total"]["requests"] == 200 + args.pairs
            print(f"openai {openai.__version__} over {args.stack}{' (AsyncOpenAI)' if args.use_async else ''}, "
                  f"fake API in another process (loopback, br), "
                  f"{args.pairs} alternating pairs of single chat completions; tracker config: {args.config or 'none'}")
            for k, (what, d) in enumerate(zip(("wall time", "client CPU"), diffs)):
                m, lo, hi = median_ci(d)
                print(f"  {what:10}: plain SDK {statistics.median(each['plain'][k]):7.1f} µs, "
                      f"tracked {statistics.median(each['tracked'][k]):7.1f} µs per request (medians)")
                print(f"  {what:10}: overhead per request, median of pair differences {m:6.1f} µs "
                      f"(95 % CI {lo:.1f}..{hi:.1f}; quartiles {quartiles(d)})")
            print(f"  tracker threads (qg-*): {threads_us:.1f} µs CPU per tracked request "
                  f"(whole run / {args.pairs}; clock-tick resolution {1e6 / os.sysconf('SC_CLK_TCK') / args.pairs:.1f} µs)")
            return
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
