"""The JSON API of `quotaguard serve` on histories written by real tracked calls (the openai SDK
through quotaguard's factory, in worker processes, against the loopback fake): the numbers are
what was sent, every answer is what the OpenAPI document says, bad input gets a 400 in JSON."""
import json
import os
import re
import subprocess

import pytest
from openapi_spec_validator import validate as validate_spec

import openapi_check
from conftest import HERE, wait_for

ROOT = os.path.dirname(os.path.dirname(HERE))


def test_usage_is_what_the_workers_sent(fake, workers, serve, quotaguard_cli):
    acme = workers.run(workspace="acme", model="gpt-4o", calls=4)
    beta = workers.run(workspace="beta", model="gpt-4o-mini", calls=3)
    s = serve("--db", workers.db)
    api = openapi_check.load(s)
    bill = fake.bill.snapshot()
    assert bill["input"] == acme["input_tokens"] + beta["input_tokens"]  # (the fake billed what the SDK saw)

    by_ws = s.json("/api/v1/quota/usage?by=workspace&since=24h")
    api.validate("/api/v1/quota/usage", 200, by_ws)
    rows = {r["key"]: r for r in by_ws["rows"]}
    assert set(rows) == {"acme", "beta"}
    for name, sent in (("acme", acme), ("beta", beta)):
        assert rows[name]["requests"] == sent["ok"]
        assert rows[name]["input_tokens"] == sent["input_tokens"]
        assert rows[name]["output_tokens"] == sent["output_tokens"]
    assert by_ws["total"]["requests"] == bill["requests"] == 7
    assert by_ws["total"]["output_tokens"] == bill["output"]

    by_model = {r["key"]: r for r in s.json("/api/v1/quota/usage?by=model")["rows"]}
    assert {k: v["requests"] for k, v in by_model.items()} == {"gpt-4o": 4, "gpt-4o-mini": 3}
    by_family = s.json("/api/v1/quota/usage?by=family")["rows"]
    assert [(r["key"], r["requests"], r["input_tokens"]) for r in by_family] == [("chat", 7, bill["input"])]
    by_endpoint = s.json("/api/v1/quota/usage?by=endpoint")["rows"]
    assert [(r["key"], r["requests"]) for r in by_endpoint] == [("POST /chat/completions", 7)]
    # By API key label (from the per-call ledger): the workers' one short test key, named by its
    # kind alone; the key is in no answer.
    by_key = s.json("/api/v1/quota/usage?by=key&since=24h")
    api.validate("/api/v1/quota/usage", 200, by_key)
    assert [(r["key"], r["requests"], r["input_tokens"]) for r in by_key["rows"]] == [("sk-serve-...(short)", 7, bill["input"])]
    assert by_key["total"]["cost_usd"] == pytest.approx(by_ws["total"]["cost_usd"])
    assert "SECRET" not in json.dumps(by_key)

    # The same history read by `quotaguard usage`: the same cost to the cent and beyond.
    cli = json.loads(subprocess.run([quotaguard_cli, "usage", "--db", str(workers.db), "--by", "model", "--format", "json"],
                                    capture_output=True, text=True, check=True).stdout)
    assert {r["model"]: r["cost_usd"] for r in cli["rows"]} == {k: v["cost_usd"] for k, v in by_model.items()}
    assert by_model["gpt-4o"]["cost_usd"] > 0

    # A window that ends before the calls holds none of them.
    before = s.json(f"/api/v1/quota/usage?since=2020-01-01&until=2020-01-02")
    assert before["rows"] == [] and before["total"]["requests"] == 0
    assert s.json("/api/v1/quota/status")["ok"] is True


def test_status_says_exhausted_why_and_since(fake, workers, serve):
    workers.run(workspace="acme", calls=2)
    fake.set(mode="quota")
    summary = workers.run(workspace="beta", calls=3)
    assert summary["quota_errors"] == 1 and summary["blocked"] == 2  # one 429, then the tracker blocks
    s = serve("--db", workers.db)
    body = s.json("/api/v1/quota/status")
    openapi_check.load(s).validate("/api/v1/quota/status", 200, body)
    assert body["ok"] is False
    assert body["global"]["status"] == "exhausted"
    assert body["global"]["error_code"] == "insufficient_quota"
    assert "insufficient_quota" in body["global"]["reason"]
    assert body["global"]["since_ms"] > 0
    beta = {w["workspace"]: w for w in body["workspaces"]}["beta"]
    assert beta["status"] == "exhausted" and beta["error_code"] == "insufficient_quota"
    alerts = s.json("/api/v1/quota/alerts?limit=100")["alerts"]
    assert any(a["kind"] == "status" and a["status"] == "exhausted" and a["workspace"] == "*" for a in alerts)
    ids = [a["id"] for a in alerts]
    assert ids == sorted(ids, reverse=True)  # newest first
    oldest_first = s.json(f"/api/v1/quota/alerts?after_id={ids[-1]}")["alerts"]
    assert [a["id"] for a in oldest_first] == sorted(ids)[1:]


def test_budgets_used_remaining_and_forecast(fake, workers, serve, tmp_path):
    config = tmp_path / "tracker.toml"
    config.write_text('[budgets.workspaces.acme]\nrequests_per_day = 10\ntokens_per_month = 1000\n'
                      '[budgets.global]\nusd_per_day = 5\n')
    sent = workers.run(workspace="acme", calls=4, config=config)
    s = serve("--db", workers.db, "--config", config)
    body = s.json("/api/v1/quota/budgets")
    openapi_check.load(s).validate("/api/v1/quota/budgets", 200, body)
    got = {(b["workspace"], b["period"], b["metric"]): b for b in body["budgets"]}
    assert set(got) == {("acme", "day", "requests"), ("acme", "month", "tokens"), ("*", "day", "usd")}
    req = got[("acme", "day", "requests")]
    assert (req["limit"], req["used"], req["remaining"]) == (10, 4, 6)
    tok = got[("acme", "month", "tokens")]
    assert tok["used"] == sent["input_tokens"] + sent["output_tokens"]
    # The forecast is the period's pace so far, carried on: when, or null past the period's end.
    for b in body["budgets"]:
        elapsed = body["as_of_ms"] - b["period_start_ms"]
        if b["used"] == 0:
            assert b["forecast_exhausted_ms"] is None
            continue
        at = b["period_start_ms"] + b["limit"] * elapsed / b["used"]
        if at < b["period_end_ms"]:
            assert b["forecast_exhausted_ms"] == pytest.approx(at, abs=2)
        else:
            assert b["forecast_exhausted_ms"] is None
    metrics = s.get("/metrics")[2].decode()
    assert 'quotaguard_budget_remaining{workspace="acme",period="day",metric="requests"} 6' in metrics


BAD = [
    ("/api/v1/quota/usage?by=colour", "by"),
    ("/api/v1/quota/usage?since=yesterdays", "since"),
    ("/api/v1/quota/usage?since=2024-02-30", "since"),
    ("/api/v1/quota/usage?until=soon", "until"),
    ("/api/v1/quota/usage?since=2024-03-02&until=2024-03-01", "until"),
    ("/api/v1/quota/usage?by=model&by=workspace", "by"),
    ("/api/v1/quota/usage?windw=1h", "windw"),
    ("/api/v1/quota/alerts?limit=0", "limit"),
    ("/api/v1/quota/alerts?limit=ten", "limit"),
    ("/api/v1/quota/alerts?limit=99999999999999999999", "limit"),
    ("/api/v1/quota/alerts?after_id=-3", "after_id"),
    ("/api/v1/quota/status?verbose=1", "verbose"),
    ("/api/v1/health?x=%ff", "x"),
    ("/api/v1/events?last_event_id=abc", "last_event_id"),
    ("/api/v1/events?follow=1", "follow"),
]


def test_bad_parameters_get_a_400_in_json(workers, serve):
    workers.run(calls=1)
    s = serve("--db", workers.db)
    api = openapi_check.load(s)
    for url, parameter in BAD:
        code, headers, body = s.get(url)
        assert code == 400, (url, code, body)
        assert headers["Content-Type"].startswith("application/json")
        err = json.loads(body)
        api.validate_component("Error", err)
        assert err["error"]["code"] == "bad_parameter" and err["error"]["parameter"] == parameter, url
        assert parameter in err["error"]["message"], url
        assert s.json("/api/v1/quota/status")["global"]["status"] == "normal"  # and the server carries on


def test_unknown_routes_and_methods_are_json_errors(workers, serve):
    workers.run(calls=1)
    s = serve("--db", workers.db)
    for url in ("/api/v1/nope", "/api/quota/status", "/favicon.ico"):
        code, headers, body = s.get(url)
        assert code == 404 and json.loads(body)["error"]["code"] == "not_found", url
    import urllib.request

    req = urllib.request.Request(s.url + "/api/v1/quota/status", method="DELETE")
    try:
        urllib.request.urlopen(req, timeout=10)
        raise AssertionError("DELETE was accepted")
    except urllib.error.HTTPError as e:
        assert e.code in (404, 405) and "error" in json.loads(e.read())


def _served_routes():
    """Every route server.cpp registers (the code is the list: a new route without a document entry fails here)."""
    text = open(os.path.join(ROOT, "src", "serve", "server.cpp")).read()
    return set(re.findall(r'(?:route|svr\.Get)\("(/[^"]*)"', text)) - {"/.*"}


def test_the_openapi_document_covers_every_route_and_every_answer(workers, serve):
    workers.run(calls=2)
    s = serve("--db", workers.db)
    api = openapi_check.load(s)
    validate_spec(api.doc)  # a valid OpenAPI 3.1 document
    routes = _served_routes()
    assert "/api/v1/quota/usage" in routes and "/metrics" in routes  # (the scrape found them)
    assert routes - set(api.doc["paths"]) == set(), "routes the document does not describe"
    dashboard_js = s.get("/dashboard.js")[2].decode()
    for path in set(re.findall(r'"(/api/v1/[a-z/]+)', dashboard_js)):
        assert path in api.doc["paths"], f"the dashboard calls {path}, which the document does not describe"
    for path, item in api.doc["paths"].items():
        if path == "/api/v1/events":
            continue  # a stream: test_events.py
        code, headers, body = s.get(path)
        ctype = headers["Content-Type"].split(";")[0]
        api.schema_for(path, code, ctype)  # a documented answer
        if ctype == "application/json":
            api.validate(path, code, json.loads(body))


def test_secrets_never_leave_the_server(fake, workers, serve):
    workers.run(workspace="acme", calls=3)  # the worker's key is sk-serve-test-SECRET, its prompt SECRET-PROMPT
    fake.set(mode="quota")
    workers.run(workspace="acme", calls=1)
    s = serve("--db", workers.db)
    seen = b""
    for path in ("/api/v1/quota/status", "/api/v1/quota/usage?by=endpoint", "/api/v1/quota/alerts?limit=1000",
                 "/api/v1/health", "/metrics", "/api/v1/quota/budgets"):
        seen += s.get(path)[2]
    assert b"quota" in seen  # (it said something)
    assert b"SECRET" not in seen


def test_binding_beyond_loopback_needs_a_token(workers, quotaguard_cli):
    workers.run(calls=1)
    out = subprocess.run([quotaguard_cli, "serve", "--db", str(workers.db), "--host", "0.0.0.0", "--port", "0"],
                         capture_output=True, text=True, timeout=30, env={k: v for k, v in os.environ.items() if k != "QUOTAGUARD_SERVE_TOKEN"})
    assert out.returncode == 2 and "--token" in out.stderr


def test_a_token_guards_api_metrics_and_page(workers, serve):
    import urllib.parse
    import urllib.request

    workers.run(calls=1)
    s = serve("--db", workers.db, "--token", "t0ken-for-tests")
    for path in ("/api/v1/quota/status", "/metrics", "/api/v1/events"):
        code, _, body = s.get(path)
        assert code == 401 and json.loads(body)["error"]["code"] == "unauthorized", path
    assert s.get("/")[0] == 401 and b"<form" in s.get("/")[2]
    assert s.get("/api/v1/quota/status", {"Authorization": "Bearer wrong"})[0] == 401
    code, _, body = s.get("/api/v1/quota/status", {"Authorization": "Bearer t0ken-for-tests"})
    assert code == 200 and json.loads(body)["global"]["status"] == "normal"
    # The page's login sets a cookie the page's own requests carry.
    login = urllib.request.Request(s.url + "/login", data=urllib.parse.urlencode({"token": "t0ken-for-tests"}).encode())
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    with opener.open(login, timeout=10) as r:
        assert r.status == 200 and b"quotaguard" in r.read()  # redirected to the page
    with opener.open(s.url + "/api/v1/quota/status", timeout=10) as r:
        assert r.status == 200


def test_a_history_that_appears_later_is_read_when_it_does(workers, serve, tmp_path):
    s = serve("--db", workers.db)  # no tracker has written yet
    health = s.json("/api/v1/health", status=503)
    openapi_check.load(s).validate("/api/v1/health", 503, health)
    assert health["status"] == "unavailable" and str(workers.db) in health["history"]["detail"]
    for path in ("/api/v1/quota/status", "/api/v1/quota/usage", "/api/v1/quota/alerts"):
        err = s.json(path, status=503)  # never an empty "all is well"
        assert err["error"]["code"] == "unavailable" and str(workers.db) in err["error"]["message"]
    assert s.get("/metrics")[0] == 503
    workers.run(calls=2)
    assert wait_for(lambda: s.json("/api/v1/quota/usage")["total"]["requests"] == 2)
    assert s.json("/api/v1/health")["history"]["readable"] is True


def test_not_a_history_is_said_so(serve, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    s = serve("--db", junk)
    health = s.json("/api/v1/health", status=503)
    assert "junk.db" in health["history"]["detail"]
    assert s.json("/api/v1/quota/status", status=503)["error"]["code"] == "unavailable"
    assert junk.read_bytes() == b"this is not sqlite" * 100  # untouched


def test_status_is_live_from_the_hosts_shared_state(fake, workers, serve):
    """A worker that has not flushed (a minute-long flush interval) is already seen exhausted: the
    statuses come from the shared state beside the history, not from its last flush."""
    workers.run(calls=1)
    s = serve("--db", workers.db, "--poll-ms", "50")
    assert s.json("/api/v1/health")["live_state"] == str(workers.db) + ".state"
    fake.set(mode="quota")
    workers.start(workspace="acme", flush_ms=60000, until_killed=True)
    body = wait_for(lambda: (b := s.json("/api/v1/quota/status"))["global"]["status"] == "exhausted" and b)
    assert body["global"]["error_code"] == "insufficient_quota"
    import sqlite3

    flushed = dict(sqlite3.connect(f"file:{workers.db}?mode=ro", uri=True).execute("SELECT workspace, status FROM status"))
    assert flushed.get("*") == "normal"  # the history does not know yet
