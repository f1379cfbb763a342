"""Alerts leave through the dispatcher thread to a webhook (a loopback receiver), a JSONL file
and in-process callbacks; a dead webhook never blocks callers."""
import json
import threading
import time

import httpx
import pytest

import traffic
from webhook_receiver import Receiver


def _exhaust(qg, server):
    server.mode = "quota"
    with qg.instrument_http_client(httpx.Client()) as c:
        c.post(server.base_url + "/chat/completions", json={"model": "gpt-4o", "messages": []}, headers=traffic.HEADERS)


def flip_status(qg, server, n):
    """n calls, each flipping the status between exhausted and normal: an alert per flip."""
    with qg.instrument_http_client(httpx.Client()) as c:
        for i in range(n):
            server.mode = "quota" if i % 2 == 0 else "ok"
            qg.reset()
            c.post(server.base_url + "/embeddings", json={"model": "text-embedding-3-small", "input": "x"})


def test_webhook_and_jsonl_get_the_alert(server, tmp_path):
    import quotaguard as qg

    hook = Receiver()
    jsonl = tmp_path / "alerts.jsonl"
    qg.configure(webhook=hook.url, alerts_jsonl=str(jsonl))
    try:
        _exhaust(qg, server)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(b["status"] == "exhausted" for _, b in hook.got):
            hook.event.wait(0.05)
        ctype, body = next((c, b) for c, b in hook.got if b["status"] == "exhausted")
        assert ctype == "application/json"
        assert body["kind"] == "status" and body["code"] == "insufficient_quota"
        assert body["text"].startswith("[quotaguard] ")  # Slack-compatible
        lines = [json.loads(line) for line in jsonl.read_text().splitlines()]
        assert any(a["status"] == "exhausted" and a["workspace"] == "default" for a in lines)
        deadline = time.monotonic() + 5  # the receiver logs the body before it answers
        while time.monotonic() < deadline and qg.stats()["webhook_sent"] < 1:
            time.sleep(0.01)
        s = qg.stats()
        assert s["webhook_sent"] >= 1 and s["alerts_dropped"] == 0
    finally:
        qg.shutdown()
        hook.close()


def test_stats_count_what_the_sink_received(server, tmp_path):
    """stats() as numbers that can be wrong: every alert emitted reached the JSONL file (a line
    each), none was dropped, no webhook was tried, and the latency figures are those of real
    deliveries (above zero, the last no larger than the largest)."""
    import quotaguard as qg

    jsonl = tmp_path / "alerts.jsonl"
    qg.configure(alerts_jsonl=str(jsonl), alert_queue=64)
    try:
        flip_status(qg, server, 10)
    finally:
        qg.shutdown()  # delivers what is queued
    s = qg.stats()
    lines = jsonl.read_text().splitlines()
    assert s["alerts_emitted"] >= 10 and s["alerts_dropped"] == 0, s
    assert s["alerts_delivered"] == s["alerts_emitted"] == len(lines), s
    assert 0 < s["alert_last_latency_ms"] <= s["alert_max_latency_ms"], s
    assert s["webhook_sent"] == s["webhook_failed"] == s["webhook_dropped"] == 0, s
    json.loads(json.dumps(s))


def test_slow_or_dead_webhook_never_blocks_calls(server):
    import quotaguard as qg

    slow = Receiver(delay=1.0)
    qg.configure(webhook=slow.url, webhook_timeout_ms=300, alert_queue=16)
    try:
        flip_status(qg, server, 40)
        # All 40 requests were sent and counted although each webhook POST takes 1 s.
        assert qg.usage()["total"]["requests"] == 40 == server.bill.requests
    finally:
        qg.shutdown()
        slow.close()
    s = qg.stats()
    assert s["webhook_dropped"] + s["webhook_failed"] > 0  # reported, not hidden


def test_calls_complete_while_a_webhook_post_hangs_unanswered(server):
    """The promise as an ordering, not a time: with the first alert's POST held open by the
    receiver (and a webhook timeout far longer than the test), all 40 calls, each raising an
    alert of its own, complete before any POST is answered. The calls run on a thread of their
    own, so a tracker that made them wait on the webhook fails here (they are still running
    long after the POST arrived) instead of hanging the suite."""
    import quotaguard as qg

    release = threading.Event()
    hook = Receiver(hold=release)
    qg.configure(webhook=hook.url, webhook_timeout_ms=120_000, alert_queue=16)
    calls = threading.Thread(target=flip_status, args=(qg, server, 40), daemon=True)
    try:
        calls.start()
        assert hook.arrived.wait(30), "the first alert never reached the webhook"
        # A liveness bound, far above what 40 loopback calls take, far below the webhook timeout.
        calls.join(60)
        assert not calls.is_alive(), "the calls are waiting on the unanswered webhook POST"
        assert qg.usage()["total"]["requests"] == 40 == server.bill.requests
        assert hook.got == []  # nothing answered yet: no call waited for the webhook
    finally:
        release.set()
        calls.join(130)
        qg.shutdown()
        hook.close()
    assert hook.got and qg.stats()["alerts_emitted"] >= 40


def test_every_exhaustion_alert_names_the_api_error(server, tmp_path):
    """Who announces a status change is a race (the caller that met the 429, or the evaluation
    thread that saw the state first); the reason must not depend on who wins. Many flips, each
    status alert to exhausted names insufficient_quota (the evaluation thread's generic
    "evaluation" reached a webhook once in CI)."""
    import quotaguard as qg

    jsonl = tmp_path / "alerts.jsonl"
    qg.configure(alerts_jsonl=str(jsonl), alert_queue=4096)
    try:
        flip_status(qg, server, 400)
    finally:
        qg.shutdown()
    alerts = [json.loads(line) for line in jsonl.read_text().splitlines()]
    exhausted = [a for a in alerts if a["kind"] == "status" and a["status"] == "exhausted"]
    assert len(exhausted) >= 200 * 2 - 10, len(exhausted)  # the workspace and global, each flip
    wrong = [a for a in exhausted if a["code"] != "insufficient_quota"]
    assert not wrong, (len(wrong), [(a["workspace"], a["code"], a["message"]) for a in wrong[:3]])


@pytest.mark.clock_independent  # (a race of thread states; 50 s of each faked-clock pass)
def test_callbacks_run_on_a_python_thread_safe_under_tracemalloc(server):
    """Alerts reach Python callbacks on the quotaguard-alerts thread while another thread starts
    and stops tracemalloc: the dispatcher used to enter the interpreter itself, and creating its
    thread state raced tracemalloc.stop() (CPython gh-128679; a segfault in CI)."""
    import os
    import subprocess
    import sys

    # The old dispatcher crashed in each of 5 runs of 100 flips (SIGSEGV, 4 of 5 with 50).
    child = [sys.executable, os.path.join(os.path.dirname(__file__), "alerts_under_tracemalloc.py"),
             server.base_url, "120"]
    for _ in range(2):
        p = subprocess.run(child, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr[-3000:]
        got, emitted = map(int, p.stdout.split())
        assert got == emitted >= 120  # every flip, each delivered to the callback


def test_a_callback_runs_on_the_alerts_thread(server):
    import quotaguard as qg

    threads = []

    def note_thread(alert):
        threads.append(threading.current_thread().name)

    qg.configure()
    qg.reset()  # a normal status to leave
    qg.on_alert(note_thread)
    try:
        _exhaust(qg, server)
        deadline = time.monotonic() + 10
        while not threads and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        qg.remove_alert_callback(note_thread)
        qg.shutdown()
    assert threads and set(threads) == {"quotaguard-alerts"}
