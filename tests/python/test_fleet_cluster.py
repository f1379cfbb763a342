"""The fleet on Redis Cluster (docs/shared-state.md#cluster): two hosts, one worker process each (the
real openai SDK through quotaguard's factory, against the loopback fake), share a fleet budget
through a redis+cluster:// URL -- the first node it names is down -- on a real cluster of 3 masters
and their replicas (tests/python/redis_server.py). The fleet's keys are all in the slot of its hash
tag, {qgtest}; that slot's master fails over mid-traffic (CLUSTER FAILOVER on its replica, or the
master SIGKILLed): the trackers follow the slot to its new master, and its counts are exactly what
the API was sent (nothing lost, nothing pushed twice), the budget held across it."""
from __future__ import annotations

import time
from collections import Counter

from redis_server import redis_cluster  # noqa: F401  (the fixture)
from test_fleet_redis import NAMESPACE, fleet_alerts, fleet_requests, host
from test_fleet_sentinel import fleet_through_a_switch
from test_shared_state import Workers, status_json

PREFIX = "{" + NAMESPACE + "}"  # the namespace as a cluster's hash tag


def test_fleet_budget_holds_on_a_cluster(tmp_path, server, redis_cluster):
    """No failover: the budget holds fleet-wide, every call counted once in the fleet's slot (and
    no key of the fleet outside it), one exhaustion alert for the fleet."""
    budget = "[budgets.global]\nrequests_per_day = 60\n"
    hosts = [Workers(tmp_path, server.base_url, host(tmp_path, f"host{h}", redis_cluster.url, budget)) for h in range(2)]
    for h, w in enumerate(hosts):
        w.go = tmp_path / "go"
        w.start(f"sk-{h}", 50)
    (tmp_path / "go").touch()
    counts = [c for w in hosts for c in w.finish_all().values()]
    sent = server.bill.requests
    master = redis_cluster.master(PREFIX)
    counted = fleet_requests(master, prefix=PREFIX)
    print(f"\ncluster, budget 60: {sent} requests sent, {counted} counted in slot of {PREFIX} on :{master.port}")
    assert sum(c["ok"] for c in counts) == sent
    assert counted == sent
    assert 60 <= sent <= 60 + 15, counts  # one other process: test_fleet_redis.py's bound
    keys = [k for s in redis_cluster.servers if "master" in s.cli("ROLE") for k in s.cli("KEYS", "*qgtest*").split()]
    assert keys and all(k.startswith(PREFIX + ":") for k in keys), keys
    assert len(keys) == len(master.cli("KEYS", "*qgtest*").split())  # all on the slot's master
    exhausted = Counter(a["workspace"] for a in fleet_alerts(tmp_path) if a["status"] == "exhausted")
    assert exhausted["*"] == 1, exhausted


def test_quota_error_on_one_host_reaches_the_other_through_the_cluster(tmp_path, server, redis_cluster, quotaguard_cli):
    """An insufficient_quota on host a is published on the fleet's channel; host b, subscribed
    through the cluster, is blocked before it sends anything more."""
    server.set(quota_after=3)
    a = Workers(tmp_path, server.base_url, host(tmp_path, "a", redis_cluster.url))
    b = Workers(tmp_path, server.base_url, host(tmp_path, "b", redis_cluster.url))
    b.start("sk-b", 3)  # running, waiting for the go file
    a.start("sk-a", 4, gated=False)
    assert a.finish("sk-a") == {"ok": 3, "blocked": 0, "quota": 1, "other": 0}
    seen = server.bill.requests
    deadline = time.monotonic() + 30
    while True:
        _, st = status_json(quotaguard_cli, tmp_path / "b")
        if any(e["workspace"] == "account:primary" and e["status"] == "exhausted" for e in st["workspaces"]):
            break
        assert time.monotonic() < deadline, st
        time.sleep(0.01)
    b.release()
    assert b.finish("sk-b") == {"ok": 0, "blocked": 3, "quota": 0, "other": 0}
    assert server.bill.requests == seen


def test_fleet_follows_a_cluster_failover_mid_traffic(tmp_path, server, redis_cluster, monkeypatch):
    """CLUSTER FAILOVER: the demoted master answers MOVED, which the trackers follow at once to the
    new master (the round is made again there): never degraded."""
    def failover(old):
        assert redis_cluster.replica_of(old).cli("CLUSTER", "FAILOVER") == "OK"

    monkeypatch.setenv("QG_TEST_DELAY_MS", "20")
    fleet_through_a_switch(tmp_path, server, redis_cluster, failover, prefix=PREFIX)
    degraded = [a["message"] for a in fleet_alerts(tmp_path, "fleet") if a["code"] == "redis_unreachable"]
    assert not degraded, degraded


def test_fleet_follows_the_cluster_when_the_slots_master_is_killed(tmp_path, server, redis_cluster, monkeypatch):
    """The slot's master SIGKILLed mid-traffic: the trackers are degraded until its replica took the
    slot over (the node timeout is 1 s), then push what waited to it, and again what the killed
    master had not confirmed to a replica (WAIT); the new master has no replica left."""
    monkeypatch.setenv("QG_TEST_DELAY_MS", "20")
    fleet_through_a_switch(tmp_path, server, redis_cluster, lambda old: old.kill(), prefix=PREFIX)
    assert any(a["code"] == "redis_unreachable" for a in fleet_alerts(tmp_path, "fleet"))
