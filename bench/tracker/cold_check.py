"""What `check()` and `record()` cost the calling thread as a request meets them: cold, right
after a request of the plain openai SDK over a real socket (whose ~3 ms of Python evict the
last-level cache), and again right after that (warm). record() is given the exchange that request
made (its own httpx header lists and bodies, as the transport hands them over). docs/tracker.md,
"Ninth pass" and after.

    PYTHONPATH=build/python .venv/bin/python bench/tracker/cold_check.py [--n 1500] [--config F]

Each figure is the median of n, timed with time.thread_time_ns (a system call here: the timer's
own cost is printed first and included in both).
"""
from __future__ import annotations

import argparse
import statistics
import time

from transport_overhead import start_fake


class Capture:
    """Wraps the plain client's transport: keeps the last exchange as the tracked transport hands
    it to record() (httpx's header lists, the request body, the decoded response body)."""

    def __init__(self, inner):
        self.inner, self.last = inner, None

    def handle_request(self, request):
        response = self.inner.handle_request(request)
        response.read()
        self.last = (request.method, request.url.raw_path, request.headers._list, request.content,
                     response.status_code, response.headers._list, response.content)
        return response

    def close(self):
        self.inner.close()


def timed(f, *args) -> int:
    tt = time.thread_time_ns
    a = tt()
    f(*args)
    return tt() - a


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
        capture = plain._client._transport = Capture(plain._client._transport)
        for _ in range(100):  # connections, imports, caches
            plain.chat.completions.create(model="gpt-4o", messages=messages)
        timer, cold, warm, rcold, rwarm = [], [], [], [], []
        t0 = time.perf_counter_ns()
        for i in range(args.n):
            plain.chat.completions.create(model="gpt-4o", messages=messages)
            method, path, req_headers, req_body, status, headers, body = capture.last
            if i % 2:  # check first, then record; the other way round every other request
                timer.append(timed(lambda: None))
                cold.append(timed(_core.check, "default"))
                warm.append(timed(_core.check, "default"))
                continue
            rec = (_core.record, "default", method, path, req_headers, req_body, status, headers, body, len(body),
                   True, t0, 1000, 0)
            rcold.append(timed(*rec))
            rwarm.append(timed(*rec))
        assert quotaguard.usage()["total"]["requests"] == 2 * len(rcold)
    finally:
        fake.terminate()
        fake.wait()
    print(f"on the calling thread, medians of {args.n // 2}; config: {args.config or 'none'}\n"
          f"  the timer alone, cold     {statistics.median(timer) / 1e3:6.2f} µs")
    for name, c, w in (("check()", cold, warm), ("record()", rcold, rwarm)):
        q = statistics.quantiles(c, n=4)
        print(f"  {name:8s} right after a request {statistics.median(c) / 1e3:6.2f} µs (quartiles "
              f"{q[0] / 1e3:.2f}..{q[2] / 1e3:.2f}); right after that {statistics.median(w) / 1e3:6.2f} µs")


if __name__ == "__main__":
    main()
