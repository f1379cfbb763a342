"""Live events of `quotaguard serve` (Server-Sent Events): per-second usage that adds up to what
the workers sent, alerts and status changes after the fake's first insufficient_quota, ids that
only grow, a reconnecting client that misses nothing, heartbeats, and a reset for stale ids."""
import openapi_check
from conftest import wait_for
from sse_client import SseClient

SERVE_ARGS = ("--poll-ms", "50", "--heartbeat-ms", "300")
KEYED = ("status", "alert", "usage")


def _open(s, **kw):
    c = SseClient(s.url + "/api/v1/events", **kw)
    assert c.status == 200
    return c


def test_usage_alerts_and_status_as_they_happen(fake, workers, serve):
    workers.run(calls=1)  # a history to serve
    s = serve("--db", workers.db, *SERVE_ARGS)
    api = openapi_check.load(s)
    c = _open(s)
    try:
        hello = wait_for(lambda: c.of("hello"))[0]
        assert int(hello["id"]) == hello["data"]["last_event_id"]
        sent = workers.run(workspace="acme", model="gpt-4o", calls=5)
        usage = wait_for(lambda: (u := c.of("usage")) and sum(e["data"]["calls"] for e in u) >= 5 and u)
        assert sum(e["data"]["calls"] for e in usage) == 5
        assert sum(e["data"]["input_tokens"] for e in usage) == sent["input_tokens"]
        assert sum(e["data"]["output_tokens"] for e in usage) == sent["output_tokens"]
        assert sum(e["data"]["by_model"].get("gpt-4o", 0) for e in usage) == 5
        assert sum(e["data"]["by_key"].get("sk-serve-...(short)", 0) for e in usage) == 5  # the workers' key, by label
        for e in usage:
            api.validate_component("UsageEvent", e["data"])
            assert e["data"]["second_ms"] % 1000 == 0
        assert c.of("status") == []  # nothing changed state

        fake.set(mode="quota")
        workers.run(workspace="beta", calls=2)
        status = wait_for(lambda: [e for e in c.of("status") if e["data"]["workspace"] == "*"])
        assert status[0]["data"]["status"] == "exhausted" and status[0]["data"]["previous"] == "normal"
        # Its cause comes with it, or in the next status event when the alert was written a flush later.
        cause = wait_for(lambda: [e for e in c.of("status") if e["data"]["workspace"] == "*" and e["data"]["error_code"]])
        assert cause[0]["data"]["error_code"] == "insufficient_quota" and cause[0]["data"]["status"] == "exhausted"
        for e in c.of("status"):
            api.validate_component("StatusEvent", e["data"])
        alerts = wait_for(lambda: [e for e in c.of("alert") if e["data"]["code"] == "insufficient_quota"])
        api.validate_component("Alert", alerts[0]["data"])
        # The failed call is usage too: an error in its second.
        wait_for(lambda: sum(e["data"]["errors"] for e in c.of("usage")) == 1)
        wait_for(lambda: sum(e["data"]["blocked"] for e in c.of("usage")) == 1)  # the second call never left
        assert sum(e["data"]["calls"] for e in c.of("usage")) == 6
        ids = [int(e["id"]) for e in c.snapshot() if e["event"] in KEYED]
        assert ids == sorted(ids) and len(set(ids)) == len(ids) and ids[0] > int(hello["id"])
        assert all(e["id"] is None for e in c.snapshot() if e["event"] == "heartbeat")  # (they move no cursor)
    finally:
        c.close()


def test_a_reconnecting_client_misses_nothing(fake, workers, serve):
    workers.run(calls=1)
    s = serve("--db", workers.db, *SERVE_ARGS)
    steady = _open(s)  # connected throughout: the reference
    first = _open(s)
    try:
        start = int(wait_for(lambda: first.of("hello"))[0]["id"])
        wait_for(lambda: steady.of("hello"))
        workers.run(workspace="acme", calls=3)
        got = wait_for(lambda: [e for e in first.snapshot() if e["event"] in KEYED])
        first.close()
        before = [e for e in first.snapshot() if e["event"] in KEYED]
        last = before[-1]["id"]
        # While it is away: more usage, a quota error, its alerts and status changes.
        workers.run(workspace="beta", calls=2)
        fake.set(mode="quota")
        workers.run(workspace="acme", calls=2)
        wait_for(lambda: [e for e in steady.of("status") if e["data"]["workspace"] == "*"])
        for resume in (dict(last_event_id=last), dict(last_event_id=last, query=True)):
            again = _open(s, **resume)
            try:
                want = [(e["id"], e["event"], e["data"]) for e in steady.snapshot() if e["event"] in KEYED and int(e["id"]) > start]
                wait_for(lambda: len([e for e in again.snapshot() if e["event"] in KEYED]) + len(before) >= len(want))
                after = [e for e in again.snapshot() if e["event"] in KEYED]
                assert again.of("reset") == [] and again.of("hello") == []
                assert [(e["id"], e["event"], e["data"]) for e in before + after] == want
                assert {e["event"] for e in after} == {"usage", "alert", "status"}
            finally:
                again.close()
        assert got
    finally:
        steady.close()


def test_heartbeats_and_ids_from_another_run(workers, serve):
    workers.run(calls=1)
    s = serve("--db", workers.db, *SERVE_ARGS)
    idle = _open(s)
    stale = _open(s, last_event_id="5")  # an id no run of this server gives now
    try:
        wait_for(lambda: len(idle.of("heartbeat")) >= 3)
        assert [e["event"] for e in idle.snapshot()][:1] == ["hello"]
        assert [e["event"] for e in stale.snapshot()][:1] == ["reset"]
        assert s.json("/api/v1/health")["events"]["clients"] == 2
    finally:
        idle.close()
        stale.close()
    wait_for(lambda: s.json("/api/v1/health")["events"]["clients"] == 0)  # closed streams are let go
