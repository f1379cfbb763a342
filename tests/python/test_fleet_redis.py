"""The fleet on Redis (issue 17, docs/shared-state.md#fleet): several "hosts" (each its own db and
shared state, so its own segment) of worker processes on one real redis-server on loopback,
started here (with a password, to use AUTH), killed and restarted mid-traffic."""
from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest

from conftest import PINNED_INSTANT, iso_ms
from redis_server import RedisServer, redis  # noqa: F401  (redis: the fixture, plain and TLS)
from test_shared_state import STATUS_NOW, Workers, status_json

NAMESPACE = "qgtest"


def fleet_requests(redis: RedisServer, entity: str = "*", prefix: str = NAMESPACE) -> int:
    """prefix: the keys' (a cluster's: "{qgtest}", docs/shared-state.md#cluster)."""
    day = iso_ms(PINNED_INSTANT) // 86_400_000
    return int(redis.cli("HGET", f"{prefix}:use:{entity}:day:{day}", "r") or 0)


def host(tmp: Path, name: str, redis_url: str, extra: str = "") -> Path:
    """One host: its own db and shared state, the fleet's Redis."""
    d = tmp / name
    d.mkdir()
    cfg = d / "quotaguard.toml"
    cfg.write_text(f'[tracker]\ndb = "{d / "history.db"}"\nflush_interval_ms = 100\nredis = "{redis_url}"\n'
                   f'redis_namespace = "{NAMESPACE}"\nredis_sync_ms = 5\n[alerts]\njsonl = "{d / "alerts.jsonl"}"\n{extra}')
    return cfg


def fleet_alerts(tmp: Path, kind: str = "status") -> list[dict]:
    out = []
    for path in tmp.glob("*/alerts.jsonl"):
        out += [a for a in map(json.loads, path.read_text().splitlines()) if a["kind"] == kind]
    return out


BUDGET, HOSTS, PER_HOST, CALLS = 80, 2, 2, 40
# Each process may be one sync interval, a round trip and its sync thread's scheduling delay behind
# the others (docs/shared-state.md#fleet): a bound in time, not in calls. On this shared 2-core
# machine (load 10-14) the measured overshoot was 5 to 31 calls; the bound asserted is 15 calls
# per other process, and the figure is printed.
OVERSHOOT = (HOSTS * PER_HOST - 1) * 15


def test_fleet_budget_holds_across_hosts(tmp_path, server, redis):
    budget = f"[budgets.global]\nrequests_per_day = {BUDGET}\n"
    hosts = [Workers(tmp_path, server.base_url, host(tmp_path, f"host{h}", redis.url, budget)) for h in range(HOSTS)]
    for h, w in enumerate(hosts):
        w.go = tmp_path / "go"  # one start signal for the whole fleet
        for i in range(PER_HOST):
            w.start(f"sk-{h}-{i}", CALLS)
    (tmp_path / "go").touch()
    counts = [c for w in hosts for c in w.finish_all().values()]
    sent = server.bill.requests
    print(f"\nfleet budget {BUDGET}: {sent} requests reached the API ({HOSTS} hosts x {PER_HOST} workers)")
    assert sum(c["ok"] for c in counts) == sent
    assert BUDGET <= sent <= BUDGET + OVERSHOOT, counts
    assert fleet_requests(redis) == sent  # every answered call counted once, fleet-wide
    exhausted = Counter(a["workspace"] for a in fleet_alerts(tmp_path) if a["status"] == "exhausted")
    assert exhausted["*"] == 1, exhausted  # one alert for the fleet


def test_quota_error_on_one_host_blocks_every_host(tmp_path, server, redis, quotaguard_cli):
    server.set(quota_after=5)
    a = Workers(tmp_path, server.base_url, host(tmp_path, "a", redis.url))
    b = Workers(tmp_path, server.base_url, host(tmp_path, "b", redis.url))
    for i in range(2):
        b.start(f"sk-b-{i}", 3)  # running before the exhaustion, waiting for the go file
    a.start("sk-a", 6, gated=False)
    assert a.finish("sk-a") == {"ok": 5, "blocked": 0, "quota": 1, "other": 0}
    seen = server.bill.requests
    # Host b hears it over pub/sub: its shared state says so (the figure is printed).
    t0 = time.monotonic()
    while True:
        _, st = status_json(quotaguard_cli, tmp_path / "b")
        if any(e["workspace"] == "account:primary" and e["status"] == "exhausted" for e in st["workspaces"]):
            break
        assert time.monotonic() - t0 < 30, st
        time.sleep(0.005)
    print(f"\nhost b knew of host a's insufficient_quota within {1000 * (time.monotonic() - t0):.1f} ms of a's exit")
    b.release()
    counts = b.finish_all()
    c = Workers(tmp_path, server.base_url, host(tmp_path, "c", redis.url))  # a host started afterwards
    c.start("sk-c", 2, gated=False)
    counts["sk-c"] = c.finish("sk-c")
    assert server.bill.requests == seen, counts
    assert all(x["ok"] == x["quota"] == 0 and x["blocked"] > 0 for x in counts.values()), counts
    exhausted = Counter(a["workspace"] for a in fleet_alerts(tmp_path) if a["status"] == "exhausted")
    assert exhausted["*"] == 1, exhausted


def test_quota_error_under_concurrent_traffic_across_hosts(tmp_path, server, redis):
    """Every host busy when the account runs dry: a worker may have one call in flight when the
    first 429 is answered, or send one before it hears of it (from its own host's state, from
    the fleet's pub/sub, or from its own 429). After that nothing more reaches the API. The
    figures, per host, are printed (docs/shared-state.md#fleet)."""
    server.set(quota_after=30)
    hosts = [Workers(tmp_path, server.base_url, host(tmp_path, f"host{h}", redis.url)) for h in range(HOSTS)]
    for h, w in enumerate(hosts):
        w.go = tmp_path / "go"
        for i in range(PER_HOST):
            w.start(f"sk-{h}-{i}", 25)
    (tmp_path / "go").touch()
    counts = {k: c for w in hosts for k, c in w.finish_all().items()}
    first = server.bill.first_quota_ns
    after = [(sent, key) for arrived, sent, _, key in server.bill.arrivals if arrived > first]
    assert all(sent > 0 for sent, _ in after)  # (every request says when it left)
    per_host = Counter(key.split("-")[1] for _, key in after)
    sent_after = Counter(key.split("-")[1] for sent, key in after if sent > first)
    quota_answers = sum(c["quota"] for c in counts.values())
    print(f"\n{HOSTS} hosts x {PER_HOST} workers: {quota_answers} quota answers; reached the API after its "
          f"first quota error, per host: {dict(sorted(per_host.items()))} "
          f"(sent after it: {dict(sorted(sent_after.items()))})")
    assert server.bill.requests == 30 + quota_answers
    # Each worker meets at most one 429 of its own; then it, and every worker it shares a host
    # with, is blocked. So at most one request per worker after the first error, and the fleet
    # blocks the rest: nothing else reaches the API.
    assert all(c["quota"] <= 1 for c in counts.values()), counts
    assert 1 <= quota_answers <= HOSTS * PER_HOST
    assert all(n <= PER_HOST for n in per_host.values()), per_host
    assert sum(c["ok"] for c in counts.values()) == 30
    exhausted = Counter(a["workspace"] for a in fleet_alerts(tmp_path) if a["status"] == "exhausted")
    assert exhausted["*"] == 1, exhausted


def test_redis_killed_and_restarted_mid_traffic(tmp_path, server, redis):
    """Redis SIGKILLed while workers send, then started again: the workers keep going (and
    enforcing), say they are degraded, and what they counted meanwhile reaches the fleet when it
    is back -- from a worker still running, and (spooled beside the host's state) from one that
    exited while Redis was away, pushed by the next process of the host. The fleet's count equals
    what the API billed: nothing lost, nothing counted twice (a push retried after a lost reply
    is recognised by its batch id)."""
    cfg = host(tmp_path, "a", redis.url)
    w = Workers(tmp_path, server.base_url, cfg)
    long = w.start("sk-long", 400)
    short = Workers(tmp_path, server.base_url, cfg)
    short.start("sk-short", 30)
    w.release()
    for _ in range(15):
        assert long.stdout.readline()
    redis.kill()
    short.release()
    assert short.finish("sk-short")["ok"] == 30  # all of it while Redis is away, then exits
    assert list((tmp_path / "a" / "history.db.state.fleet").glob("*.batch"))
    redis.start()
    assert long.stdout.readline()  # still sending when Redis is back
    assert w.finish("sk-long")["ok"] == 400
    later = Workers(tmp_path, server.base_url, cfg)  # the next process of the host
    later.start("sk-later", 3, gated=False)
    assert later.finish("sk-later")["ok"] == 3
    assert server.bill.requests == 433
    assert fleet_requests(redis) == 433
    assert not list((tmp_path / "a" / "history.db.state.fleet").glob("*.batch"))
    fleet = fleet_alerts(tmp_path, "fleet")
    assert any(a["code"] == "redis_unreachable" for a in fleet), fleet
    assert any(a["code"] == "redis_reachable" for a in fleet), fleet
    status = fleet_alerts(tmp_path)
    assert any(a["workspace"] == "*" and a["status"] == "degraded" for a in status)
    assert any(a["workspace"] == "*" and a["previous"] == "degraded" and a["status"] == "normal" for a in status)


def test_redis_urls(tmp_path):
    import quotaguard

    with pytest.raises(quotaguard.ConfigError, match="unknown option 'ssl_ca'.*ssl_ca_certs"):
        quotaguard.configure(redis="rediss://h:6380?ssl_ca=/x.pem")
    with pytest.raises(quotaguard.ConfigError, match="ssl_cert_reqs is 'required' or 'none'"):
        quotaguard.configure(redis="rediss://h:6380?ssl_cert_reqs=maybe")
    with pytest.raises(quotaguard.ConfigError, match="port"):
        quotaguard.configure(redis="redis://h:notaport")
    with pytest.raises(quotaguard.ConfigError, match="redis:// URL"):
        quotaguard.configure(redis="http://h")


def _degraded_because(tmp_path, url: str, counted=None, server=None) -> str:
    """The reason a host with this fleet URL gives for being degraded (its first fleet alert);
    with a server, "" once a call made through it is counted in the fleet's Redis (`counted`)."""
    import httpx

    import quotaguard

    tmp_path.mkdir(parents=True, exist_ok=True)
    quotaguard.configure(str(host(tmp_path, "h", url)))
    try:
        if server is not None:
            with quotaguard.instrument_http_client(httpx.Client()) as c:
                c.post(server.base_url + "/embeddings", json={"model": "text-embedding-3-small", "input": "x"})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            found = [a for a in fleet_alerts(tmp_path, "fleet") if a["code"] == "redis_unreachable"]
            if found:
                return found[0]["message"]
            if counted is not None and counted():
                return ""
            time.sleep(0.02)
        return "(nothing within 20 s)"
    finally:
        quotaguard.configure()


def test_tls_server_not_trusted_is_refused_and_said(tmp_path, server):
    """A TLS Redis whose certificate no trusted CA signed is never talked to, and the degraded
    alert says why; with verification turned off (ssl_cert_reqs=none) the same server is used."""
    from redis_server import PASSWORD, make_certificates

    r = RedisServer(tmp_path, tls="server")
    try:
        other = tmp_path / "other"
        other.mkdir()
        make_certificates(other)  # a CA that did not sign the server's certificate
        base = f"rediss://:{PASSWORD}@127.0.0.1:{r.port}/0"
        why = _degraded_because(tmp_path / "a", f"{base}?ssl_ca_certs={other / 'ca.pem'}")
        assert "not trusted" in why and "certificate" in why, why
        assert r.cli("KEYS", f"{NAMESPACE}:*") == ""  # nothing written by a host that could not trust it
        why = _degraded_because(tmp_path / "b", f"{base}?ssl_cert_reqs=none", lambda: r.cli("KEYS", f"{NAMESPACE}:use:*") != "", server)
        assert why == "", why  # reached: the call is counted fleet-wide
        why = _degraded_because(tmp_path / "c", f"{base}?ssl_ca_certs={r.certs / 'ca.pem'}&ssl_server_name=redis.example")
        assert "not trusted" in why and "hostname" in why, why  # the certificate names 127.0.0.1 and localhost
    finally:
        r.kill()
