"""End to end with the real openai SDK: every endpoint family, sync and async, threads and
tasks, against the loopback fake API; the tracked totals must equal what the fake billed.

Run in .venv (dev.lock: openai 3.x) and, as the SDK matrix, in one venv per
python/requirements/openai-*.lock (ctest sdk_openai-X.Y). Families an old SDK does not have
(responses before 1.66, vector stores outside beta) are driven through what it does have. Also the
module-level client and the shared client the QG002 fix writes."""
import asyncio
import io
import os
import threading
import time

import pytest

openai = pytest.importorskip("openai")

CHAT = [{"role": "user", "content": "hi"}]
AUDIO_IN = ("a.mp3", b"\xff\xfb" * 500)


def _vector_stores(client):
    return client.vector_stores if hasattr(client, "vector_stores") else client.beta.vector_stores


def _drive(client):
    """Each family once through the SDK's own methods (sync)."""
    client.chat.completions.create(model="gpt-4o", messages=CHAT)
    for _ in client.chat.completions.create(model="gpt-4o-mini", messages=CHAT, stream=True,
                                            stream_options={"include_usage": True}):
        pass
    if hasattr(client, "responses"):  # openai >= 1.66
        client.responses.create(model="gpt-4.1", input="hi")
        for _ in client.responses.create(model="o3", input="hi", stream=True):
            pass
    client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    client.images.generate(model="dall-e-3", prompt="a cat")
    client.images.generate(model="gpt-image-1", prompt="a cat", n=2)
    client.audio.transcriptions.create(model="whisper-1", file=AUDIO_IN)
    client.audio.transcriptions.create(model="gpt-4o-transcribe", file=AUDIO_IN)
    client.audio.speech.create(model="tts-1", voice="alloy", input="Hello there").read()
    client.moderations.create(model="omni-moderation-latest", input="hi")
    client.files.create(file=("d.jsonl", io.BytesIO(b'{"a":1}\n')), purpose="assistants")
    assert _vector_stores(client).create(name="docs").id
    a = client.beta.assistants.create(model="gpt-4o", name="helper")
    t = client.beta.threads.create()
    run = client.beta.threads.runs.create_and_poll(thread_id=t.id, assistant_id=a.id, poll_interval_ms=5)
    assert run.status == "completed" and run.usage.prompt_tokens == 123
    client.batches.create(input_file_id="file-1", endpoint="/v1/chat/completions", completion_window="24h")


async def _adrive(client):
    """The same families through the AsyncOpenAI client."""
    await client.chat.completions.create(model="gpt-4o", messages=CHAT)
    async for _ in await client.chat.completions.create(model="gpt-4o-mini", messages=CHAT, stream=True,
                                                        stream_options={"include_usage": True}):
        pass
    if hasattr(client, "responses"):
        await client.responses.create(model="gpt-4.1", input="hi")
        async for _ in await client.responses.create(model="o3", input="hi", stream=True):
            pass
    await client.embeddings.create(model="text-embedding-3-large", input="a")
    await client.images.generate(model="gpt-image-1", prompt="a dog")
    await client.audio.transcriptions.create(model="whisper-1", file=AUDIO_IN)
    await (await client.audio.speech.create(model="tts-1", voice="alloy", input="Grüße!")).aread()
    await client.moderations.create(model="omni-moderation-latest", input="hi")
    await client.files.create(file=("d.jsonl", io.BytesIO(b'{"a":1}\n')), purpose="batch")
    await _vector_stores(client).create(name="docs")
    a = await client.beta.assistants.create(model="gpt-4o", name="helper")
    t = await client.beta.threads.create()
    run = await client.beta.threads.runs.create_and_poll(thread_id=t.id, assistant_id=a.id, poll_interval_ms=5)
    assert run.status == "completed"
    await client.batches.create(input_file_id="file-1", endpoint="/v1/embeddings", completion_window="24h")


def _assert_billed(qg, server):
    t = qg.usage()["total"]
    b = server.bill
    got = (t["requests"], t["input_tokens"], t["output_tokens"], t["cached_tokens"], t["reasoning_tokens"],
           t["images"], t["characters"], round(t["audio_seconds"] * 1000))
    assert got == (b.requests, b.input, b.output, b.cached, b.reasoning, b.images, b.characters, b.audio_ms)


def test_sdk_sync_every_family(qg, server):
    client = qg.openai_client(api_key="sk-test", base_url=server.base_url)
    assert type(client) is openai.OpenAI
    _drive(client)
    _assert_billed(qg, server)
    assert server.bill.input > 0 and server.bill.images == 3 and server.bill.audio_ms == 9000


def test_sdk_threads(qg, server):
    client = qg.openai_client(api_key="sk-test", base_url=server.base_url)
    errors = []

    def work(i):
        try:
            with qg.workspace(f"w{i % 2}"):
                _drive(client)
        except BaseException as e:  # surfaced below, not lost in the thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    _assert_billed(qg, server)
    by_ws = qg.usage()["by_workspace"]
    assert by_ws["w0"]["requests"] == by_ws["w1"]["requests"] == server.bill.requests // 2


def test_sdk_async_tasks(qg, server):
    async def main():
        ac = qg.async_openai_client(api_key="sk-test", base_url=server.base_url)
        assert type(ac) is openai.AsyncOpenAI

        async def one(ws):
            async with qg.workspace(ws):
                await _adrive(ac)
        await asyncio.gather(*[one(f"t{i % 3}") for i in range(6)])
        await ac.close()

    asyncio.run(main())
    _assert_billed(qg, server)
    assert sorted(qg.usage()["by_workspace"]) == ["t0", "t1", "t2"]


def test_sdk_streams_without_include_usage_are_estimated(qg, server):
    """Without stream_options.include_usage the API sends no usage: nothing on the wire says
    what it billed. Each such stream is counted, its output from the content deltas (one token
    each here, as the fake sends them) and its input estimated, and marked estimated."""
    client = qg.openai_client(api_key="sk-test", base_url=server.base_url)
    for _ in client.chat.completions.create(model="gpt-4o-mini", messages=CHAT, stream=True):
        pass

    async def main():
        ac = qg.async_openai_client(api_key="sk-test", base_url=server.base_url)
        async for _ in await ac.chat.completions.create(model="gpt-4o-mini", messages=CHAT, stream=True):
            pass
        await ac.close()

    asyncio.run(main())
    t = qg.usage()["total"]
    assert (t["requests"], t["estimated"], t["output_tokens"]) == (2, 2, 2 * 9)
    assert t["input_tokens"] > 0


def test_sdk_quota_exhaustion_fails_fast(qg, server):
    client = qg.openai_client(api_key="sk-test", base_url=server.base_url)
    copy = client.with_options(timeout=30)
    server.mode = "quota"
    with pytest.raises(openai.RateLimitError) as first:
        client.chat.completions.create(model="gpt-4o", messages=CHAT)
    assert first.value.code == "insufficient_quota"
    assert server.bill.requests == 1  # not retried: x-should-retry: false
    assert qg.status() == "exhausted"
    t0 = time.monotonic()
    for c in (client, copy):
        with pytest.raises(qg.QuotaExhaustedError) as err:
            c.embeddings.create(model="text-embedding-3-small", input="x")
        assert isinstance(err.value, openai.RateLimitError)
    assert time.monotonic() - t0 < 5  # fail fast: no retry backoff (loose bound, not a benchmark)
    assert server.bill.requests == 1


def test_sdk_azure(qg, server):
    client = qg.azure_openai_client(api_key="k", api_version="2024-10-21",
                                    azure_endpoint=f"http://127.0.0.1:{server.port}")
    client.chat.completions.create(model="my-gpt4o-deployment", messages=CHAT)
    u = qg.usage()
    assert "POST /chat/completions" in u["by_endpoint"]
    assert u["total"]["input_tokens"] == server.bill.input


@pytest.fixture
def module_client(monkeypatch, server):
    """openai's module-level settings pointed at the fake, and its client rebuilt afterwards."""
    monkeypatch.setattr(openai, "api_key", "sk-module")
    monkeypatch.setattr(openai, "base_url", server.base_url + "/")  # (the module client joins paths as given)
    monkeypatch.setattr(openai, "http_client", None)
    monkeypatch.setattr(openai, "_client", None)
    yield
    openai._client = None


def test_instrument_openai_module_tracks_module_level_calls(qg, server, module_client):
    openai.embeddings.create(model="text-embedding-3-small", input="before")  # the module builds its client
    assert qg.usage()["total"]["requests"] == 0
    qg.instrument_openai_module()
    openai.embeddings.create(model="text-embedding-3-small", input="after")  # that same client, now tracked
    openai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    t = qg.usage()["total"]
    assert t["requests"] == 2 and t["input_tokens"] == server.bill.input - 8  # (not the untracked first one)


def test_instrument_openai_module_before_the_module_builds_its_client(qg, server, module_client):
    qg.instrument_openai_module()  # no module client yet: the one built later must be tracked
    openai.embeddings.create(model="text-embedding-3-small", input="x")
    t = qg.usage()["total"]
    assert t["requests"] == 1 and t["input_tokens"] == server.bill.input


def test_shared_openai_client_is_one_tracked_client_per_process(qg, server, module_client):
    import quotaguard._factory as factory

    factory._shared = (None, None)
    client = qg.shared_openai_client()
    assert client is qg.shared_openai_client() and type(client) is openai.OpenAI
    assert client.api_key == "sk-module" and str(client.base_url).rstrip("/") == server.base_url
    client.embeddings.create(model="text-embedding-3-small", input="x")
    assert qg.usage()["total"]["input_tokens"] == server.bill.input == 8
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # a forked worker builds its own (connection pools are not shared across processes)
        os.write(w, b"1" if qg.shared_openai_client() is not client else b"0")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(r, 1) == b"1"


def _read_state(raw):
    """What the SDK's caller can see of the HTTP response behind a with_raw_response call."""
    import datetime

    http = raw.http_response
    assert isinstance(http.elapsed, datetime.timedelta) and http.elapsed.total_seconds() > 0
    assert b"".join(http.iter_bytes()) == http.content
    return (http.status_code, http.is_closed, http.is_stream_consumed, http.headers.get("content-encoding"),
            http.num_bytes_downloaded > 0, sorted(http.json()), raw.parse().usage.total_tokens)


def test_a_body_the_tracker_read_is_handed_on_as_httpx_leaves_a_read_one(qg, server):
    """The transport reads a JSON answer itself (decoding it once) and hands the response on read,
    as the HTTP library's own read() leaves it: the SDK and its caller see the same content,
    headers, bytes downloaded, elapsed time and closed state as with the plain SDK, and the
    connection goes back to the pool (every request on one keep-alive connection)."""
    kw = dict(api_key="sk-test", base_url=server.base_url, max_retries=0)
    for make in (openai.OpenAI, qg.openai_client):
        client = make(**kw)
        before = server.connections
        states = [_read_state(client.chat.completions.with_raw_response.create(model="gpt-4o", messages=CHAT))
                  for _ in range(5)]
        assert server.connections == before + 1, make  # keep-alive: the connection was released
        assert states[0][:5] == (200, True, True, "br", True), (make, states[0])
        assert all(s == states[0] for s in states)
        if make is openai.OpenAI:
            plain = states[0]
        else:
            assert states[0] == plain
        with pytest.raises(openai.RateLimitError) as e:  # an error body, read at once too
            client.chat.completions.create(model="gpt-4o", messages=CHAT, extra_headers={"x-fake-mode": "rate_limit"})
        assert e.value.response.is_closed and e.value.code == "rate_limit_exceeded"
        client.close()

    async def tracked_async():
        client = qg.async_openai_client(**kw)
        before = server.connections
        raws = [await client.chat.completions.with_raw_response.create(model="gpt-4o", messages=CHAT) for _ in range(3)]
        assert server.connections == before + 1
        await client.close()
        return [_read_state(r) for r in raws]

    assert asyncio.run(tracked_async()) == [plain] * 3
    assert qg.usage()["total"]["requests"] == 9 and server.bill.requests == 15  # (the plain client: 6)
