"""Child process of test_alerts: status flips raise an alert per call, each to a Python callback,
while the main thread starts and stops tracemalloc over and over (as memory tests do). A foreign
thread entering the interpreter there races tracemalloc.stop() on CPython 3.11 (gh-128679).
Prints how many alerts the callback got."""
import sys
import threading
import tracemalloc

import httpx

import quotaguard as qg

base, flips = sys.argv[1], int(sys.argv[2])
got = []
qg.configure(tick_ms=1)
qg.on_alert(got.append)
done = threading.Event()


def flip():
    with qg.instrument_http_client(httpx.Client()) as c:
        for i in range(flips):
            mode = "quota" if i % 2 == 0 else "ok"
            qg.reset()
            c.post(base + "/embeddings", json={"model": "text-embedding-3-small", "input": "x"},
                   headers={"x-fake-mode": mode})
    done.set()


threading.Thread(target=flip).start()
while not done.is_set():
    tracemalloc.start()
    [bytes(64) for _ in range(50)]
    tracemalloc.stop()
qg.shutdown()
print(len(got), qg.stats()["alerts_emitted"], flush=True)
