"""The fleet on Redis Sentinel (docs/shared-state.md#sentinel): two hosts, one worker process each
(the real openai SDK through quotaguard's factory, against the loopback fake), share a fleet budget
through a sentinel URL -- the first sentinel it names is down, the second watches a real master and
its replica (tests/python/redis_server.py). The sentinel fails the master over mid-traffic: the
trackers follow it to the promoted replica, and its counts are exactly what the API was sent
(nothing lost on the demoted master, nothing pushed twice), the budget held across it; and the
same when the master is killed instead."""
from __future__ import annotations

import json
import time

from redis_server import MASTER_NAME, sentinel_fleet  # noqa: F401  (sentinel_fleet: the fixture)
from test_fleet_redis import fleet_alerts, fleet_requests, host
from test_shared_state import Workers

# Paced (the fake answers each call 20 ms late), so that the failover (1-3 s) happens well before
# the budget runs out: the budget is then judged on the new master, with the usual bound (one
# other process: 15 calls, as test_fleet_redis.py allows per other process).
BUDGET, CALLS, OVERSHOOT = 400, 250, 15


def fleet_through_a_switch(tmp_path, server, f, switch, prefix: str = "qgtest") -> str:
    """Two hosts' workers on the sentinel URL (or a cluster's: test_fleet_cluster.py; its keys
    under `prefix`); switch(old master) mid-traffic, then wait until the sentinel names the other
    server; the figures, once everything is checked."""
    old = f.master()
    budget = f"[budgets.global]\nrequests_per_day = {BUDGET}\n"
    hosts = [Workers(tmp_path, server.base_url, host(tmp_path, f"host{h}", f.url, budget)) for h in range(2)]
    for h, w in enumerate(hosts):
        w.go = tmp_path / "go"
        w.start(f"sk-{h}", CALLS)
    (tmp_path / "go").touch()
    procs = [w.procs[f"sk-{h}"] for h, w in enumerate(hosts)]
    for p in procs:
        for _ in range(20):
            assert p.stdout.readline()
    deadline = time.monotonic() + 20
    while fleet_requests(old, prefix=prefix) == 0:  # the fleet is on the first master
        assert time.monotonic() < deadline, "nothing counted on the master"
        time.sleep(0.02)
    switch(old)
    deadline = time.monotonic() + 30
    while f.master().port == old.port:
        assert time.monotonic() < deadline, "no failover"
        time.sleep(0.02)
    new = f.master()
    assert new is not old
    switched = [json.loads(p.stdout.readline()) for p in procs]  # still sending after the switch
    assert all(c["ok"] + c["blocked"] < CALLS for c in switched), switched
    counts = [c for w in hosts for c in w.finish_all().values()]
    sent = server.bill.requests
    counted = fleet_requests(new, prefix=prefix)
    degraded = [a for a in fleet_alerts(tmp_path, "fleet") if a["code"] == "redis_unreachable"]
    figures = (f"{sent} requests sent, {counted} counted on the new master ({sum(c['blocked'] for c in counts)} "
               f"blocked by the budget of {BUDGET}; {len(degraded)} degraded alert(s) during the switch)")
    print("\n" + figures)
    assert not list(tmp_path.glob("*/history.db.state.fleet/*.batch"))  # nothing left to push
    assert sum(c["ok"] for c in counts) == sent
    assert counted == sent, figures  # nothing lost on the old master, nothing counted twice
    assert BUDGET <= sent <= BUDGET + OVERSHOOT, counts
    return figures


def test_fleet_follows_a_sentinel_failover_mid_traffic(tmp_path, server, sentinel_fleet, monkeypatch):
    def failover(old):
        assert sentinel_fleet.sentinel.cli("SENTINEL", "failover", MASTER_NAME) == "OK"

    monkeypatch.setenv("QG_TEST_DELAY_MS", "20")
    fleet_through_a_switch(tmp_path, server, sentinel_fleet, failover)


def test_fleet_follows_the_sentinel_when_the_master_is_killed(tmp_path, server, sentinel_fleet, monkeypatch):
    """The master SIGKILLed mid-traffic: the trackers are degraded until the sentinel has promoted
    the replica (down after 500 ms), then push what waited to it; the new master has no replica
    (the old one is gone), so its batches stay unconfirmed, and counted."""
    monkeypatch.setenv("QG_TEST_DELAY_MS", "20")
    fleet_through_a_switch(tmp_path, server, sentinel_fleet, lambda old: old.kill())
    assert any(a["code"] == "redis_unreachable" for a in fleet_alerts(tmp_path, "fleet"))
    assert any(a["code"] == "redis_reachable" for a in fleet_alerts(tmp_path, "fleet"))
