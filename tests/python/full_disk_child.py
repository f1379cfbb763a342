"""Child process of test_faults: calls through the tracker while its history's disk is full, then
after room returns. "Full" is RLIMIT_FSIZE at one byte: every write that would grow a file comes
back short (SQLite's SQLITE_FULL), the way a full disk fails it, for this process only."""
import os
import resource
import signal
import sys
import time

import httpx

import quotaguard

db, base, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
quotaguard.configure(db=db, flush_interval_ms=50)


def history_bytes():
    return sum(os.path.getsize(f) for f in (db, db + "-wal") if os.path.exists(f))


def calls(c):
    for _ in range(n):
        c.post(base + "/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})


with quotaguard.workspace("acme"), quotaguard.instrument_http_client(httpx.Client()) as c:
    time.sleep(0.3)  # the history exists before the disk fills
    size = history_bytes()
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1, hard))
    calls(c)
    time.sleep(0.5)  # ten flush intervals, every one failing
    full_size = history_bytes()
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
    calls(c)
print("done", size, full_size, flush=True)
quotaguard.shutdown()
