"""The peers side by side: plain openai (the floor), LiteLLM's cost tracking, OpenLLMetry's
OpenAI instrumentation and quotaguard, on the same loopback fake API (tests/python/
fake_openai.py) with the same requests, in one run.

Each peer runs in its own process (worker.py; instrumentations patch openai process-wide) and
the fake runs here, so no peer shares an interpreter with another or with the server. Timing
is interleaved: every round runs each peer's batch of chat completions in a new random order.
Overhead = a peer's median per-request time minus plain openai's, wall clock and process CPU
(the CPU figure includes a peer's background threads: span export, logging callbacks).

Then each peer makes one call of each case, and what it recorded is compared with what the
fake billed for the same call. Usage: run.py [--rounds R] [--n N] [--json FILE] (scripts/bench)."""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fake_openai import FakeOpenAI  # noqa: E402
from worker import Plain  # noqa: E402

PEERS = ["plain", "litellm", "openllmetry", "quotaguard"]
# case -> (what it is, the billed units it must record)
CASES = {
    "chat": ("chat completion", ("input", "output")),
    "stream_no_usage": ("stream without include_usage", ("input", "output")),
    "embeddings": ("embeddings", ("input",)),
    "images": ("image (dall-e-3)", ("images",)),
    "audio_in": ("audio in (whisper-1, 9 s)", ("audio_s",)),
    "audio_out": ("audio out (tts-1)", ("characters",)),
    "compressed": ("gzip-compressed response", ("input", "output")),
}


class Worker:
    def __init__(self, peer, base_url, compressed_url, env):
        self.peer = peer
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("worker.py")), peer, base_url,
                                      compressed_url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)

    def ask(self, **cmd):
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"peer {self.peer} died (exit {self.proc.wait()})")
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(30)


def bill_units(bill):
    return {"requests": bill.requests, "input": bill.input, "output": bill.output, "images": bill.images,
            "audio_s": bill.audio_ms / 1000, "characters": bill.characters}


def truth(fake, zfake, case):
    """What the API bills for the case: a plain openai call of it, the fake's bill delta. A stream
    without include_usage is billed like the same stream with it (the fake reports usage only
    when asked, but the API bills either way)."""
    f = zfake if case == "compressed" else fake
    before = bill_units(f.bill)
    Plain(fake.base_url, zfake.base_url).run(case, include_usage=True)
    after = bill_units(f.bill)
    return {k: after[k] - before[k] for k in after}


def verdict(reply, billed, units, estimate_ok=False):
    if "error" in reply:
        return "error: " + reply["error"]
    got = reply["recorded"]
    want = {u: billed[u] for u in units}
    have = {u: got[u] for u in units}
    if have == want:
        return "exact"
    fmt = lambda d: "/".join(f"{v:g}" for v in d.values())  # noqa: E731
    if any(have.values()):
        return f"{'estimate' if estimate_ok else 'wrong'}: {fmt(have)} (billed {fmt(want)})"
    if got["cost_usd"] or got["input"] or got["output"]:
        return f"no {'/'.join(units)}; cost ${got['cost_usd']:.6f}" if got["cost_usd"] else "no " + "/".join(units)
    return "missed" if got["requests"] else "missed (no record)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--n", type=int, default=50, help="requests per peer per round")
    ap.add_argument("--json")
    args = ap.parse_args()

    # The fake frames streams as the API does and sets TCP_NODELAY; one answers plain, one gzip.
    fake, zfake = FakeOpenAI().set(compression=None), FakeOpenAI().set(compression="gzip")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [os.environ.get("QG_PYTHONPATH"),
                                                                      os.environ.get("PYTHONPATH")])))
    workers = {p: Worker(p, fake.base_url, zfake.base_url, env) for p in PEERS}
    try:
        samples = {p: {"wall": [], "cpu": []} for p in PEERS}
        for w in workers.values():
            w.ask(op="time", n=max(5, args.n // 5))  # warm-up: imports, connections, caches
        order = list(PEERS)
        for _ in range(args.rounds):
            random.shuffle(order)
            for p in order:
                r = workers[p].ask(op="time", n=args.n)
                samples[p]["wall"] += r["wall"]
                samples[p]["cpu"] += r["cpu"]
        med = {p: {k: statistics.median(v) / 1000 for k, v in s.items()} for p, s in samples.items()}
        results = {"requests_per_peer": args.rounds * args.n, "median_us": med, "cases": {}}
        for case in CASES:
            billed = truth(fake, zfake, case)
            results["cases"][case] = {"billed": billed,
                                      **{p: workers[p].ask(op="case", name=case) for p in PEERS}}
    finally:
        for w in workers.values():
            w.close()
        fake.close()
        zfake.close()

    names = {"plain": "plain openai", "litellm": "LiteLLM", "openllmetry": "OpenLLMetry", "quotaguard": "quotaguard"}
    floor = med["plain"]
    lines = ["| | " + " | ".join(names[p] for p in PEERS) + " |", "|---" * (len(PEERS) + 1) + "|"]
    for k, label in (("wall", "overhead per request, wall (µs, median)"), ("cpu", "overhead per request, CPU (µs, median)")):
        cells = [f"floor: {floor[k]:.0f}" if p == "plain" else f"{med[p][k] - floor[k]:+.0f}" for p in PEERS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for case, (label, units) in CASES.items():
        c = results["cases"][case]
        cells = ["—" if p == "plain" else verdict(c[p], c["billed"], units, case == "stream_no_usage") for p in PEERS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    results["table"] = table
    print(f"{args.rounds} rounds x {args.n} chat completions per peer, interleaved; loopback fake API\n")
    print(table)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
