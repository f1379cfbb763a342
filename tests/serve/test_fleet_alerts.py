"""The fleet's alerts in one order (docs/serve.md#fleet-alert-ids): each alert a tracker claims is
kept on `<ns>:alerts` with a fleet id (INCR of `<ns>:alerts:seq`, in the same script as the push),
so a UI pages and resumes with `after_fleet_id`, and serve pushes an alert claimed on another host
as a live `alert` event, once. Two hosts on one real redis-server, serve on host a only."""
import time

import openapi_check
from conftest import wait_for
from redis_server import redis  # noqa: F401  (the fixture)
from sse_client import SseClient
from test_fleet import NAMESPACE, checked, two_hosts


def exhausted(alerts):
    return [x for x in alerts if x["kind"] == "status" and x["status"] == "exhausted"]


def test_an_alert_on_another_host_is_paged_and_pushed_once(tmp_path, fake, serve, redis):
    a_db, a_cfg, b_db, b_cfg, a, b = two_hosts(tmp_path, fake, redis)
    assert a.run(calls=2, workspace="acme", config=a_cfg)["ok"] == 2
    s = serve("--config", a_cfg, "--poll-ms", "50")
    api = openapi_check.load(s)
    before = checked(s, api, "/api/v1/quota/alerts?after_fleet_id=0")["alerts"]
    cursor = max((x["fleet_id"] for x in before), default=0)
    events = SseClient(s.url + "/api/v1/events")
    try:
        wait_for(lambda: events.of("hello"))
        fake.set(quota_after=fake.bill.requests)
        # Two processes of host b see it: each event is claimed, kept and numbered once.
        assert b.run(calls=1, workspace="beta", config=b_cfg)["quota_errors"] == 1
        b.run(calls=1, workspace="beta", config=b_cfg)

        # Paged in the fleet's order: oldest first, ids increasing, each event once.
        page = wait_for(lambda: exhausted(p := checked(s, api, f"/api/v1/quota/alerts?after_fleet_id={cursor}")["alerts"]) and p)
        ids = [x["fleet_id"] for x in page]
        assert ids == sorted(set(ids)) and ids[0] > cursor, page
        assert all(x["source"] == "fleet" and x["id"] == 0 for x in page), page
        assert len({(x["kind"], x["workspace"], x["status"]) for x in page}) == len(page), page
        kept = int(redis.cli("GET", f"{NAMESPACE}:alerts:seq").strip())
        assert ids[-1] == kept, (ids, kept)
        # Resumed a page of one at a time: the same alerts, in the same order; then nothing new.
        resumed, at = [], cursor
        while more := checked(s, api, f"/api/v1/quota/alerts?after_fleet_id={at}&limit=1")["alerts"]:
            resumed += more
            at = more[-1]["fleet_id"]
        assert resumed == page
        # The recent list (no paging) gives the same alerts their fleet ids.
        recent = {x["fleet_id"] for x in checked(s, api, "/api/v1/quota/alerts")["alerts"]}
        assert set(ids) <= recent, (ids, recent)

        # Live: each of host b's alerts arrives on host a's stream as an `alert` event, once.
        wait_for(lambda: {e["data"]["fleet_id"] for e in events.of("alert")} >= set(ids))
        time.sleep(1)  # 20 more polls: none may repeat an alert
        live = [e["data"] for e in events.of("alert")]
        assert sorted(x["fleet_id"] for x in live) == ids, live
        for x in live:
            api.validate_component("Alert", x)
            assert x["source"] == "fleet" and x in page, x
    finally:
        events.close()

    # Both orders cannot be asked at once; the fleet's is not there without a fleet.
    assert s.json("/api/v1/quota/alerts?after_id=0&after_fleet_id=0", 400)["error"]["parameter"] == "after_fleet_id"
    alone = serve("--db", a_db)
    assert alone.json("/api/v1/quota/alerts?after_fleet_id=0", 400)["error"]["parameter"] == "after_fleet_id"


def test_this_hosts_own_alert_arrives_once_as_this_hosts(tmp_path, fake, serve, redis):
    """Host a's own alert is both in its history and on the fleet's list (host a claimed it): its
    serve gives it once, as this host's (its history id, and its fleet id), on the page and live."""
    a_db, a_cfg, b_db, b_cfg, a, b = two_hosts(tmp_path, fake, redis)
    s = serve("--config", a_cfg, "--poll-ms", "50")
    api = openapi_check.load(s)
    events = SseClient(s.url + "/api/v1/events")
    try:
        wait_for(lambda: events.of("hello"))
        fake.set(quota_after=fake.bill.requests)
        assert a.run(calls=1, workspace="acme", config=a_cfg)["quota_errors"] == 1
        page = wait_for(lambda: exhausted(p := checked(s, api, "/api/v1/quota/alerts?after_fleet_id=0")["alerts"])
                        and all(x["source"] == "host" for x in p) and p)
        assert all(x["id"] > 0 and x["fleet_id"] > 0 for x in page), page
        wait_for(lambda: len(events.of("alert")) >= len(page))
        time.sleep(1)  # 20 more polls: the fleet's copy of each must not follow
        live = [e["data"] for e in events.of("alert")]
        assert all(x["source"] == "host" for x in live), live
        assert sorted(x["id"] for x in live) == sorted(x["id"] for x in page), (live, page)
    finally:
        events.close()

    # Redis away: the fleet's order cannot be read -- a 503, not an empty page ("nothing new").
    redis.kill()
    wait_for(lambda: s.json("/api/v1/health")["status"] == "degraded")
    body = s.json("/api/v1/quota/alerts?after_fleet_id=0", 503)
    api.validate("/api/v1/quota/alerts", 503, body)
    assert "cannot be read" in body["error"]["message"], body
