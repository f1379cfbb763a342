"""Quota exhaustion flips the status at once and fails fast; rate limits clear; policies."""
import asyncio
import json
import threading

import httpx
import pytest

import traffic


def _post(c, server, model="gpt-4o", headers=None):
    """A plain httpx request (no x-stainless-* headers: not one the OpenAI SDK built)."""
    return c.post(server.base_url + "/chat/completions", json={"model": model, "messages": []},
                  headers=headers or {"authorization": "Bearer sk-test"})


@pytest.mark.parametrize("mode", ["quota", "quota2023"])
def test_insufficient_quota_flips_and_fails_fast(qg, server, mode):
    alerts = []
    qg.on_alert(alerts.append)
    try:
        with qg.instrument_http_client(httpx.Client()) as c:
            assert _post(c, server).status_code == 200
            assert qg.status() == "normal"
            server.mode = mode
            r = _post(c, server)
            assert r.status_code == 429
            assert r.headers["x-should-retry"] == "false"  # the SDK must not retry this one
            assert qg.status() == "exhausted"
            seen = server.bill.requests
            with pytest.raises(qg.QuotaExhaustedError) as ei:
                _post(c, server)
            assert server.bill.requests == seen  # never reached the server
            msg = str(ei.value)
            assert "default" in msg and "exhausted since" in msg and "exceeded your current quota" in msg
            # A request the OpenAI SDK built gets an answer its retry loop will not retry, as
            # the SDK retries any exception from a transport.
            r = _post(c, server, headers=traffic.HEADERS)
            assert r.status_code == 429 and r.headers["x-should-retry"] == "false"
            assert r.headers["x-quotaguard-blocked"] == "1" and server.bill.requests == seen
        for _ in range(200):
            if any(a["status"] == "exhausted" for a in alerts):
                break
            threading.Event().wait(0.01)
    finally:
        qg.remove_alert_callback(alerts.append)
    u = qg.usage()["total"]
    assert (u["requests"], u["quota_errors"], u["blocked"]) == (2, 1, 2)
    assert any(a["kind"] == "status" and a["status"] == "exhausted" for a in alerts)


def test_async_fail_fast(qg, server):
    server.mode = "quota"

    async def main():
        async with qg.instrument_http_client(httpx.AsyncClient()) as c:
            r = await c.post(server.base_url + "/embeddings", json={"model": "text-embedding-3-small", "input": "x"})
            assert r.status_code == 429
            with pytest.raises(qg.QuotaExhaustedError):
                await c.post(server.base_url + "/embeddings", json={"model": "text-embedding-3-small", "input": "x"})

    asyncio.run(main())
    assert server.bill.requests == 1


def test_rate_limited_then_clears(qg, server):
    server.mode = "rate_limit"
    with qg.instrument_http_client(httpx.Client()) as c:
        # A wait far longer than the test (the default 20 ms lapses on a loaded machine): what
        # clears the status here is the success, not the clock.
        assert _post(c, server, headers={"authorization": "Bearer sk-test", "x-fake-retry-after-ms": "600000"}).status_code == 429
        assert qg.status() == "rate_limited"
        server.mode = "ok"
        assert _post(c, server).status_code == 200  # rate limits never block: the SDK retries them
    assert qg.status() == "normal"


def test_ratelimit_headers_feed_a_forecast(qg, server):
    server.remaining_requests = 30
    alerts = []
    qg.on_alert(alerts.append)
    try:
        with qg.instrument_http_client(httpx.Client()) as c:
            for _ in range(25):
                _post(c, server)
                threading.Event().wait(0.04)
        for _ in range(200):
            if any(a["kind"] == "forecast" for a in alerts):
                break
            threading.Event().wait(0.01)
    finally:
        qg.remove_alert_callback(alerts.append)
    fc = [a for a in alerts if a["kind"] == "forecast"]
    assert fc and fc[0]["message"].startswith("requests exhausted in ~")


def test_budget_fallback_policy_uses_the_cheaper_model(server, pinned_clock):
    import quotaguard as qg

    qg.configure(tick_ms=5, fallback_model="gpt-4o-mini",
                 budgets={"workspace": {"requests_per_day": 2}})
    try:
        with qg.instrument_http_client(httpx.Client()) as c:
            _post(c, server); _post(c, server)
            for _ in range(300):
                if qg.status() == "exhausted":
                    break
                threading.Event().wait(0.01)
            assert qg.status() == "exhausted"
            assert _post(c, server).status_code == 200
        assert server.bill.models == ["gpt-4o", "gpt-4o", "gpt-4o-mini"]
    finally:
        qg.shutdown()


def test_allow_policy_lets_calls_through(server):
    import quotaguard as qg

    qg.configure(tick_ms=5, on_exhausted="allow")
    try:
        server.mode = "quota"
        with qg.instrument_http_client(httpx.Client()) as c:
            _post(c, server)
            assert qg.status() == "exhausted"
            assert _post(c, server).status_code == 429
        assert server.bill.requests == 2
    finally:
        qg.shutdown()


def test_blocked_sdk_mode_returns_a_non_retryable_429(qg, server):
    from quotaguard._transport import instrument_transport

    server.mode = "quota"
    c = httpx.Client(transport=instrument_transport(httpx.HTTPTransport(), sdk=True))
    _post(c, server)
    r = _post(c, server)
    assert r.status_code == 429
    assert r.headers["x-should-retry"] == "false" and r.headers["x-quotaguard-blocked"] == "1"
    assert json.loads(r.content)["error"]["code"] == "insufficient_quota"
    assert server.bill.requests == 1
