"""Child process of the history tests: makes calls, reports progress, then waits to be killed.

Modes: "exit" (n calls, then a normal exit), "hang" (n calls, then wait for SIGKILL), "stream"
(calls until killed, printing "<calls done> <time.monotonic_ns()>" after each)."""
import os
import sys
import time

import httpx

import quotaguard

db, base, n, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
if os.environ.get("QG_TEST_CLOCK_MS"):  # the parent's pinned instant (conftest.pinned_clock)
    quotaguard._core._set_clock_for_tests(int(os.environ["QG_TEST_CLOCK_MS"]))
quotaguard.configure(db=db, flush_interval_ms=int(os.environ.get("QG_TEST_FLUSH_MS", "100")))
with quotaguard.workspace("acme"), quotaguard.instrument_http_client(httpx.Client()) as c:
    done = 0
    while mode == "stream" or done < n:
        c.post(base + "/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": "SECRET-PROMPT"}]},
               headers={"authorization": "Bearer sk-SECRET-KEY"})
        done += 1
        if mode == "stream":
            print(done, time.monotonic_ns(), flush=True)
print("done", flush=True)
if mode == "hang":
    time.sleep(3600)  # killed with SIGKILL by the test
quotaguard.shutdown()
