"""Faults the tracker's process meets on its own (cross-process ones are with the shared state):
the calling application carries on, and the history loses nothing it can still write."""
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

import httpx

from test_alerts import flip_status
from webhook_receiver import Receiver
from test_history import _q

HERE = os.path.dirname(__file__)


def test_full_disk_loses_no_usage_once_room_returns(server, tmp_path):
    db, n = tmp_path / "h.db", 20
    p = subprocess.run([sys.executable, os.path.join(HERE, "full_disk_child.py"), str(db), server.base_url, str(n)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    word, size, full_size = p.stdout.split()
    assert word == "done" and size == full_size  # the disk was full: nothing reached the file meanwhile
    assert server.bill.requests == 2 * n  # every call went through while flushes failed
    # The minutes written once room returned hold every call, those made while the disk was full too.
    assert _q(db, "SELECT SUM(requests) FROM usage_minute WHERE workspace='acme'") == 2 * n
    assert _q(db, "SELECT SUM(input_tokens) FROM usage_minute") == server.bill.input
    # The ledger holds a row per call, those made while the disk was full too, and says none dropped.
    assert _q(db, "SELECT COUNT(*) FROM ledger") == 2 * n
    assert _q(db, "SELECT value FROM meta WHERE key='ledger_dropped'") == "0"
    assert int(_q(db, "SELECT value FROM meta WHERE key='flush_failures'")) > 0


def test_deleted_history_is_written_again_at_its_path(server, tmp_path):
    import quotaguard as qg

    db = tmp_path / "h.db"
    call = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    qg.configure(db=str(db), flush_interval_ms=50)
    try:
        with qg.workspace("acme"), qg.instrument_http_client(httpx.Client()) as c:
            for _ in range(3):
                c.post(server.base_url + "/chat/completions", json=call)
            qg.flush()
            for f in tmp_path.glob("h.db*"):  # a cleanup script, or log rotation
                f.unlink()
            for _ in range(4):
                c.post(server.base_url + "/chat/completions", json=call)
            qg.flush()
            assert db.exists()  # not written into the unlinked file, where nobody would read it
    finally:
        qg.shutdown()
    assert _q(db, "PRAGMA integrity_check") == "ok"
    assert _q(db, "SELECT COUNT(*) FROM ledger") == 4  # the calls made after the deletion
    # The minutes are cumulative deltas: the new file holds what was not yet flushed to the old one.
    assert _q(db, "SELECT SUM(requests) FROM usage_minute") == 4


def test_unwritable_history_is_refused_naming_the_file(tmp_path):
    db = tmp_path / "h.db"
    db.write_bytes(b"")
    db.chmod(0o444)
    # Root writes anything: the child runs without the capabilities that bypass file modes.
    drop = "-dac_override,-dac_read_search"
    code = ("import quotaguard\n"
            "try:\n"
            f"    quotaguard.configure(db={str(db)!r})\n"
            "except Exception as e:\n"
            "    print(type(e).__name__, e)\n")
    p = subprocess.run(["setpriv", "--bounding-set", drop, "--inh-caps", drop, sys.executable, "-c", code],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert str(db) in p.stdout and "readonly" in p.stdout.replace("read-only", "readonly"), p.stdout


def test_webhook_answering_500_loses_no_alert_silently(server, tmp_path):
    import quotaguard as qg

    hook, jsonl = Receiver(status=500), tmp_path / "alerts.jsonl"
    qg.configure(webhook=hook.url, alerts_jsonl=str(jsonl), alert_queue=4)
    try:
        flip_status(qg, server, 30)  # an alert per call, far more than the queues hold
        assert qg.usage()["total"]["requests"] == 30 == server.bill.requests
    finally:
        qg.shutdown()
        hook.close()
    s = qg.stats()
    alerts = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert len(alerts) >= 15 and len(hook.posts) >= 1  # the webhook was reached, and said 500
    # Every alert the JSONL sink got is, for the webhook, either failed or dropped, and counted.
    assert s["webhook_sent"] == 0
    assert s["webhook_failed"] + s["webhook_dropped"] == len(alerts)


def test_a_webhook_that_never_answers_holds_up_neither_calls_nor_shutdown(server):
    """A receiver that takes the POST and never answers (it would for minutes): calls go on, and
    shutdown gives up on it after the webhook timeout instead of waiting for an answer -- it
    returns while the POST is still unanswered, and the alert is counted as failed."""
    import quotaguard as qg

    never = threading.Event()
    hook = Receiver(hold=never)
    qg.configure(webhook=hook.url, webhook_timeout_ms=500)
    try:
        flip_status(qg, server, 1)
        assert hook.arrived.wait(30)
        flip_status(qg, server, 9)
        assert qg.usage()["total"]["requests"] == 10 == server.bill.requests
    finally:
        qg.shutdown()
        unanswered = hook.got == []
        never.set()
        hook.close()
    assert unanswered  # shutdown did not wait for the answer
    s = qg.stats()
    assert s["webhook_failed"] >= 1 and s["webhook_sent"] == 0
    assert s["webhook_failed"] + s["webhook_dropped"] == s["alerts_emitted"]


def test_kill_9_in_a_loop_leaves_a_consistent_usable_history(server, tmp_path):
    db, rng, acknowledged = tmp_path / "h.db", random.Random(19), 0
    child = [sys.executable, os.path.join(HERE, "calls_until_killed.py"), str(db), server.base_url]
    for _ in range(8):
        p = subprocess.Popen(child + ["0"], stdout=subprocess.PIPE, text=True)
        for _ in range(rng.randint(1, 30)):
            assert p.stdout.readline() == "call\n"
            acknowledged += 1
        time.sleep(rng.uniform(0, 0.05))  # anywhere in a flush interval, in a flush too
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        acknowledged += sum(1 for _ in p.stdout)
        p.stdout.close()
    # The history opens after every kill: a clean run adds all of its calls.
    before = _q(db, "SELECT COALESCE(SUM(requests), 0) FROM usage_minute") if db.exists() else 0
    p = subprocess.run(child + ["10"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert _q(db, "PRAGMA integrity_check") == "ok"
    total = _q(db, "SELECT SUM(requests) FROM usage_minute")
    assert total == before + 10
    # Each flush is one transaction: the minutes and the ledger (a row per call) never disagree,
    # and nothing is counted twice.
    assert _q(db, "SELECT COUNT(*) FROM ledger") == total
    assert total <= server.bill.requests and acknowledged + 10 <= server.bill.requests
    print(f"kill -9 x8: {acknowledged} calls acknowledged, {before} in the history")
    assert before > 0  # what the killed processes flushed stayed


def test_history_locked_by_another_process_loses_no_usage(server, tmp_path):
    import quotaguard as qg

    db = tmp_path / "h.db"
    call = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    qg.configure(db=str(db), flush_interval_ms=50)
    try:
        with qg.workspace("acme"), qg.instrument_http_client(httpx.Client()) as c:
            c.post(server.base_url + "/chat/completions", json=call)
            qg.flush()
            locker = subprocess.Popen([sys.executable, "-c", "import sqlite3, sys\n"
                                       f"c = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
                                       "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); sys.stdin.read()"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            assert locker.stdout.readline() == "locked\n"
            for _ in range(10):
                c.post(server.base_url + "/chat/completions", json=call)
            time.sleep(3)  # longer than the history's busy timeout (2 s): flushes fail meanwhile
            locker.stdin.close()
            assert locker.wait(timeout=30) == 0
    finally:
        qg.shutdown()  # its last flush writes what the locked ones could not
    assert server.bill.requests == 11
    assert _q(db, "SELECT SUM(requests) FROM usage_minute WHERE workspace='acme'") == 11


def test_a_history_busy_at_startup_is_waited_for(tmp_path):
    """Every worker of a service opens the history at once: one held past the flush's 2 s busy
    timeout (here by another process's exclusive transaction, 3 s) delays the start, never
    fails it (under ASan on a loaded machine a uvicorn worker did: "database is locked")."""
    import quotaguard as qg

    db = tmp_path / "h.db"
    # Another worker first, still creating the history (a new file: its first transaction).
    locker = subprocess.Popen([sys.executable, "-c", "import sqlite3, sys, time\n"
                               f"c = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
                               "c.execute('BEGIN EXCLUSIVE'); c.execute('CREATE TABLE first(x)')\n"
                               "print('locked', flush=True); time.sleep(3); c.execute('COMMIT')"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout.readline() == "locked\n"
        qg.configure(db=str(db))  # raised RuntimeError "database is locked" after 2 s
        assert qg.status() == "normal"
    finally:
        assert locker.wait(timeout=30) == 0
        qg.configure()


def test_stuck_alert_sink_overflows_the_queue_and_says_so(server):
    import quotaguard as qg

    release, got = threading.Event(), []

    def stuck_sink(alert):  # a sink that hangs until the traffic is over
        release.wait(60)
        got.append(alert)

    qg.configure(alert_queue=4, tick_ms=5)
    qg.on_alert(stuck_sink)
    try:
        flip_status(qg, server, 30)  # an alert per call, far more than the queue holds
        assert qg.usage()["total"]["requests"] == 30 == server.bill.requests
    finally:
        release.set()
        qg.shutdown()
        qg.remove_alert_callback(stuck_sink)
    s = qg.stats()
    assert s["alerts_dropped"] > 0  # the queue overflowed, and the count says by how much
    assert s["alerts_emitted"] == s["alerts_delivered"] + s["alerts_dropped"] == len(got) + s["alerts_dropped"]
