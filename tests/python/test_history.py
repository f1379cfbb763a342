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


def _child(db, server, n, mode, clock=None):
    env = dict(os.environ)
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


def test_kill_9_loses_at_most_one_flush_interval(server, tmp_path):
    db = tmp_path / "h.db"
    p = _child(db, server, 50, "hang")
    assert p.stdout.readline().strip() == "done"
    time.sleep(0.5)  # > 3 flush intervals of 100 ms after the last call
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    assert p.returncode == -signal.SIGKILL
    assert _q(db, "SELECT SUM(requests) FROM usage_minute") == 50 == server.bill.requests
    assert _q(db, "SELECT COUNT(*) FROM ledger") == 50
    assert _q(db, "SELECT SUM(input_tokens) FROM usage_minute") == server.bill.input
    raw = b"".join(open(f, "rb").read() for f in [db, str(db) + "-wal"] if os.path.exists(f))
    assert b"SECRET" not in raw


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


@pytest.mark.skipif(not os.environ.get("QG_TRACKER_CLI"), reason="QG_TRACKER_CLI (the CLI test binary) not given")
def test_cli_usage_and_status(server, tmp_path, pinned_clock):
    import json

    db = tmp_path / "h.db"
    p = _child(db, server, 5, "exit", pinned_clock)
    assert p.stdout.readline().strip() == "done"
    assert p.wait(timeout=30) == 0
    cli = os.environ["QG_TRACKER_CLI"]
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
