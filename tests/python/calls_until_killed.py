"""Child process of test_faults: calls through the tracker (history flushed every 20 ms) and
prints "call" after each, until killed, or N calls then a clean exit."""
import sys

import httpx

import quotaguard

db, base, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
quotaguard.configure(db=db, flush_interval_ms=20)
with quotaguard.workspace("acme"), quotaguard.instrument_http_client(httpx.Client()) as c:
    made = 0
    while n == 0 or made < n:
        c.post(base + "/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
        made += 1
        print("call", flush=True)
quotaguard.shutdown()
