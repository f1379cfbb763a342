"""`quotaguard serve` reading the fleet's Redis (docs/serve.md#fleet): two "hosts" (two histories,
two shared states) of tracked worker processes (the real openai SDK through quotaguard's factory,
against the loopback fake) on one real redis-server; serve runs against host a only, and must show
the whole fleet -- host b's usage in the budgets, host b's insufficient_quota in the statuses and on
the live events -- and keep answering, degraded, while Redis is away."""
import re

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
    api.validate(path, status, body)
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
