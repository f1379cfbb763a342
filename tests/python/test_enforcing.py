"""What the tracker enforces, through the real openai SDK against the fake API: budgets that
block, exhaustion that only a later success clears, the window after the first quota error,
configure() and config files, instrument() for any client, and failing over to another key."""
import asyncio
import os
import threading
import time

import httpx
import httpx2
import openai
import pytest

from fake_openai import FakeOpenAI


def _chat(client, **kw):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}], **kw)


def _sdk(qg, server, **kw):
    return qg.openai_client(api_key="sk-test", base_url=server.base_url, **kw)


def _wait_status(qg, want, ws=None, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and qg.status(ws) != want:
        time.sleep(0.005)
    return qg.status(ws)


# -- budgets -------------------------------------------------------------------------------

def test_a_global_request_budget_blocks(server, pinned_clock):
    import quotaguard as qg

    qg.configure(budgets={"global": {"requests_per_minute": 2}})
    try:
        client = _sdk(qg, server)
        outcomes = []
        for _ in range(5):
            try:
                _chat(client)
                outcomes.append("sent")
            except qg.QuotaExhaustedError:
                outcomes.append("blocked")
        assert outcomes == ["sent", "sent", "blocked", "blocked", "blocked"]  # (all 5 were sent)
        assert server.bill.requests == 2
        assert qg.usage()["total"]["blocked"] == 3
    finally:
        qg.shutdown()


def test_a_global_usd_budget_blocks_at_the_call_that_crosses_it(server, pinned_clock):
    import quotaguard as qg

    qg.configure(budgets={"global": {"usd_per_day": 0.05}})  # dall-e-3: $0.04 an image
    try:
        client = _sdk(qg, server)
        sent = 0
        for _ in range(6):
            try:
                client.images.generate(model="dall-e-3", prompt="a cat")
                sent += 1
            except qg.QuotaExhaustedError as e:
                assert "usd_per_day" in str(e)
        assert sent == 2 == server.bill.images  # the second crossed $0.05; nothing after it
        assert qg.usage()["total"]["cost_usd"] == pytest.approx(0.08)  # (spent $0.24)
    finally:
        qg.shutdown()


def test_a_workspace_budget_still_blocks_only_its_workspace(server, pinned_clock):
    import quotaguard as qg

    qg.configure(budgets={"workspaces": {"small": {"requests_per_day": 1}}})
    try:
        client = _sdk(qg, server)
        with qg.workspace("small"):
            _chat(client)
            with pytest.raises(qg.QuotaExhaustedError):
                _chat(client)
        _chat(client)  # another workspace goes on
        assert server.bill.requests == 2
    finally:
        qg.shutdown()


# -- exhaustion, ordered by send time ----------------------------------------------------

def test_a_late_success_for_an_earlier_request_does_not_clear_exhaustion(qg, server):
    client = _sdk(qg, server, max_retries=0)
    slow = {}

    def earlier():  # sent first, answered last
        slow["reply"] = _chat(client, extra_headers={"x-fake-delay-ms": "400"})

    t = threading.Thread(target=earlier)
    t.start()
    time.sleep(0.1)  # it is on the wire
    with pytest.raises(openai.RateLimitError):
        _chat(client, extra_headers={"x-fake-mode": "quota"})
    assert qg.status() == "exhausted"
    t.join()
    assert slow["reply"].usage.prompt_tokens > 0  # its success arrived after the quota error...
    assert qg.status() == "exhausted"             # ...and changes nothing: it was sent before
    before = server.bill.requests
    with pytest.raises(qg.QuotaExhaustedError):
        _chat(client)
    assert server.bill.requests == before


def test_a_success_sent_after_exhaustion_clears_it(server):
    import quotaguard as qg

    qg.configure(exhausted_probe_s=1)
    try:
        client = _sdk(qg, server, max_retries=0)
        with pytest.raises(openai.RateLimitError):
            _chat(client, extra_headers={"x-fake-mode": "quota"})
        with pytest.raises(qg.QuotaExhaustedError):
            _chat(client)
        time.sleep(1.05)  # the probe: one call goes out to notice that the quota came back
        assert _chat(client).usage.prompt_tokens > 0
        assert qg.status() == "normal"
        assert server.bill.requests == 2
    finally:
        qg.shutdown()


def test_the_window_after_the_first_quota_error_under_8_threads(qg, server):
    """8 threads call in a loop; the account runs dry after 40 requests. Requests the server
    receives after answering its first insufficient_quota were either already on their way
    (sent before that answer: at most one per other thread) or sent in the window between the
    answer and the tracker's flip -- the time the thread that received it waits for the GIL
    before its response can be read. Nothing is sent after the flip."""
    server.set(quota_after=40)
    clients = [_sdk(qg, server, max_retries=0,
                    http_client=httpx2.Client(event_hooks={"request": [
                        lambda r: r.headers.__setitem__("x-sent-ns", str(time.monotonic_ns()))]}))
               for _ in range(8)]
    barrier = threading.Barrier(8)
    errors = []

    def worker(client):
        barrier.wait()
        for _ in range(100):
            try:
                _chat(client)
            except qg.QuotaExhaustedError:
                return
            except openai.RateLimitError:
                continue  # its own 429: the next call is blocked
            except Exception as e:  # pragma: no cover
                errors.append(e)
                return

    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    first = server.bill.first_quota_ns
    after = [(arrived, sent) for arrived, sent, *_ in server.bill.arrivals if arrived > first]
    in_flight = sum(1 for _, sent in after if sent <= first)
    window = sum(1 for _, sent in after if sent > first)
    print(f"\nafter the first quota error: {len(after)} requests reached the server "
          f"({in_flight} already sent, {window} sent in the window before the flip)")
    assert in_flight <= 7
    flipped_ns = qg.accounts()[0]["changed_monotonic_ns"]
    assert all(sent < flipped_ns for _, sent in after)  # the window ends at the flip


def test_configure_keeps_what_the_api_said(qg, server):
    client = _sdk(qg, server, max_retries=0)
    with pytest.raises(openai.RateLimitError):
        _chat(client, extra_headers={"x-fake-mode": "quota"})
    qg.configure(tick_ms=5, warning=0.7)  # (reset the status to normal)
    assert qg.status() == "exhausted"
    with pytest.raises(qg.QuotaExhaustedError) as e:
        _chat(client)
    assert "exceeded your current quota" in str(e.value)
    qg.reset()
    assert _chat(client).usage.prompt_tokens > 0


# -- the config file -----------------------------------------------------------------------

@pytest.mark.parametrize("text,line,wrong,right", [
    ('[tracker]\ndb = "h.db"\n\n[budgets.global]\nusd_per_dya = 5\n', 5, "usd_per_dya", "usd_per_day"),
    ('[budgets.workspaces.acme]\ntokens_per_day = 10\nrequests_per_minut = 2\n', 3, "requests_per_minut",
     "requests_per_minute"),
    ('[polcy]\non_exhausted = "raise"\n', 1, "polcy", "policy"),
    ('[alerts]\nwebhok = "http://x"\n', 2, "webhok", "webhook"),
])
def test_unknown_config_keys_are_errors_with_file_line_and_a_suggestion(tmp_path, text, line, wrong, right):
    import quotaguard as qg

    cfg = tmp_path / "quotaguard-tracker.toml"
    cfg.write_text(text)
    with pytest.raises(qg.ConfigError) as e:
        qg.configure(str(cfg))
    msg = str(e.value)
    assert msg.startswith(f"{cfg}:{line}: ") and f"'{wrong}'" in msg and f"did you mean '{right}'" in msg


def test_config_values_of_the_wrong_type_name_the_key_and_line(tmp_path):
    import quotaguard as qg

    cfg = tmp_path / "t.toml"
    cfg.write_text('[budgets.global]\nusd_per_day = "fifty"\n')
    with pytest.raises(qg.ConfigError) as e:
        qg.configure(str(cfg))
    assert str(e.value).startswith(f"{cfg}:2: ") and "usd_per_day" in str(e.value) and "number" in str(e.value)
    with pytest.raises(qg.ConfigError) as e:
        qg.configure(budgets={"global": {"usd_per_dya": 5}})
    assert "configure(budgets=...)" in str(e.value) and "did you mean 'usd_per_day'" in str(e.value)


# -- any client ------------------------------------------------------------------------------

class TeamClient(openai.OpenAI):
    """A team's own client subclass, built however the team builds it."""


class AsyncTeamClient(openai.AsyncOpenAI):
    pass


def test_instrument_an_existing_client_or_subclass(qg, server):
    client = TeamClient(api_key="sk-test", base_url=server.base_url)
    assert qg.instrument(client) is client and type(client) is TeamClient
    assert qg.instrument(client) is client  # idempotent
    _chat(client)
    assert qg.usage()["total"]["input_tokens"] == server.bill.input > 0
    copy = client.with_options(timeout=5)
    server.set(mode="quota")
    with pytest.raises(openai.RateLimitError):
        _chat(client)
    t0 = time.monotonic()
    for c in (client, copy):
        with pytest.raises(qg.QuotaExhaustedError):
            _chat(c)
    assert time.monotonic() - t0 < 1.0  # no retries, no backoff (~1.2 s of them otherwise)
    assert server.bill.requests == 2


def test_instrument_an_async_subclass(qg, server):
    async def main():
        client = qg.instrument(AsyncTeamClient(api_key="sk-test", base_url=server.base_url))
        await client.embeddings.create(model="text-embedding-3-small", input="x")
        server.set(mode="quota")
        with pytest.raises(openai.RateLimitError):
            await client.embeddings.create(model="text-embedding-3-small", input="x")
        with pytest.raises(qg.QuotaExhaustedError):
            await client.embeddings.create(model="text-embedding-3-small", input="x")
        await client.close()

    asyncio.run(main())
    assert server.bill.requests == 2


@pytest.mark.parametrize("lib", [httpx2, httpx])
def test_a_subclass_given_an_instrumented_http_client_fails_fast(qg, server, lib):
    client = TeamClient(api_key="sk-test", base_url=server.base_url,
                        http_client=qg.instrument_http_client(lib.Client()))
    server.set(mode="quota")
    with pytest.raises(openai.RateLimitError):
        _chat(client)
    t0 = time.monotonic()
    with pytest.raises(openai.RateLimitError) as e:  # (APIConnectionError after ~1.2 s of retries)
        _chat(client)
    assert time.monotonic() - t0 < 1.0 and "is exhausted since" in str(e.value)
    assert server.bill.requests == 1


# -- the policy on exhaustion -----------------------------------------------------------------

@pytest.fixture
def second_key(monkeypatch):
    monkeypatch.setenv("QG_TEST_KEY_B", "sk-b")
    monkeypatch.setenv("QG_TEST_KEY_C", "sk-c")


def test_failover_to_a_second_key_then_fail_fast(server, second_key):
    import quotaguard as qg

    qg.configure(tick_ms=5, policy={"on_exhausted": "failover", "accounts": [
        {"name": "key-b", "api_key_env": "QG_TEST_KEY_B", "organization": "org-b", "project": "proj_b"}]})
    alerts = []
    qg.on_alert(alerts.append)
    try:
        client = qg.openai_client(api_key="sk-a", base_url=server.base_url, organization="org-a")
        _chat(client)
        server.set(exhausted_keys={"sk-a"})
        assert _chat(client).usage.prompt_tokens > 0  # A's 429 is retried on key B at once
        assert _chat(client).usage.prompt_tokens > 0  # and the next calls go to B
        assert server.bill.keys == {"sk-a": 2, "sk-b": 2}
        assert server.bill.hosts[-1][:2] == ("org-b", "proj_b")  # B's organization, not A's
        accounts = qg.accounts()
        assert [(a["name"], a["status"]) for a in accounts] == [("primary", "exhausted"), ("key-b", "normal")]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(a["kind"] == "failover" for a in alerts):
            time.sleep(0.01)
        msg = next(a["message"] for a in alerts if a["kind"] == "failover")
        assert "exhausted on 'primary'" in msg and "now on 'key-b'" in msg
        server.set(exhausted_keys={"sk-a", "sk-b"})
        with pytest.raises(openai.RateLimitError):
            _chat(client)
        with pytest.raises(qg.QuotaExhaustedError) as e:
            _chat(client)
        assert "every account" in str(e.value)
        assert server.bill.keys == {"sk-a": 2, "sk-b": 3}
    finally:
        qg.remove_alert_callback(alerts.append)
        qg.shutdown()


def test_failover_to_an_openai_compatible_base_url(server, second_key):
    import quotaguard as qg

    with FakeOpenAI() as gateway:
        qg.configure(policy={"on_exhausted": "failover", "accounts": [
            {"name": "gateway", "api_key_env": "QG_TEST_KEY_C", "base_url": gateway.base_url}]})
        try:
            client = qg.openai_client(api_key="sk-a", base_url=server.base_url)
            server.set(mode="quota")
            reply = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
            assert len(reply.data) == 2
            assert (server.bill.requests, gateway.bill.requests) == (1, 1)
            assert gateway.bill.keys == {"sk-c": 1} and gateway.bill.by_path == {"POST /v1/embeddings": 1}
            assert qg.usage()["total"]["input_tokens"] == gateway.bill.input
        finally:
            qg.shutdown()


def test_failover_configuration_is_checked(second_key, monkeypatch):
    import quotaguard as qg

    with pytest.raises(qg.ConfigError, match="policy.accounts"):
        qg.configure(policy={"on_exhausted": "failover"})
    with pytest.raises(qg.ConfigError, match="QG_TEST_KEY_MISSING"):
        qg.configure(policy={"on_exhausted": "failover", "accounts": [{"name": "x", "api_key_env": "QG_TEST_KEY_MISSING"}]})
    with pytest.raises(qg.ConfigError, match="quota_scope"):
        qg.configure(quota_scope="workspace", policy={"on_exhausted": "failover", "accounts": [
            {"name": "b", "api_key_env": "QG_TEST_KEY_B"}]})
