"""A worker process of the shared-state tests: the real openai SDK on a quotaguard client, as one
uvicorn worker of the assessed service would hold it, sending chat completions one after another.

    shared_worker.py CONFIG BASE_URL API_KEY N [GO_FILE]

N calls (N < 0: until killed); GO_FILE: wait until it exists, so that every worker starts at once.
The API key names the worker at the fake (its bill counts requests per key). QG_WORKSPACE sets
the workspace; QG_TEST_CLOCK_MS the parent's pinned clock; QG_TEST_DELAY_MS has the fake answer
each call that late (a paced worker). Each request carries the time it left
(x-sent-ns, CLOCK_MONOTONIC, which the fake's arrival times share). Prints a JSON line of counts after
every call ("ok": answered 2xx, "blocked": stopped by quotaguard before sending, "quota": a 429
from the API, "other") and exits 0."""
import json
import os
import sys
import time

import openai

import quotaguard

config, base_url, api_key, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
go = sys.argv[5] if len(sys.argv) > 5 else None
if os.environ.get("QG_TEST_CLOCK_MS"):
    quotaguard._core._set_clock_for_tests(int(os.environ["QG_TEST_CLOCK_MS"]))
quotaguard.configure(config)

delay_ms = os.environ.get("QG_TEST_DELAY_MS")


def stamp(request):  # when the request left, on the clock the fake stamps arrivals with
    request.headers["x-sent-ns"] = str(time.monotonic_ns())
    if delay_ms:
        request.headers["x-fake-delay-ms"] = delay_ms


client = quotaguard.openai_client(api_key=api_key, base_url=base_url, max_retries=0,
                                  http_client=openai.DefaultHttpxClient(event_hooks={"request": [stamp]}))
print(json.dumps({"ready": os.getpid()}), flush=True)
while go and not os.path.exists(go):
    time.sleep(0.002)

counts = {"ok": 0, "blocked": 0, "quota": 0, "other": 0}
with quotaguard.workspace(os.environ.get("QG_WORKSPACE", "default")):
    done = 0
    while n < 0 or done < n:
        done += 1
        try:
            client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
            counts["ok"] += 1
        except quotaguard.QuotaExhaustedError:
            counts["blocked"] += 1
        except openai.APIStatusError as e:
            if e.response.headers.get("x-quotaguard-blocked") == "1":
                counts["blocked"] += 1
            elif e.status_code == 429:
                counts["quota"] += 1
            else:
                counts["other"] += 1
        print(json.dumps(counts), flush=True)
quotaguard.shutdown()
