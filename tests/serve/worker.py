"""A worker process of the serve tests: chat completions through quotaguard.openai_client (the real
openai SDK) in one workspace; prints one JSON line with what it sent and what came back.

--calls N: N calls then a normal exit; --calls -1: until SIGTERM (one call every 20 ms)."""
import argparse
import json
import signal
import sys
import time

import openai

import quotaguard

ap = argparse.ArgumentParser()
ap.add_argument("--db", required=True)
ap.add_argument("--base-url", required=True)
ap.add_argument("--workspace", default="acme")
ap.add_argument("--model", default="gpt-4o")
ap.add_argument("--calls", type=int, default=5)
ap.add_argument("--flush-ms", type=int, default=50)
ap.add_argument("--config")
args = ap.parse_args()

stopping = False


def _stop(*_):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, _stop)
quotaguard.configure(args.config, db=args.db, flush_interval_ms=args.flush_ms, tick_ms=5)
client = quotaguard.openai_client(api_key="sk-serve-test-SECRET", base_url=args.base_url, max_retries=0)
sent = {"ok": 0, "input_tokens": 0, "output_tokens": 0, "quota_errors": 0, "blocked": 0, "other_errors": 0}
done = 0
with quotaguard.workspace(args.workspace):
    while not stopping and (args.calls < 0 or done < args.calls):
        done += 1
        try:
            r = client.chat.completions.create(model=args.model, messages=[{"role": "user", "content": "SECRET-PROMPT"}])
            sent["ok"] += 1
            sent["input_tokens"] += r.usage.prompt_tokens
            sent["output_tokens"] += r.usage.completion_tokens
        except quotaguard.QuotaExhaustedError:
            sent["blocked"] += 1
        except openai.RateLimitError:
            sent["quota_errors"] += 1
        except openai.APIError:
            sent["other_errors"] += 1
        if args.calls < 0:
            time.sleep(0.02)
quotaguard.flush()
quotaguard.shutdown()
print(json.dumps(sent), flush=True)
sys.exit(0)
