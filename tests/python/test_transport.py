"""Real httpx over loopback against the fake API: every request counted once, tokens equal."""
import asyncio
import contextvars
import threading

import httpx
import pytest

import traffic


def _client(qg, **kw):
    return qg.instrument_http_client(httpx.Client(**kw))


def test_every_family_counted_exactly(qg, server):
    with _client(qg) as c:
        sent = traffic.families(c, server.base_url)
    u = qg.usage()
    t = u["total"]
    b = server.bill
    assert sent == b.requests
    assert t["requests"] == b.requests
    assert t["errors"] == 0
    assert (t["input_tokens"], t["output_tokens"]) == (b.input, b.output)
    assert (t["cached_tokens"], t["reasoning_tokens"]) == (b.cached, b.reasoning)
    assert t["images"] == b.images == 3
    assert t["audio_seconds"] == b.audio_ms / 1000
    assert t["characters"] == b.characters == len("Hello, wörld!")
    assert t["cost_usd"] > 0
    eps = u["by_endpoint"]
    for ep in ["POST /chat/completions", "POST /responses", "POST /embeddings", "POST /images/generations",
               "POST /audio/transcriptions", "POST /audio/speech", "POST /moderations", "POST /files",
               "POST /vector_stores", "POST /vector_stores/{id}/search", "POST /assistants", "POST /threads",
               "POST /threads/{id}/runs", "GET /threads/{id}/runs/{id}", "POST /batches", "GET /files"]:
        assert ep in eps, ep
    assert eps["GET /threads/{id}/runs/{id}"]["input_tokens"] == 123  # once, though read 3 times
    assert u["by_model"]["whisper-1"]["audio_seconds"] == 9
    assert u["by_model"]["tts-1"]["cost_usd"] == pytest.approx(len("Hello, wörld!") * 15 / 1e6)
    assert u["unpriced_models"] == []


def test_same_response_id_twice_is_two_calls(qg, server):
    with _client(qg) as c:
        for _ in range(3):  # the fake returns one id for every chat completion
            c.post(server.base_url + "/chat/completions", json={"model": "gpt-4o", "messages": []},
                   headers=traffic.HEADERS)
    assert qg.usage()["total"]["input_tokens"] == server.bill.input


def test_streams_with_and_without_usage(qg, server):
    base = server.base_url
    with _client(qg) as c:
        traffic.stream(c, base, "/chat/completions", {"model": "gpt-4o", "stream": True,
                                                      "stream_options": {"include_usage": True}, "messages": []})
        traffic.stream(c, base, "/responses", {"model": "o3", "stream": True, "input": "hi"})
        exact = qg.usage()["total"]
        assert (exact["input_tokens"], exact["output_tokens"]) == (server.bill.input, server.bill.output)
        assert exact["estimated"] == 0
        traffic.stream(c, base, "/chat/completions", {"model": "gpt-4o", "stream": True, "messages": []})
        traffic.stream(c, base, "/chat/completions", {"model": "gpt-4o", "stream": True, "messages": [],
                                                      "stream_options": {"include_usage": True}}, cut=True)
        with pytest.raises(httpx.RemoteProtocolError):  # the server drops the connection mid-stream
            traffic.stream(c, base, "/chat/completions", {"model": "gpt-4o", "stream": True, "messages": [],
                                                          "stream_options": {"include_usage": True}}, mode="cut")
    u = qg.usage()["total"]
    assert u["requests"] == server.bill.requests == 5
    assert u["estimated"] == 3
    # A stream without a usage chunk, or cut short, is estimated, never zero.
    assert u["output_tokens"] > exact["output_tokens"] + 3
    assert u["input_tokens"] > exact["input_tokens"] + 3


def test_threads_and_workspaces(qg, server):
    errors = []

    def worker(k):
        try:
            with qg.workspace(f"tenant-{k % 3}"), _client(qg) as c:
                for _ in range(20):
                    r = c.post(server.base_url + "/embeddings", json={"model": "text-embedding-3-small", "input": "x"},
                               headers=traffic.HEADERS)
                    assert r.status_code == 200
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    u = qg.usage()
    assert u["total"]["requests"] == server.bill.requests == 160
    assert u["total"]["input_tokens"] == server.bill.input
    assert u["by_workspace"]["tenant-0"]["requests"] == 60
    assert u["by_workspace"]["tenant-2"]["requests"] == 40
    assert qg.usage("tenant-1")["total"]["requests"] == 60


def test_async_tasks_keep_their_workspace(qg, server):
    async def task(client, ws):
        async with qg.workspace(ws):
            await asyncio.sleep(0)
            return await traffic.afamilies(client, server.base_url)

    async def main():
        async with qg.instrument_http_client(httpx.AsyncClient()) as client:
            return await asyncio.gather(*[task(client, f"ws-{i % 4}") for i in range(12)])

    sent = sum(asyncio.run(main()))
    u = qg.usage()
    assert u["total"]["requests"] == sent == server.bill.requests
    assert (u["total"]["input_tokens"], u["total"]["output_tokens"]) == (server.bill.input, server.bill.output)
    assert sorted(u["by_workspace"]) == ["ws-0", "ws-1", "ws-2", "ws-3"]
    assert all(v["requests"] == 12 for v in u["by_workspace"].values())


def test_retries_are_attempts_of_one_call(qg, server):
    server.rate_limit_times = 2
    with _client(qg) as c:
        for attempt in range(3):  # what the SDK does: same call, x-stainless-retry-count 0, 1, 2
            r = c.post(server.base_url + "/chat/completions", json={"model": "gpt-4o", "messages": []},
                       headers={**traffic.HEADERS, "x-stainless-retry-count": str(attempt)})
    assert r.status_code == 200
    t = qg.usage()["total"]
    assert t["requests"] == 3 == server.bill.requests
    assert t["calls"] == 1
    assert t["rate_limited"] == 2
    assert qg.status() == "normal"  # the success cleared rate_limited


def test_context_is_per_thread(qg):
    seen = {}
    with qg.workspace("outer"):
        t = threading.Thread(target=lambda: seen.setdefault("plain", qg.current_workspace()))
        t.start(); t.join()
        ctx = contextvars.copy_context()
        t = threading.Thread(target=lambda: ctx.run(lambda: seen.setdefault("copied", qg.current_workspace())))
        t.start(); t.join()
    assert seen == {"plain": "default", "copied": "outer"}
    assert qg.current_workspace() == "default"


def test_transport_errors_are_counted(qg):
    with _client(qg) as c:
        with pytest.raises(httpx.ConnectError):
            c.post("http://127.0.0.1:9/v1/chat/completions", json={"model": "gpt-4o"})
    t = qg.usage()["total"]
    assert (t["requests"], t["errors"]) == (1, 1)


def test_response_dropped_without_close_is_still_recorded(qg, server):
    import gc

    transport = qg.instrument_transport(httpx.HTTPTransport())
    req = httpx.Request("POST", server.base_url + "/embeddings", json={"model": "text-embedding-3-small", "input": "x"})
    resp = transport.handle_request(req)  # never read, never closed
    del resp
    gc.collect()
    assert qg.usage()["total"]["requests"] == 1
    transport.close()
