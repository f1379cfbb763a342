"""`quotaguard serve` reading the fleet's Redis (docs/serve.md#fleet): two "hosts" (two histories,
two shared states) of tracked worker processes (the real openai SDK through quotaguard's factory,
against the loopback fake) on one real redis-server; serve runs against host a only, and must show
the whole fleet -- host b's usage in the budgets, host b's insufficient_quota in the statuses and on
the live events, both hosts' usage summed exactly, host b's alerts once -- and keep answering,
degraded, while Redis is away."""
import json
import re
import time

import openapi_check
from conftest import Workers, wait_for
from redis_server import redis  # noqa: F401  (the fixture)
from sse_client import SseClient

NAMESPACE = "qgserve"
DAY_BUDGET = 1000


def config(path, db, redis_url=None):
    """A tracker config: the host's history, the fleet's Redis (None: no fleet) and the day budget."""
    fleet = f'redis = "{redis_url}"\nredis_namespace = "{NAMESPACE}"\n' if redis_url else ""
    path.write_text(f'[tracker]\ndb = "{db}"\n{fleet}[budgets.global]\nrequests_per_day = {DAY_BUDGET}\n')
    return path


def host(tmp_path, name, redis_url):
    """A host: its own history, the fleet's Redis."""
    d = tmp_path / name
    d.mkdir()
    return d / "history.db", config(d / "quotaguard.toml", d / "history.db", redis_url)


def two_hosts(tmp_path, fake, redis):
    """Hosts a and b on the fleet's Redis: (a's db, a's config, b's db, b's config, a's workers, b's)."""
    a_db, a_cfg = host(tmp_path, "a", redis.url)
    b_db, b_cfg = host(tmp_path, "b", redis.url)
    return a_db, a_cfg, b_db, b_cfg, Workers(a_db, fake.base_url, tmp_path), Workers(b_db, fake.base_url, tmp_path)


def day_requests(body):
    (b,) = [b for b in body["budgets"] if b["workspace"] == "*" and b["period"] == "day" and b["metric"] == "requests"]
    return b["used"]


def fleet_gauge(s):
    _, _, body = s.get("/metrics")
    m = re.search(r"^quotaguard_fleet_reachable\{[^}]*\} (\S+)$", body.decode(), re.M)
    assert m, body.decode()[-2000:]
    return float(m.group(1))


def checked(s, api, path, status=200):
    body = s.json(path, status)
    api.validate(path.split("?")[0], status, body)
    return body


def test_serve_shows_the_whole_fleet_and_survives_redis(tmp_path, fake, serve, redis):
    a_db, a_cfg = host(tmp_path, "a", redis.url)
    b_db, b_cfg = host(tmp_path, "b", redis.url)
    a = Workers(a_db, fake.base_url, tmp_path)
    b = Workers(b_db, fake.base_url, tmp_path)
    assert a.run(calls=3, workspace="acme", config=a_cfg)["ok"] == 3
    assert b.run(calls=5, workspace="beta", config=b_cfg)["ok"] == 5

    s = serve("--config", a_cfg)  # host a's history and config; the Redis its config names
    alone = serve("--config", config(tmp_path / "alone.toml", a_db))  # host a without the fleet
    api = openapi_check.load(s)

    # The budgets are used by the fleet: host b's calls count (host a's history has 3).
    budgets = checked(s, api, "/api/v1/quota/budgets")
    assert budgets["source"] == "fleet" and day_requests(budgets) == 8, budgets
    assert alone.json("/api/v1/quota/budgets")["source"] == "history"
    assert day_requests(alone.json("/api/v1/quota/budgets")) == 3
    health = checked(s, api, "/api/v1/health")
    assert health["redis"]["reachable"] is True and health["redis"]["error"] is None, health
    assert health["redis"]["namespace"] == NAMESPACE and "s3cret" not in str(health), health
    assert health["status"] in ("ok", "stale"), health
    assert checked(s, api, "/api/v1/quota/status")["ok"] is True
    assert fleet_gauge(s) == 1

    # Redis goes away: answers continue, from host a's history, and say degraded with the reason.
    redis.kill()
    health = wait_for(lambda: (h := checked(s, api, "/api/v1/health"))["status"] == "degraded" and h)
    assert health["redis"]["reachable"] is False and health["redis"]["error"], health
    status = checked(s, api, "/api/v1/quota/status")
    assert status["ok"] is False and status["global"]["status"] == "degraded", status
    assert status["global"]["error_code"] == "redis_unreachable" and health["redis"]["address"] in status["global"]["reason"]
    budgets = checked(s, api, "/api/v1/quota/budgets")
    assert budgets["source"] == "history" and day_requests(budgets) == 3, budgets
    assert fleet_gauge(s) == 0

    # Back: the fleet's counts again (Redis kept them: AOF), the all-clear again.
    redis.start()
    wait_for(lambda: checked(s, api, "/api/v1/health")["redis"]["reachable"])
    budgets = checked(s, api, "/api/v1/quota/budgets")
    assert budgets["source"] == "fleet" and day_requests(budgets) == 8, budgets
    assert checked(s, api, "/api/v1/quota/status")["ok"] is True
    assert fleet_gauge(s) == 1

    # Host b's account runs dry: serve (host a) says so, with since and reason, on the API and on
    # the live events (published by host b on <ns>:events, heard by serve's re-made subscription).
    events = SseClient(s.url + "/api/v1/events")
    try:
        wait_for(lambda: events.of("hello"))
        fake.set(quota_after=fake.bill.requests)
        assert b.run(calls=1, workspace="beta", config=b_cfg)["quota_errors"] == 1
        status = wait_for(lambda: (st := checked(s, api, "/api/v1/quota/status"))["ok"] is False and st)
        (account,) = [w for w in status["accounts"] if w["status"] == "exhausted"]
        assert account["error_code"] == "insufficient_quota" and account["since_ms"] > 0 and account["reason"], account
        assert status["global"]["status"] == "exhausted" and status["global"]["error_code"] == "insufficient_quota", status
        event = wait_for(lambda: [e for e in events.of("status") if e["data"]["workspace"] == account["workspace"]])[0]
        assert event["data"]["status"] == "exhausted" and event["data"]["previous"] == "normal", event
        api.validate_component("StatusEvent", event["data"])
    finally:
        events.close()
    assert alone.json("/api/v1/quota/status")["ok"] is True  # host a alone never heard of it


# The fleet's usage over a window (docs/serve.md#fleet): every host's history, summed on Redis.
BY = ("workspace", "family", "model", "key")
COUNTS = ("calls", "requests", "errors", "input_tokens", "cached_tokens", "output_tokens", "reasoning_tokens", "images",
          "audio_seconds", "characters")


def usage(s, api, by, window):
    return checked(s, api, f"/api/v1/quota/usage?by={by}&{window}")


def summed(*bodies):
    """Rows of several hosts' usage answers added up, per key."""
    out = {}
    for body in bodies:
        for row in body["rows"]:
            mine = out.setdefault(row["key"], dict.fromkeys((*COUNTS, "cost_usd"), 0))
            for c in (*COUNTS, "cost_usd"):
                mine[c] += row[c]
    return out


def assert_fleet_usage(s, api, hosts, window):
    """serve's fleet answer equals the sum of the hosts' own histories (each read by a serve without
    the fleet): counts exactly; cost to the micro-dollar per history row (the fleet adds integer
    micro-dollars, rounded once per minute row and per ledger row: at most 0.5e-6 each)."""
    for by in BY:
        fleet = usage(s, api, by, window)
        assert fleet["source"] == "fleet" and fleet["degraded"] is False, fleet
        expected = summed(*(usage(h, api, by, window) for h in hosts))
        got = {row["key"]: row for row in fleet["rows"]}
        assert set(got) == set(expected), (by, got, expected)
        for key, want in expected.items():
            for c in COUNTS:
                assert got[key][c] == want[c], (by, key, c, got[key], want)
            assert abs(got[key]["cost_usd"] - want["cost_usd"]) <= 1e-6 * max(1, want["calls"]), (by, key, got[key], want)
    return fleet


def window_now():
    """Today (UTC) until an hour from now, as both serves are asked: the same window for each."""
    now = int(time.time())
    return f"since={now - now % 86400}&until={now + 3600}"


def test_serve_shows_the_fleets_usage(tmp_path, fake, serve, redis):
    a_db, a_cfg, b_db, b_cfg, a, b = two_hosts(tmp_path, fake, redis)
    sent_a = a.run(calls=3, workspace="acme", config=a_cfg)
    sent_b = b.run(calls=5, workspace="beta", model="gpt-4o-mini", config=b_cfg)
    sent_b2 = b.run(calls=2, workspace="acme", config=b_cfg)
    s = serve("--config", a_cfg)
    alone_a = serve("--config", config(tmp_path / "alone_a.toml", a_db))
    alone_b = serve("--config", config(tmp_path / "alone_b.toml", b_db))
    api = openapi_check.load(s)
    window = window_now()

    fleet = assert_fleet_usage(s, api, (alone_a, alone_b), window)
    by_ws = {r["key"]: r for r in usage(s, api, "workspace", window)["rows"]}
    assert by_ws["acme"]["requests"] == 5 and by_ws["beta"]["requests"] == 5, by_ws
    assert by_ws["acme"]["input_tokens"] == sent_a["input_tokens"] + sent_b2["input_tokens"], by_ws
    assert by_ws["beta"]["output_tokens"] == sent_b["output_tokens"], by_ws
    assert fleet["total"]["calls"] == 10, fleet
    assert {r["key"] for r in usage(s, api, "model", window)["rows"]} == {"gpt-4o", "gpt-4o-mini"}
    # What the fleet keeps of usage: labels and numbers, never the key or the prompt.
    kept = "".join(redis.cli("HGETALL", k) for k in redis.cli("KEYS", f"{NAMESPACE}:usage:*").split())
    assert "gpt-4o-mini" in kept and "SECRET" not in kept, kept[:500]
    only_a = usage(alone_a, api, "workspace", window)
    assert only_a["source"] == "history" and only_a["total"]["calls"] == 3, only_a

    # Redis away: this host's history, saying so.
    redis.kill()
    wait_for(lambda: checked(s, api, "/api/v1/health")["status"] == "degraded")
    down = usage(s, api, "workspace", window)
    assert down["source"] == "history" and down["degraded"] is True and down["total"]["calls"] == 3, down
    assert "note" in down, down


def test_an_alert_on_one_host_shows_once_on_another(tmp_path, fake, serve, redis):
    a_db, a_cfg, b_db, b_cfg, a, b = two_hosts(tmp_path, fake, redis)
    assert a.run(calls=2, workspace="acme", config=a_cfg)["ok"] == 2
    s = serve("--config", a_cfg)
    alone = serve("--config", config(tmp_path / "alone.toml", a_db))
    api = openapi_check.load(s)
    fake.set(quota_after=fake.bill.requests)
    # Two processes of host b see it: the fleet delivers (and keeps) each event once.
    assert b.run(calls=1, workspace="beta", config=b_cfg)["quota_errors"] == 1
    b.run(calls=1, workspace="beta", config=b_cfg)  # starts blocked (what the fleet kept): the same events again

    def exhausted(alerts):
        return [x for x in alerts if x["kind"] == "status" and x["status"] == "exhausted"]

    alerts = wait_for(lambda: exhausted((body := checked(s, api, "/api/v1/quota/alerts"))["alerts"]) and body)["alerts"]
    mine = exhausted(alerts)
    events = [(x["kind"], x["workspace"], x["status"]) for x in mine]
    assert len(events) == len(set(events)), mine  # each event once
    assert all(x["source"] == "fleet" and x["id"] == 0 for x in mine), mine
    assert [x["ts_ms"] for x in alerts] == sorted((x["ts_ms"] for x in alerts), reverse=True), alerts
    assert not exhausted(alone.json("/api/v1/quota/alerts")["alerts"])  # host a's history never had it


def test_fleet_usage_exact_across_a_redis_restart(tmp_path, fake, serve, redis):
    a_db, a_cfg, b_db, b_cfg, a, b = two_hosts(tmp_path, fake, redis)
    try:
        for w, ws in ((a, "acme"), (a, "beta"), (b, "acme"), (b, "gamma")):
            w.start(workspace=ws, config=a_cfg if w is a else b_cfg, until_killed=True)
        wait_for(lambda: fake.bill.requests >= 40)
        redis.kill()  # mid-traffic: the batches wait (or are retried after a lost reply)
        during = fake.bill.requests
        wait_for(lambda: fake.bill.requests >= during + 40)
        b.stop_all()  # host b stops while Redis is away: its last batches go to its spool
        assert list(b_db.parent.glob("history.db.state.fleet/*.batch")), list(b_db.parent.iterdir())
        redis.start()
        back = fake.bill.requests
        wait_for(lambda: fake.bill.requests >= back + 40)
    finally:
        a.stop_all()
        b.stop_all()
    assert b.run(calls=1, workspace="gamma", config=b_cfg)["ok"] == 1  # host b's next process pushes the spool
    assert not list(b_db.parent.glob("history.db.state.fleet/*.batch"))
    s = serve("--config", a_cfg)
    alone_a = serve("--config", config(tmp_path / "alone_a.toml", a_db))
    alone_b = serve("--config", config(tmp_path / "alone_b.toml", b_db))
    api = openapi_check.load(s)
    fleet = assert_fleet_usage(s, api, (alone_a, alone_b), window_now())
    assert fleet["total"]["requests"] == fake.bill.requests, (fleet["total"], fake.bill.requests)


def test_a_workspace_only_other_hosts_used_has_its_default_budget(tmp_path, fake, serve, redis):
    """Issue 18: host b alone used beta and gamma (host a's history never saw them) and the fleet
    kept no status for them (host b's own config has no budget on them, so nothing was published):
    host a's serve lists them with the default budget of host a's config, used from the fleet's
    counts, and beta, used up, is exhausted on the status endpoint. The same serve without the fleet
    cannot know them."""
    a_db, a_cfg, b_db, b_cfg, a, b = two_hosts(tmp_path, fake, redis)
    a_cfg.write_text(a_cfg.read_text() + "[budgets.workspace]\nrequests_per_day = 3\n"
                     "[budgets.workspaces.own]\nrequests_per_day = 50\n")
    assert a.run(calls=1, workspace="acme", config=a_cfg)["ok"] == 1
    assert b.run(calls=3, workspace="beta", config=b_cfg)["ok"] == 3
    assert b.run(calls=1, workspace="gamma", config=b_cfg)["ok"] == 1
    assert b.run(calls=2, workspace="own", config=b_cfg)["ok"] == 2
    assert redis.cli("KEYS", f"{NAMESPACE}:keep:*").split() == []  # no status kept for them

    s = serve("--config", a_cfg)
    alone_cfg = config(tmp_path / "alone.toml", a_db)  # host a's config without the fleet
    alone_cfg.write_text(alone_cfg.read_text() + "[budgets.workspace]\nrequests_per_day = 3\n")
    alone = serve("--config", alone_cfg)
    api = openapi_check.load(s)

    def day(body, ws):
        return [(b["default_budget"], b["limit"], b["used"], b["remaining"]) for b in body["budgets"]
                if b["workspace"] == ws and b["period"] == "day" and b["metric"] == "requests"]

    budgets = checked(s, api, "/api/v1/quota/budgets")
    assert budgets["source"] == "fleet", budgets
    assert day(budgets, "beta") == [(True, 3, 3, 0)], budgets
    assert day(budgets, "gamma") == [(True, 3, 1, 2)], budgets
    assert day(budgets, "acme") == [(True, 3, 1, 2)], budgets
    assert day(budgets, "own") == [(False, 50, 2, 48)], budgets
    status = checked(s, api, "/api/v1/quota/status")
    (beta,) = [w for w in status["workspaces"] if w["workspace"] == "beta"]
    assert beta["status"] == "exhausted" and beta["error_code"] == "requests_per_day", beta
    assert not [w for w in status["workspaces"] if w["workspace"] == "gamma" and w["status"] != "normal"], status

    # Without the fleet, host a knows acme only (its history).
    budgets = alone.json("/api/v1/quota/budgets")
    assert budgets["source"] == "history" and day(budgets, "acme") == [(True, 3, 1, 2)], budgets
    assert day(budgets, "beta") == [] and day(budgets, "gamma") == [], budgets


def test_live_usage_events_are_the_fleets(tmp_path, fake, serve, redis):
    """With a fleet, the per-second `usage` events are every host's (source: fleet): host b's calls
    show on host a's serve, with their tokens, workspaces and models, and host a's calls once (not
    also as this host's)."""
    a_db, a_cfg, b_db, b_cfg, a, b = two_hosts(tmp_path, fake, redis)
    s = serve("--config", a_cfg)
    api = openapi_check.load(s)
    wait_for(lambda: json.loads(s.get("/api/v1/health")[2])["redis"]["reachable"])  # 503 until host a has a history
    events = SseClient(s.url + "/api/v1/events")
    try:
        wait_for(lambda: events.of("hello"))
        time.sleep(1.5)  # serve's first read of the buckets (once a second) is what was there, not news
        sent_a = a.run(calls=2, workspace="acme", config=a_cfg)
        sent_b = b.run(calls=4, workspace="beta", model="gpt-4o-mini", config=b_cfg)
        want = {"calls": 6, "input_tokens": sent_a["input_tokens"] + sent_b["input_tokens"],
                "output_tokens": sent_a["output_tokens"] + sent_b["output_tokens"]}

        def total():
            got = {k: sum(e["data"][k] for e in events.of("usage")) for k in want}
            return got == want and got
        wait_for(total)
        usage = events.of("usage")
        assert {e["data"]["source"] for e in usage} == {"fleet"}, usage
        for e in usage:
            api.validate_component("UsageEvent", e["data"])
        by_ws, by_model = {}, {}
        for e in usage:
            for k, v in e["data"]["by_workspace"].items():
                by_ws[k] = by_ws.get(k, 0) + v
            for k, v in e["data"]["by_model"].items():
                by_model[k] = by_model.get(k, 0) + v
        assert by_ws == {"acme": 2, "beta": 4}, usage
        assert by_model.get("gpt-4o-mini") == 4 and sum(by_model.values()) == 6, usage
        fleet_cost = sum(r["cost_usd"] for r in s.json("/api/v1/quota/usage?by=workspace&since=today")["rows"])
        assert abs(sum(e["data"]["cost_usd"] for e in usage) - fleet_cost) < 1e-6

        # Redis away: this host's ledger again (source: host), per second the calls were made.
        redis.kill()
        wait_for(lambda: not json.loads(s.get("/api/v1/health")[2])["redis"]["reachable"])
        assert a.run(calls=1, workspace="acme", config=a_cfg)["ok"] == 1
        host = wait_for(lambda: [e["data"] for e in events.of("usage") if e["data"]["source"] == "host"])
        assert sum(e["calls"] for e in host) == 1 and host[0]["by_workspace"] == {"acme": 1}, host
        api.validate_component("UsageEvent", host[0])
    finally:
        events.close()
