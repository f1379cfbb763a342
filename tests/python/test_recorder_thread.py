"""The C transport records its calls on a thread of its own (python/src/deferred_record.h): what
a caller reads afterwards -- usage, status, the next check -- still includes every call it made,
under threads, across a reconfiguration and in a forked child, with the real SDK over loopback."""
import os

import openai
import pytest

import traffic


def _chat(client):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi there"}])


def _deferred(qg):
    s = qg.stats()
    return s["records_deferred"], s["records_in_place"], s["record_failures"]


def test_calls_are_recorded_off_the_calling_thread_and_read_at_once(qg, server):
    client = qg.openai_client(api_key="sk-test", base_url=server.base_url)
    before = _deferred(qg)
    for i in range(1, 31):
        _chat(client)
        assert qg.usage()["total"]["requests"] == i  # each read right after its call
    after = _deferred(qg)
    assert after[0] - before[0] == 30 and after[2] == before[2]  # all queued, none failed
    t = qg.usage()["total"]
    assert t["input_tokens"] == server.bill.input and t["output_tokens"] == server.bill.output


def test_the_next_check_sees_the_calls_before_it(qg, server, tmp_path):
    cfg = tmp_path / "quotaguard.toml"
    cfg.write_text("[budgets.workspace]\nrequests_per_minute = 3\n")
    qg.configure(str(cfg))
    client = qg.openai_client(api_key="sk-test", base_url=server.base_url, max_retries=0)
    for _ in range(3):
        _chat(client)
    with pytest.raises(Exception):  # the fourth is blocked: its check counted the three queued
        _chat(client)
    assert server.bill.requests == 3


def test_threads_record_every_call_exactly(qg, server):
    def worker(k):
        with qg.workspace(f"team-{k % 2}"):
            client = qg.openai_client(api_key="sk-test", base_url=server.base_url)
            for _ in range(25):
                _chat(client)

    before = _deferred(qg)
    assert not traffic.in_threads(worker, 8)
    after = _deferred(qg)
    assert (after[0] - before[0]) + (after[1] - before[1]) == 200 and after[2] == before[2]
    u = qg.usage()
    assert u["total"]["requests"] == server.bill.requests == 200
    assert u["total"]["input_tokens"] == server.bill.input
    assert u["by_workspace"]["team-0"]["requests"] == u["by_workspace"]["team-1"]["requests"] == 100


def test_a_reconfiguration_keeps_the_calls_queued_before_it(qg, server, tmp_path):
    db = tmp_path / "history.db"
    client = qg.openai_client(api_key="sk-test", base_url=server.base_url)
    qg.configure(db=str(db))
    for _ in range(10):
        _chat(client)
    qg.configure(db=str(db))  # the old tracker's last flush must hold all ten
    import sqlite3

    with sqlite3.connect(db) as con:
        assert con.execute("select count(*) from ledger").fetchone()[0] == 10


def test_a_forked_child_records_its_own_calls(qg, server):
    client = qg.openai_client(api_key="sk-test", base_url=server.base_url)
    for _ in range(5):
        _chat(client)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # no recorder thread is copied: the child's first call starts its own
        try:
            child = qg.openai_client(api_key="sk-test", base_url=server.base_url)
            queued = _deferred(qg)[0]
            for _ in range(7):
                _chat(child)
            ok = qg.usage()["total"]["requests"] == 12 and _deferred(qg)[0] - queued == 7
            os.write(w, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(w)
    _, code = os.waitpid(pid, 0)
    assert os.read(r, 1) == b"1" and code == 0
    for _ in range(3):
        _chat(client)
    assert qg.usage()["total"]["requests"] == 8  # the parent's own: the child's are its own
    assert server.bill.requests == 15
    assert isinstance(client, openai.OpenAI)
