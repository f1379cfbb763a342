"""`quotaguard usage` and `quotaguard status` through the main binary, on histories the tracker
wrote: the --since forms a person types, the status table, and status's exit code per state."""
import json
import subprocess
import time

import httpx
import pytest


def _run(cli, *args):
    return subprocess.run([cli, *args], capture_output=True, text=True, timeout=60)


def _history(qg, server, db, *, budget=None, calls=(), ws="acme", **configure):
    """A history: the given calls (fake_openai modes) from one workspace, flushed."""
    qg.configure(db=str(db), tick_ms=5, budgets={"workspaces": {ws: budget}} if budget else {}, **configure)
    with qg.workspace(ws), qg.instrument_http_client(httpx.Client()) as c:
        for mode in calls:
            try:
                c.post(server.base_url + "/chat/completions", json={"model": "gpt-4o", "messages": []},
                       headers={"x-fake-mode": mode, "x-fake-retry-after-ms": "600000"})
            except qg.QuotaExhaustedError:
                pass
    time.sleep(0.1)  # an evaluation after the last call (budget states)
    qg.flush()
    qg.shutdown()


@pytest.mark.parametrize("calls,budget,status,code", [
    (["ok"], None, "normal", 0),
    (["ok"] * 8, {"requests_per_day": 10}, "warning", 0),
    (["ok"] * 19, {"requests_per_day": 20}, "critical", 1),
    (["rate_limit"], None, "rate_limited", 1),
    (["quota"], None, "exhausted", 1),
    (["server_error"] * 6, None, "degraded", 1),
])
def test_status_exit_code_per_state(server, tmp_path, pinned_clock, quotaguard_cli, calls, budget, status, code):
    import quotaguard as qg

    db = tmp_path / "h.db"
    _history(qg, server, db, calls=calls, budget=budget)
    now = ["--now", str(pinned_clock.now_ms() // 1000)]
    out = _run(quotaguard_cli, "status", "--db", str(db), *now)
    assert out.returncode == code, out.stdout + out.stderr
    rows = {line.split()[0]: line.split()[1] for line in out.stdout.splitlines() if line and not line.startswith(("alert", "month"))}
    assert rows["acme"] == status
    assert "default" not in rows  # a workspace that never made a call is not listed (was: "exhausted since 0 s ago")
    data = json.loads(_run(quotaguard_cli, "status", "--db", str(db), "--format", "json", *now).stdout)
    assert {w["workspace"]: w["status"] for w in data["workspaces"]}["acme"] == status


def test_usage_since_what_a_person_types(server, tmp_path, pinned_clock, quotaguard_cli):
    import quotaguard as qg

    db = tmp_path / "h.db"
    _history(qg, server, db, calls=["ok"] * 3)
    now = ["--now", str(pinned_clock.now_ms() // 1000)]
    for since in ("today", "yesterday", "24h", "7d", "30m", "2w", "2024-02-29", "2024-02-29T00:00:00Z"):
        out = _run(quotaguard_cli, "usage", "--db", str(db), "--since", since, "--format", "json", *now)
        assert out.returncode == 0, (since, out.stderr)
        assert sum(r["requests"] for r in json.loads(out.stdout)["rows"]) == 3, since
    later = _run(quotaguard_cli, "usage", "--db", str(db), "--since", "2024-03-01", "--format", "json", *now)
    assert json.loads(later.stdout)["rows"] == []  # after the calls
    for bad in ("yesterdays", "stoll", "2024-02-30", "5x"):
        out = _run(quotaguard_cli, "usage", "--db", str(db), "--since", bad)
        assert out.returncode == 2
        assert f"--since: cannot read '{bad}'" in out.stderr and "yesterday" in out.stderr  # names the forms
    missing = _run(quotaguard_cli, "status", "--db", str(tmp_path / "missing.db"))
    assert missing.returncode == 2 and "missing.db" in missing.stderr


def test_status_shows_accounts_when_calls_fail_over(server, tmp_path, pinned_clock, quotaguard_cli, monkeypatch):
    import quotaguard as qg

    monkeypatch.setenv("QG_TEST_KEY_B", "sk-b")
    db = tmp_path / "h.db"
    server.set(exhausted_keys={"sk-test"})
    qg.configure(db=str(db), policy={"on_exhausted": "failover", "accounts": [{"name": "key-b", "api_key_env": "QG_TEST_KEY_B"}]})
    client = qg.openai_client(api_key="sk-test", base_url=server.base_url)
    client.chat.completions.create(model="gpt-4o", messages=[])  # retried on key-b
    qg.flush()
    qg.shutdown()
    out = _run(quotaguard_cli, "status", "--db", str(db), "--now", str(pinned_clock.now_ms() // 1000))
    rows = {line.split()[0]: line.split()[1] for line in out.stdout.splitlines() if line and not line.startswith(("alert", "month"))}
    assert rows["account:primary"] == "exhausted" and rows["account:key-b"] == "normal"
    assert rows["default"] == "normal"  # calls go through, on key-b
    assert out.returncode == 1  # an account needs a person
    assert any("now on 'key-b'" in line for line in out.stdout.splitlines() if line.startswith("alert"))


def test_usage_by_api_key_label_is_what_each_key_was_billed(server, tmp_path, pinned_clock, quotaguard_cli):
    """Two keys, the real SDK, the fake billing each key: `usage --by key` gives each key's
    requests and tokens exactly, under a label that shows its kind and last four only; neither
    key is anywhere in the history file."""
    import openai

    import quotaguard as qg

    keys = {"sk-proj-" + "A" * 40 + "k1ab": "sk-proj-...k1ab", "sk-" + "b" * 44 + "k2cd": "sk-...k2cd"}
    db = tmp_path / "h.db"
    qg.configure(db=str(db))
    for n, key in zip((3, 5), keys):
        client = qg.instrument(openai.OpenAI(api_key=key, base_url=server.base_url))
        for _ in range(n):
            client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
        client.embeddings.create(model="text-embedding-3-small", input="x")
    qg.flush()
    qg.shutdown()
    now = ["--now", str(pinned_clock.now_ms() // 1000 + 60)]  # (the CLI's clock is its own: faked runs)
    out = _run(quotaguard_cli, "usage", "--db", str(db), "--by", "key", "--format", "json", *now)
    assert out.returncode == 0, out.stderr
    rows = {r["key"]: r for r in json.loads(out.stdout)["rows"]}
    assert set(rows) == set(keys.values())
    for key, name in keys.items():
        billed = [s for s in server.bill.served if s.api_key == key]
        assert rows[name]["requests"] == len(billed) > 0
        assert rows[name]["input_tokens"] == sum(s.input for s in billed)
        assert rows[name]["output_tokens"] == sum(s.output for s in billed)
    text = _run(quotaguard_cli, "usage", "--db", str(db), "--by", "key", *now).stdout
    assert "sk-proj-...k1ab" in text and "sk-...k2cd" in text
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("h.db*"))
    assert b"A" * 40 not in raw and b"b" * 44 not in raw


def test_usage_by_key_on_a_history_from_before_labels_says_so(tmp_path, quotaguard_cli):
    import sqlite3

    db = tmp_path / "old.db"
    with sqlite3.connect(db) as c:  # the tables as quotaguard wrote them before labels
        c.executescript(
            "CREATE TABLE usage_minute(minute INTEGER, workspace TEXT, endpoint TEXT, model TEXT, calls INTEGER,"
            " requests INTEGER, errors INTEGER, input_tokens INTEGER, cached_tokens INTEGER, output_tokens INTEGER,"
            " reasoning_tokens INTEGER, images INTEGER, audio_ms INTEGER, characters INTEGER, estimated INTEGER,"
            " cost_usd REAL);"
            "CREATE TABLE ledger(ts_ms INTEGER, workspace TEXT, endpoint TEXT, model TEXT, http_status INTEGER,"
            " error_code TEXT, retry INTEGER, flags INTEGER, input_tokens INTEGER, cached_tokens INTEGER,"
            " output_tokens INTEGER, reasoning_tokens INTEGER, images INTEGER, audio_ms INTEGER, characters INTEGER,"
            " request_bytes INTEGER, response_bytes INTEGER, latency_ms REAL, cost_usd REAL);")
    out = _run(quotaguard_cli, "usage", "--db", str(db), "--by", "key")
    assert out.returncode == 2 and "before quotaguard recorded API key labels" in out.stderr, out
    assert _run(quotaguard_cli, "usage", "--db", str(db), "--by", "model").returncode == 0
