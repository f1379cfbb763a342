"""`quotaguard serve --redis <sentinel URL>` (docs/serve.md#fleet): host a's and host b's trackers
reach the fleet through a sentinel (tests/python/redis_server.py: a master, its replica, a
sentinel), and serve, started on host a's history with the same sentinel URL, answers the budgets
from the fleet -- host b's calls included."""
from conftest import Workers
from redis_server import sentinel_fleet  # noqa: F401  (the fixture)
from test_fleet import config, day_requests


def serve_on_the_fleet(tmp_path, fake, serve, url, scheme):
    """Hosts a (3 calls) and b (5) on the fleet at `url`, then serve on a's history and the same
    URL: its budgets are the fleet's (8, where a's history has 3), its address the URL's `scheme`
    without credentials. The server, for more."""
    dbs = {}
    for name, calls in (("a", 3), ("b", 5)):
        (tmp_path / name).mkdir()
        dbs[name] = tmp_path / name / "history.db"
        cfg = config(tmp_path / name / "quotaguard.toml", dbs[name], url)
        assert Workers(dbs[name], fake.base_url, tmp_path).run(calls=calls, config=cfg)["ok"] == calls
    s = serve("--config", config(tmp_path / "serve.toml", dbs["a"], url), "--redis", url)
    budgets = s.json("/api/v1/quota/budgets")
    assert budgets["source"] == "fleet" and day_requests(budgets) == 8, budgets
    redis = s.json("/api/v1/health")["redis"]
    assert redis["reachable"] is True and redis["address"].startswith(f"{scheme}://127.0.0.1:"), redis
    assert "s3cret" not in str(redis), redis
    return s


def test_serve_reads_the_fleet_through_a_sentinel(tmp_path, fake, serve, sentinel_fleet):
    serve_on_the_fleet(tmp_path, fake, serve, sentinel_fleet.url, "redis+sentinel")
