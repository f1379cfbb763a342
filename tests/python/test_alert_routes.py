"""Alert routing ([[alerts.routes]], docs/tracker.md#alert-routing): each route a webhook with
its own filter (workspaces, kinds, least severity), body (JSON or Slack's {"text"}), HMAC
signature, retries with backoff, de-duplication and dead letters; tested with loopback
receivers and real calls through the tracked client against the fake API."""
import hashlib
import hmac
import json

import httpx
import pytest

from test_alerts import flip_status
from webhook_receiver import Receiver


def _calls(qg, server, workspace, n):
    with qg.instrument_http_client(httpx.Client()) as c, qg.workspace(workspace):
        for _ in range(n):
            try:
                c.post(server.base_url + "/embeddings", json={"model": "text-embedding-3-small", "input": "x"})
            except qg.QuotaExhaustedError:
                pass


def _one_flip_delivered(qg, server, hook, **route):
    """One route to `hook`, one status flip, until the receiver has accepted an alert."""
    qg.configure(alert_routes=[{"url": hook.url, **route}])
    try:
        flip_status(qg, server, 1)
        assert hook.wait_for(lambda got: len(got) >= 1)
    finally:
        qg.shutdown()
        hook.close()


def test_routes_take_only_their_workspaces_and_severities(server, pinned_clock):
    """oncall takes critical alerts of `small` only; chat takes everything, as Slack text."""
    import quotaguard as qg

    oncall, chat = Receiver(), Receiver()
    qg.configure(budgets={"workspaces": {"small": {"requests_per_day": 1}, "big": {"requests_per_day": 10}}},
                 alert_routes=[{"name": "oncall", "url": oncall.url, "workspaces": ["small"], "min_severity": "critical"},
                               {"name": "chat", "url": chat.url, "format": "slack"}])
    try:
        _calls(qg, server, "small", 2)  # the first uses up the budget: exhausted (critical)
        _calls(qg, server, "big", 8)    # 8 of 10: warning
        assert chat.wait_for(lambda got: any("warning big" in b["text"] for _, b in got)
                             and any("critical small" in b["text"] for _, b in got))
        assert oncall.wait_for(lambda got: len(got) >= 1)
    finally:
        qg.shutdown()
        oncall.close()
        chat.close()
    assert [(b["workspace"], b["status"], b["severity"]) for _, b in oncall.got] == [("small", "exhausted", "critical")]
    assert all(set(b) == {"text"} and b["text"].startswith("[quotaguard] ") for _, b in chat.got)


def test_a_signed_route_carries_an_hmac_of_timestamp_and_body(server, monkeypatch):
    import quotaguard as qg

    monkeypatch.setenv("QG_TEST_HOOK_SECRET", "s3cret")
    hook = Receiver()
    _one_flip_delivered(qg, server, hook, secret_env="QG_TEST_HOOK_SECRET")
    headers, raw, _ = hook.posts[0]
    ts, sig = headers["X-Quotaguard-Timestamp"], headers["X-Quotaguard-Signature"]
    expected = "sha256=" + hmac.new(b"s3cret", ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(sig, expected)
    wrong = "sha256=" + hmac.new(b"other", ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
    assert sig != wrong


def test_a_signing_secret_that_is_not_set_is_a_config_error(tmp_path, monkeypatch):
    import quotaguard as qg

    monkeypatch.delenv("QG_TEST_UNSET_SECRET", raising=False)
    cfg = tmp_path / "t.toml"
    cfg.write_text('[alerts]\n\n[[alerts.routes]]\nurl = "http://127.0.0.1:9/h"\nsecret_env = "QG_TEST_UNSET_SECRET"\n')
    with pytest.raises(qg.ConfigError) as e:
        qg.configure(str(cfg))
    assert str(e.value).startswith(f"{cfg}:5: ") and "QG_TEST_UNSET_SECRET" in str(e.value)


@pytest.mark.parametrize("route,line,words", [
    ('format = "teams"', 5, ['"json" or "slack"', "teams"]),
    ('min_severity = "high"', 5, ["info", "critical", "high"]),
    ('kinds = "status"', 5, ["kinds", "array of strings"]),
    ('retires = 3', 5, ["retires", "did you mean 'retries'"]),
])
def test_bad_route_settings_name_the_key_and_line(tmp_path, route, line, words):
    import quotaguard as qg

    cfg = tmp_path / "t.toml"
    cfg.write_text(f'[alerts]\n\n[[alerts.routes]]\nurl = "http://127.0.0.1:9/h"\n{route}\n')
    with pytest.raises(qg.ConfigError) as e:
        qg.configure(str(cfg))
    assert str(e.value).startswith(f"{cfg}:{line}: "), str(e.value)
    assert all(w in str(e.value) for w in words), str(e.value)


def test_a_failing_endpoint_is_retried_with_backoff_until_it_answers(server):
    import quotaguard as qg

    hook = Receiver(statuses=[503, 500, 200])
    _one_flip_delivered(qg, server, hook, kinds=["status"], retries=3, retry_backoff_ms=20)
    assert [code for _, _, code in hook.posts][:3] == [503, 500, 200]
    assert len({raw for _, raw, _ in hook.posts[:3]}) == 1  # the same alert each time
    s = qg.stats()
    assert s["webhook_retries"] >= 2 and s["webhook_sent"] >= 1 and s["alerts_dead_lettered"] == 0


def test_what_a_route_gives_up_on_goes_to_the_dead_letter_file(server, tmp_path):
    """500 every time: retried, then written to the dead letters with the route, the error and
    the attempts; a 400 is not retried. Every routed alert is sent or dead-lettered."""
    import quotaguard as qg

    failing, refusing = Receiver(status=500), Receiver(status=400)
    dead = tmp_path / "dead.jsonl"
    qg.configure(dead_letter=str(dead), alert_routes=[
        {"name": "failing", "url": failing.url, "retries": 2, "retry_backoff_ms": 10},
        {"name": "refusing", "url": refusing.url, "retries": 2, "retry_backoff_ms": 10}])
    try:
        flip_status(qg, server, 1)
        assert failing.wait_for(lambda _: len(failing.posts) >= 3) and refusing.wait_for(lambda _: len(refusing.posts) >= 1)
    finally:
        qg.shutdown()
        failing.close()
        refusing.close()
    letters = [json.loads(line) for line in dead.read_text().splitlines()]
    by_route = {}
    for letter in letters:
        by_route.setdefault(letter["route"], []).append(letter)
    first = by_route["failing"][0]
    assert first["attempts"] == 3 and first["error"] == "HTTP 500" and first["alert"]["kind"] == "status"
    assert by_route["refusing"][0]["attempts"] == 1 and by_route["refusing"][0]["error"] == "HTTP 400"
    s = qg.stats()
    assert s["webhook_sent"] == 0 and s["alerts_dead_lettered"] == len(letters) == s["webhook_failed"] + s["webhook_dropped"]


def test_the_same_alert_again_within_dedup_s_is_sent_once(server, tmp_path):
    import quotaguard as qg

    hook, jsonl = Receiver(), tmp_path / "alerts.jsonl"
    qg.configure(alerts_jsonl=str(jsonl), alert_routes=[{"url": hook.url, "dedup_s": 600}])
    try:
        flip_status(qg, server, 6)  # exhausted, normal, exhausted, normal, ...
        assert hook.wait_for(lambda got: any(b["status"] == "normal" for _, b in got))
    finally:
        qg.shutdown()
        hook.close()
    keys = [(b["kind"], b["workspace"], b["status"], b["code"]) for _, b in hook.got]
    assert len(keys) == len(set(keys)) >= 2
    all_alerts = [json.loads(line) for line in jsonl.read_text().splitlines()]  # every one
    distinct = {(a["kind"], a["workspace"], a["status"], a["code"]) for a in all_alerts}
    assert set(keys) <= distinct and len(all_alerts) > len(distinct)
    # De-duplicated as the dispatcher hands alerts over, whatever was sent before shutdown.
    assert qg.stats()["alerts_deduplicated"] == len(all_alerts) - len(distinct)


def test_shutdown_loses_nothing_a_route_still_held(server, tmp_path):
    """The endpoint hangs: at shutdown what the route was sending and what waited in its queue
    are in the dead letters, so sent + dead-lettered = every alert routed."""
    import threading

    import quotaguard as qg

    never = threading.Event()
    hook, dead = Receiver(hold=never), tmp_path / "dead.jsonl"
    qg.configure(dead_letter=str(dead), alert_routes=[{"url": hook.url, "timeout_ms": 300, "retries": 0}])
    try:
        flip_status(qg, server, 6)
        assert hook.arrived.wait(30)
    finally:
        qg.shutdown()
        never.set()
        hook.close()
    s = qg.stats()
    letters = dead.read_text().splitlines()
    assert s["webhook_sent"] == 0 and len(letters) == s["alerts_dead_lettered"] == s["alerts_emitted"]
