"""SQLite history: survives a restart, loses at most one flush interval on kill -9, and never
stores keys, prompts or completions."""
import os
import signal
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest

HERE = os.path.dirname(__file__)


def _child(db, server, n, mode, clock=None, flush_ms=100):
    env = dict(os.environ, QG_TEST_FLUSH_MS=str(flush_ms))
    if clock is not None:  # the pinned clock's current instant (conftest.pinned_clock)
        env["QG_TEST_CLOCK_MS"] = str(clock.now_ms())
    return subprocess.Popen([sys.executable, os.path.join(HERE, "child_calls.py"), str(db), server.base_url, str(n), mode],
                            stdout=subprocess.PIPE, text=True, env=env)


def _q(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_kill_9_mid_interval_loses_at_most_one_flush_interval(server, tmp_path):
    """A child calls without pause and is killed at a moment of its choosing by the test: every
    call it finished more than one flush interval (plus scheduling slack) before the kill is
    in the history, and nothing it did not make."""
    db, interval = tmp_path / "h.db", 0.2
    p = _child(db, server, 0, "stream", flush_ms=int(interval * 1000))
    done = []  # (calls done, monotonic ns)
    n, at = p.stdout.readline().split()  # (the child is up)
    done.append((int(n), int(at)))
    start = time.monotonic()
    while time.monotonic() - start < 1.5:  # several flushes, then a kill between two of them
        n, at = p.stdout.readline().split()
        done.append((int(n), int(at)))
    killed_ns = time.monotonic_ns()
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    assert p.returncode == -signal.SIGKILL
    stored = _q(db, "SELECT SUM(requests) FROM usage_minute") or 0
    must = sum(1 for _, at in done if at < killed_ns - (interval + 0.15) * 1e9)
    print(f"\nkill -9 after {len(done)} calls: {stored} in the history, {must} had to be, "
          f"{len(done) - stored} lost (the calls of the last interval)")
    assert must <= stored <= len(done) + 1  # (+1: a call between its answer and its progress line)
    assert must > 20  # the child did call, and flushes did run
    assert _q(db, "SELECT COUNT(*) FROM ledger") == stored


def test_history_never_holds_keys_or_prompts(server, tmp_path):
    db = tmp_path / "h.db"
    p = _child(db, server, 50, "hang")
    assert p.stdout.readline().strip() == "done"
    time.sleep(0.5)  # > 3 flush intervals of 100 ms after the last call: all written
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    assert p.returncode == -signal.SIGKILL
    assert _q(db, "SELECT SUM(requests) FROM usage_minute") == 50 == server.bill.requests
    assert _q(db, "SELECT COUNT(*) FROM ledger") == 50
    assert _q(db, "SELECT SUM(input_tokens) FROM usage_minute") == server.bill.input
    raw = b"".join(open(f, "rb").read() for f in [db, str(db) + "-wal"] if os.path.exists(f))
    assert b"SECRET" not in raw


def test_a_failed_flush_loses_nothing_and_is_counted(server, tmp_path):
    """Another connection holds the database longer than the busy timeout (2 s): the flushes
    in between fail, and the next one writes every row they had taken."""
    import quotaguard as qg

    db = tmp_path / "h.db"
    qg.configure(db=str(db), flush_interval_ms=100)
    try:
        with qg.instrument_http_client(httpx.Client()) as c:
            post = lambda: c.post(server.base_url + "/embeddings", json={"model": "text-embedding-3-small", "input": "x"})
            post()
            qg.flush()
            blocker = sqlite3.connect(db, isolation_level=None, timeout=0)
            blocker.execute("BEGIN EXCLUSIVE")
            for _ in range(30):
                post()
            time.sleep(2.6)  # at least one flush waits out its busy timeout and fails
            blocker.execute("COMMIT")
            blocker.close()
            for _ in range(5):
                post()
        qg.flush()
        s = qg.stats()
        assert s["flush_failures"] >= 1 and s["ledger_dropped"] == 0
        assert _q(db, "SELECT COUNT(*) FROM ledger") == 36 == server.bill.requests  # (30 were lost)
        assert _q(db, "SELECT SUM(requests) FROM usage_minute") == 36
        assert _q(db, "SELECT value FROM meta WHERE key='flush_failures'") != "0"
    finally:
        qg.shutdown()


def test_history_survives_a_restart(server, tmp_path, pinned_clock):
    db = tmp_path / "h.db"
    for n in (3, 4):
        p = _child(db, server, n, "exit", pinned_clock)
        assert p.stdout.readline().strip() == "done"
        assert p.wait(timeout=30) == 0
    assert _q(db, "SELECT SUM(requests) FROM usage_minute WHERE workspace='acme'") == 7
    import quotaguard as qg

    # Budgets count what earlier processes spent today: 7 of 8 requests/day is a warning.
    qg.configure(db=str(db), tick_ms=5, budgets={"workspace": {"requests_per_day": 8}})
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and qg.status("acme") == "normal":
            time.sleep(0.02)
        assert qg.status("acme") == "warning"
        # one more request: 8/8 -> exhausted, and the next is blocked
        with qg.workspace("acme"), qg.instrument_http_client(httpx.Client()) as c:
            c.post(server.base_url + "/embeddings", json={"model": "text-embedding-3-small", "input": "x"})
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and qg.status("acme") != "exhausted":
                time.sleep(0.02)
            assert qg.status("acme") == "exhausted"
            with pytest.raises(qg.QuotaExhaustedError):
                c.post(server.base_url + "/embeddings", json={"model": "text-embedding-3-small", "input": "x"})
    finally:
        qg.shutdown()


def test_cli_usage_and_status(server, tmp_path, pinned_clock, quotaguard_cli):
    import json

    db = tmp_path / "h.db"
    p = _child(db, server, 5, "exit", pinned_clock)
    assert p.stdout.readline().strip() == "done"
    assert p.wait(timeout=30) == 0
    cli = quotaguard_cli
    now = ["--now", str(pinned_clock.now_ms() // 1000)]  # the projection is for the pinned month
    out = subprocess.run([cli, "usage", "--db", str(db), "--by", "model", "--format", "json", *now],
                         capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    assert data["rows"][0]["model"] == "gpt-4o" and data["rows"][0]["requests"] == 5
    assert data["projection"]["month_to_date_usd"] > 0
    text = subprocess.run([cli, "usage", "--db", str(db), "--since", "24h", *now], capture_output=True, text=True,
                          check=True).stdout
    assert "acme" in text and "projected" in text
    st = subprocess.run([cli, "status", "--db", str(db)], capture_output=True, text=True)
    assert st.returncode == 0 and "acme" in st.stdout and "normal" in st.stdout
    bad = subprocess.run([cli, "usage", "--db", str(tmp_path / "missing.db")], capture_output=True, text=True)
    assert bad.returncode == 2
