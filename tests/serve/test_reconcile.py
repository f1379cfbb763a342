"""Reconciliation: `quotaguard serve --reconcile` polls the organization Usage and Costs API (here
the loopback fake's, answered from what it really served) and compares it with the tracker's
history. One tracked client (worker processes through quotaguard's factory) and one untracked one
(the plain openai SDK) share the fake: the untracked share must come out exactly, named by its API
key id, as a live alert and as gauges; the fake's endpoints are read with the real SDK's own
`client.admin.organization.usage` to hold their shapes to the real API's."""
import hashlib
import json
import os
import time

import openai
import pytest

import openapi_check
from conftest import wait_for
from sse_client import SseClient

ADMIN = "sk-admin-fake"
UNTRACKED_KEY = "sk-untracked-SECRET"


def _key_id(key):
    return "key_" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _untracked_traffic(fake):
    """Chats and embeddings from a plain SDK client; returns the tokens the responses said."""
    plain = openai.OpenAI(api_key=UNTRACKED_KEY, base_url=fake.base_url, max_retries=0)
    tokens = {"gpt-4o": 0, "text-embedding-3-small": 0}
    for _ in range(3):
        r = plain.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "not tracked"}])
        tokens["gpt-4o"] += r.usage.prompt_tokens + r.usage.completion_tokens
    for _ in range(2):
        r = plain.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
        tokens["text-embedding-3-small"] += r.usage.prompt_tokens
    return tokens


def _reconcile(serve, workers, fake, *extra, key=ADMIN):
    env = dict(os.environ, OPENAI_ADMIN_KEY=key)
    return serve("--db", workers.db, "--reconcile", "--openai-base-url", fake.base_url, "--reconcile-every", "1",
                 "--poll-ms", "50", *extra, env=env)


def test_the_untracked_share_exactly_with_its_key(fake, workers, serve):
    fake.key_names[UNTRACKED_KEY] = "batch-jobs"  # as a person named it in the organization's key list
    sent = workers.run(model="gpt-4o", calls=4)
    tracked = sent["input_tokens"] + sent["output_tokens"]
    s = _reconcile(serve, workers, fake, "--dark-traffic-tokens", "1")
    api = openapi_check.load(s)
    events = SseClient(s.url + "/api/v1/events")
    try:
        # All tracked so far; then traffic no tracked client sends appears.
        wait_for(lambda: (j := s.json("/api/v1/reconciliation"))["polled_ms"] and j["tokens"]["billed"] == tracked)
        wait_for(lambda: events.of("hello"))
        untracked = _untracked_traffic(fake)
        bill = fake.bill.snapshot()
        billed = bill["input"] + bill["output"]
        assert billed == tracked + sum(untracked.values())  # (the fake's own bill: the ground truth)

        r = wait_for(lambda: (j := s.json("/api/v1/reconciliation"))["polled_ms"] and j["tokens"]["billed"] == billed and j)
        api.validate_component("Reconciliation", r)
        assert r["error"] is None
        assert r["tokens"]["tracked"] == tracked
        assert r["tokens"]["untracked"] == sum(untracked.values())
        assert r["tokens"]["coverage"] == pytest.approx(tracked / billed, rel=1e-12)
        by_model = {}
        for h in r["hours"]:
            row = by_model.setdefault(h["model"], {"billed": 0, "tracked": 0, "untracked": 0, "keys": {}})
            row["billed"] += h["billed_tokens"]
            row["tracked"] += h["tracked_tokens"]
            row["untracked"] += h["untracked_tokens"]
            for k in h["keys"]:
                row["keys"][k["api_key_id"]] = row["keys"].get(k["api_key_id"], 0) + k["billed_tokens"]
        assert by_model["gpt-4o"]["untracked"] == untracked["gpt-4o"]
        assert by_model["gpt-4o"]["tracked"] == tracked
        assert by_model["text-embedding-3-small"] == {"billed": untracked["text-embedding-3-small"], "tracked": 0,
                                                      "untracked": untracked["text-embedding-3-small"],
                                                      "keys": {_key_id(UNTRACKED_KEY): untracked["text-embedding-3-small"]}}
        # The dark traffic is billed to the untracked key, the rest to the tracked one.
        assert by_model["gpt-4o"]["keys"][_key_id(UNTRACKED_KEY)] == untracked["gpt-4o"]
        assert by_model["gpt-4o"]["keys"][_key_id("sk-serve-test-SECRET")] == tracked
        # Each key also by its name and redacted value, from the organization's key lists.
        assert r["key_names_error"] is None
        names = {k["api_key_id"]: (k["name"], k["redacted_value"]) for h in r["hours"] for k in h["keys"]}
        assert names[_key_id(UNTRACKED_KEY)] == ("batch-jobs", "sk-...CRET")
        assert names[_key_id("sk-serve-test-SECRET")] == ("Secret key", "sk-...CRET")
        assert {d["model"] for d in r["dark_traffic"]} == {"gpt-4o", "text-embedding-3-small"}
        # Dollars per day: the Costs API's against the tracker's cost of what it saw.
        day = r["days"][-1]
        assert 0 < day["tracked_usd"] < day["billed_usd"]

        # A live alert per dark hour and model, naming the key; once, not at every poll.
        alerts = wait_for(lambda: len(a := [e for e in events.of("alert") if e["data"]["kind"] == "dark_traffic"]) >= 2 and a)
        api.validate_component("DarkTrafficAlert", alerts[0]["data"])
        chat = next(a["data"] for a in alerts if a["data"]["model"] == "gpt-4o")
        assert chat["untracked_tokens"] == untracked["gpt-4o"] and _key_id(UNTRACKED_KEY) in chat["message"]
        assert f"'batch-jobs' (sk-...CRET, {_key_id(UNTRACKED_KEY)}): " in chat["message"], chat["message"]
        assert "dark traffic" in chat["message"]
        polled = r["polled_ms"]
        wait_for(lambda: s.json("/api/v1/reconciliation")["polled_ms"] >= polled + 2000, timeout=30)
        assert len([e for e in events.of("alert") if e["data"]["kind"] == "dark_traffic"]) == len(alerts)

        metrics = s.get("/metrics")[2].decode()
        assert f'quotaguard_untracked_tokens{{model="gpt-4o"}} {untracked["gpt-4o"]}' in metrics
        assert f'quotaguard_billed_tokens{{model="gpt-4o"}} {untracked["gpt-4o"] + tracked}' in metrics
        assert "quotaguard_reconciliation_up 1" in metrics
        # Never a key in any answer.
        for body in (json.dumps(s.json("/api/v1/reconciliation")), metrics):
            assert "SECRET" not in body and ADMIN not in body
    finally:
        events.close()


def test_all_tracked_is_full_coverage_and_no_alert(fake, workers, serve):
    sent = workers.run(model="gpt-4o", calls=3)
    s = _reconcile(serve, workers, fake)
    r = wait_for(lambda: (j := s.json("/api/v1/reconciliation"))["polled_ms"] and j)
    assert r["tokens"] == {"billed": sent["input_tokens"] + sent["output_tokens"],
                           "tracked": sent["input_tokens"] + sent["output_tokens"], "untracked": 0, "coverage": 1.0}
    assert r["dark_traffic"] == []


def test_key_names_refused_leave_the_figures_and_say_why(fake, workers, serve):
    """An admin key that may read usage but not list keys: ids only, and the reason, beside the
    same figures."""
    fake.refuse_key_lists = True
    sent = workers.run(model="gpt-4o", calls=2)
    s = _reconcile(serve, workers, fake)
    r = wait_for(lambda: (j := s.json("/api/v1/reconciliation"))["polled_ms"] and j)
    openapi_check.load(s).validate_component("Reconciliation", r)
    assert r["error"] is None and r["tokens"]["tracked"] == sent["input_tokens"] + sent["output_tokens"]
    assert "HTTP 403" in r["key_names_error"] and "/organization/projects" in r["key_names_error"]
    assert all(k["name"] is None and k["redacted_value"] is None for h in r["hours"] for k in h["keys"])


def test_a_refused_admin_key_is_reported_not_hidden(fake, workers, serve):
    workers.run(calls=1)
    s = _reconcile(serve, workers, fake, key="sk-project-key-SECRET")
    r = wait_for(lambda: (j := s.json("/api/v1/reconciliation"))["error"] and j)
    assert r["polled_ms"] is None and r["tokens"]["billed"] == 0
    assert "HTTP 401" in r["error"] and "insufficient permissions" in r["error"]
    assert "SECRET" not in json.dumps(r)
    assert "quotaguard_reconciliation_up 0" in s.get("/metrics")[2].decode()


def test_an_unreachable_api_is_an_error_and_serving_goes_on(workers, serve, fake):
    workers.run(calls=1)
    env = dict(os.environ, OPENAI_ADMIN_KEY=ADMIN)
    s = serve("--db", workers.db, "--reconcile", "--openai-base-url", "http://127.0.0.1:9/v1", "--reconcile-every", "1", env=env)
    r = wait_for(lambda: (j := s.json("/api/v1/reconciliation"))["error"] and j)
    assert "/v1/organization/usage/completions" in r["error"]
    assert s.json("/api/v1/quota/status")  # the rest of the server is unaffected


def test_without_reconcile_the_route_says_how(workers, serve):
    workers.run(calls=1)
    s = serve("--db", workers.db)
    body = s.json("/api/v1/reconciliation", status=404)
    assert body["error"]["code"] == "not_configured" and "--reconcile" in body["error"]["message"]


def test_reconcile_without_an_admin_key_is_a_usage_error(workers, quotaguard_cli, tmp_path):
    import subprocess
    workers.run(calls=1)
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_ADMIN_KEY"}
    p = subprocess.run([quotaguard_cli, "serve", "--db", str(workers.db), "--port", "0", "--reconcile"],
                       capture_output=True, text=True, env=env, timeout=30)
    assert p.returncode == 2 and "OPENAI_ADMIN_KEY" in p.stderr


def test_the_fakes_usage_api_has_the_real_sdks_shapes(fake):
    """The fake's endpoints through the real SDK's admin client: parameters, buckets, pages, errors."""
    _untracked_traffic(fake)
    admin = openai.OpenAI(api_key="unused", admin_api_key=ADMIN, base_url=fake.base_url, max_retries=0)
    start = int(time.time()) // 3600 * 3600 - 3 * 3600
    first = admin.admin.organization.usage.completions(start_time=start, bucket_width="1h", group_by=["model", "api_key_id"], limit=2)
    assert first.has_more and first.next_page and [b.start_time for b in first.data] == [start, start + 3600]
    rest = admin.admin.organization.usage.completions(start_time=start, bucket_width="1h", group_by=["model", "api_key_id"],
                                                      page=first.next_page)
    results = [x for b in first.data + rest.data for x in b.results]
    assert {(x.model, x.api_key_id) for x in results} == {("gpt-4o", _key_id(UNTRACKED_KEY))}
    assert sum(x.num_model_requests for x in results) == 3
    emb = admin.admin.organization.usage.embeddings(start_time=start, bucket_width="1d", group_by=["model"])
    assert sum(x.input_tokens for b in emb.data for x in b.results) == fake.bill.snapshot()["input"] - sum(
        x.input_tokens for x in results)
    costs = admin.admin.organization.usage.costs(start_time=start, group_by=["line_item"])
    assert {x.line_item for b in costs.data for x in b.results} >= {"gpt-4o, input", "gpt-4o, output"}
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(api_key="unused", admin_api_key=UNTRACKED_KEY, base_url=fake.base_url,
                      max_retries=0).admin.organization.usage.completions(start_time=start)
    with pytest.raises(openai.BadRequestError, match="limit"):
        admin.admin.organization.usage.completions(start_time=start, bucket_width="1h", limit=500)
    # The organization's projects and keys, as the SDK pages them (limit 1: every page followed).
    projects = list(admin.admin.organization.projects.list(limit=1))
    assert [p.id for p in projects] == ["proj_default"]
    keys = list(admin.admin.organization.projects.api_keys.list("proj_default", limit=1))
    assert [(k.id, k.name, k.redacted_value) for k in keys] == [(_key_id(UNTRACKED_KEY), "Secret key", "sk-...CRET")]
    assert fake.bill.snapshot()["requests"] == 5  # reading the bill is not billed
