"""Reconciliation against the fleet (docs/serve.md#reconciliation): two hosts of tracked workers on
one real redis-server and a plain SDK client that no tracker sees, all against the loopback fake;
serve with `--reconcile` runs on host a only. The tracked side must be what every host tracked (the
fleet's hourly usage buckets), so the untracked share comes out exactly; with host a's history
alone, host b's traffic would read as dark traffic. Redis away: host a's history, said so."""
import os

import openapi_check
from conftest import wait_for
from redis_server import redis  # noqa: F401  (the fixture)
from sse_client import SseClient
from test_fleet import config, two_hosts
from test_reconcile import ADMIN, UNTRACKED_KEY, _key_id, _untracked_traffic


def by_model(r):
    out = {}
    for h in r["hours"]:
        row = out.setdefault(h["model"], {"billed": 0, "tracked": 0, "untracked": 0})
        for c in ("billed", "tracked", "untracked"):
            row[c] += h[c + "_tokens"]
    return out


def reconciling(serve, fake, cfg):
    env = dict(os.environ, OPENAI_ADMIN_KEY=ADMIN)
    return serve("--config", cfg, "--reconcile", "--openai-base-url", fake.base_url, "--reconcile-every", "1",
                 "--poll-ms", "50", "--dark-traffic-tokens", "1", env=env)


def test_the_tracked_side_is_every_hosts(tmp_path, fake, serve, redis):
    a_db, a_cfg, b_db, b_cfg, a, b = two_hosts(tmp_path, fake, redis)
    sent_a = a.run(calls=3, workspace="acme", config=a_cfg)
    sent_b = b.run(calls=4, workspace="beta", config=b_cfg)
    sent_b_mini = b.run(calls=2, workspace="beta", model="gpt-4o-mini", config=b_cfg)
    s = reconciling(serve, fake, a_cfg)
    alone = reconciling(serve, fake, config(tmp_path / "alone.toml", a_db))  # host a without the fleet
    api = openapi_check.load(s)
    events = SseClient(s.url + "/api/v1/events")
    try:
        wait_for(lambda: events.of("hello"))
        # Then traffic no tracked client sends (as in test_reconcile.py: after the stream began).
        untracked = _untracked_traffic(fake)
        tokens = {k: v["input_tokens"] + v["output_tokens"] for k, v in (("a", sent_a), ("b", sent_b), ("mini", sent_b_mini))}
        bill = fake.bill.snapshot()
        billed = bill["input"] + bill["output"]
        assert billed == sum(tokens.values()) + sum(untracked.values())  # the fake's own bill: the ground truth

        r = wait_for(lambda: (j := s.json("/api/v1/reconciliation"))["polled_ms"] and j["tokens"]["billed"] == billed and j)
        api.validate_component("Reconciliation", r)
        assert r["error"] is None and r["source"] == "fleet" and r["degraded"] is False and r["note"] is None, r
        assert r["tokens"]["billed"] == billed
        assert r["tokens"]["tracked"] == sum(tokens.values()), r["tokens"]
        assert r["tokens"]["untracked"] == sum(untracked.values()), r["tokens"]
        models = by_model(r)
        assert models["gpt-4o"] == {"billed": tokens["a"] + tokens["b"] + untracked["gpt-4o"],
                                    "tracked": tokens["a"] + tokens["b"], "untracked": untracked["gpt-4o"]}, models
        assert models["gpt-4o-mini"] == {"billed": tokens["mini"], "tracked": tokens["mini"], "untracked": 0}, models
        assert models["text-embedding-3-small"]["untracked"] == untracked["text-embedding-3-small"], models
        assert {d["model"] for d in r["dark_traffic"]} == {"gpt-4o", "text-embedding-3-small"}, r["dark_traffic"]
        # The dark traffic is the plain client's key alone; the alerts name it, and only it.
        alerts = wait_for(lambda: len(x := [e["data"] for e in events.of("alert") if e["data"]["kind"] == "dark_traffic"]) >= 2 and x)
        chat = next(x for x in alerts if x["model"] == "gpt-4o")
        assert chat["untracked_tokens"] == untracked["gpt-4o"] and _key_id(UNTRACKED_KEY) in chat["message"], chat
        assert {x["model"] for x in alerts} == {"gpt-4o", "text-embedding-3-small"}, alerts
        day = r["days"][-1]
        assert 0 < day["tracked_usd"] < day["billed_usd"], day

        # Host a's history alone (no fleet): host b's traffic looks like dark traffic -- what the
        # fleet's buckets put right.
        lone = wait_for(lambda: (j := alone.json("/api/v1/reconciliation"))["polled_ms"] and j["tokens"]["billed"] == billed and j)
        assert lone["source"] == "history" and lone["degraded"] is False, lone
        assert lone["tokens"]["tracked"] == tokens["a"], lone["tokens"]
        assert by_model(lone)["gpt-4o-mini"]["untracked"] == tokens["mini"], lone

        # Redis away: the next poll is host a's history, degraded, with the reason.
        redis.kill()
        polled = r["polled_ms"]
        down = wait_for(lambda: (j := s.json("/api/v1/reconciliation"))["polled_ms"] > polled and j["source"] == "history" and j, timeout=30)
        api.validate_component("Reconciliation", down)
        assert down["degraded"] is True and "history" in down["note"], down
        assert down["tokens"]["tracked"] == tokens["a"], down["tokens"]
    finally:
        events.close()

