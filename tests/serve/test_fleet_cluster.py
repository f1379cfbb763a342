"""`quotaguard serve --redis <cluster URL>` (docs/serve.md#fleet): host a's and host b's trackers
reach the fleet through a Redis Cluster (tests/python/redis_server.py: 3 masters and their
replicas), and serve, started on host a's history with the same redis+cluster:// URL, answers the
budgets from the fleet -- host b's calls included -- and again after the fleet's slot failed over."""
import time

from redis_server import redis_cluster  # noqa: F401  (the fixture)
from test_fleet import day_requests
from test_fleet_sentinel import serve_on_the_fleet


def test_serve_reads_the_fleet_through_a_cluster(tmp_path, fake, serve, redis_cluster):
    s = serve_on_the_fleet(tmp_path, fake, serve, redis_cluster.url, "redis+cluster")
    # The fleet's slot fails over to its replica: every answer, during the switch and for a while
    # after it (before and after serve's once-a-second look at the slot map), is the fleet's same
    # counts: a MOVED from the demoted master is followed at once, not answered as zeros or away.
    old = redis_cluster.master()
    assert redis_cluster.replica_of(old).cli("CLUSTER", "FAILOVER") == "OK"
    deadline, switched = time.monotonic() + 30, None
    while switched is None or time.monotonic() < switched + 1.5:
        budgets = s.json("/api/v1/quota/budgets")
        assert budgets["source"] == "fleet" and day_requests(budgets) == 8, budgets
        if switched is None and "slave" in old.cli("ROLE"):
            switched = time.monotonic()
        assert time.monotonic() < deadline, "no failover"
        time.sleep(0.02)  # within serve's rate limit
    assert redis_cluster.master().port != old.port
