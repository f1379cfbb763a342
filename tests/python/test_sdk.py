"""End to end with the real openai SDK (from python/requirements/dev.lock): every family, sync,
threads and asyncio, Azure, the module-level client and the shared client the fix writes."""
import asyncio
import io
import os
import threading
import time

import openai
import pytest


def _drive(client):
    """Eleven families through the SDK's own methods."""
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    for _ in client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}],
                                            stream=True, stream_options={"include_usage": True}):
        pass
    if hasattr(client, "responses"):  # openai >= 1.66
        client.responses.create(model="gpt-4.1", input="hi")
    client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    client.images.generate(model="dall-e-3", prompt="a cat")
    client.audio.transcriptions.create(model="whisper-1", file=("a.mp3", io.BytesIO(b"\xff\xfb" * 500)))
    client.audio.speech.create(model="tts-1", voice="alloy", input="Hello there").read()
    client.moderations.create(model="omni-moderation-latest", input="hi")
    client.files.create(file=("d.jsonl", io.BytesIO(b'{"a":1}\n')), purpose="assistants")
    vs = client.vector_stores.create(name="docs") if hasattr(client, "vector_stores") else client.beta.vector_stores.create(name="docs")
    assert vs.id
    a = client.beta.assistants.create(model="gpt-4o", name="helper")
    t = client.beta.threads.create()
    run = client.beta.threads.runs.create_and_poll(thread_id=t.id, assistant_id=a.id, poll_interval_ms=5)
    assert run.status == "completed"
    client.batches.create(input_file_id="file-1", endpoint="/v1/chat/completions", completion_window="24h")


def _assert_billed(qg, server):
    t = qg.usage()["total"]
    b = server.bill
    assert t["requests"] == b.requests
    assert (t["input_tokens"], t["output_tokens"], t["cached_tokens"]) == (b.input, b.output, b.cached)
    assert t["images"] == b.images and t["characters"] == b.characters


def test_sdk_sync_threads_async(qg, server):
    client = qg.openai_client(api_key="sk-test", base_url=server.base_url)
    assert type(client) is openai.OpenAI
    _drive(client)
    _assert_billed(qg, server)
    threads = [threading.Thread(target=lambda: [client.embeddings.create(model="text-embedding-3-small", input="x")
                                                for _ in range(10)]) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    _assert_billed(qg, server)

    async def main():
        ac = qg.async_openai_client(api_key="sk-test", base_url=server.base_url)
        assert type(ac) is openai.AsyncOpenAI

        async def one(ws):
            async with qg.workspace(ws):
                await ac.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
                if hasattr(ac, "responses"):
                    s = await ac.responses.create(model="o3", input="x", stream=True)
                    async for _ in s:
                        pass
        await asyncio.gather(*[one(f"t{i % 3}") for i in range(9)])
        await ac.close()

    asyncio.run(main())
    _assert_billed(qg, server)
    assert sorted(qg.usage()["by_workspace"]) == ["default", "t0", "t1", "t2"]


def test_sdk_quota_exhaustion_fails_fast(qg, server):
    client = qg.openai_client(api_key="sk-test", base_url=server.base_url)
    copy = client.with_options(timeout=30)
    server.mode = "quota"
    with pytest.raises(openai.RateLimitError) as first:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
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
    client.chat.completions.create(model="my-gpt4o-deployment", messages=[{"role": "user", "content": "hi"}])
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
