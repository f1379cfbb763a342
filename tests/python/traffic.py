"""SDK-shaped traffic over plain httpx: the same methods, paths, bodies, multipart uploads,
streams and x-stainless-* headers the SDK sends, for tests of the transport below the SDK (the
SDK itself is driven in test_sdk.py and test_counting.py)."""
from __future__ import annotations

import json

HEADERS = {"authorization": "Bearer sk-test-not-a-real-key", "x-stainless-lang": "python",
           "x-stainless-retry-count": "0", "user-agent": "OpenAI/Python 2.30.0"}


def _json(client, method, url, body=None):
    return client.request(method, url, json=body, headers=HEADERS)


def families(client, base):
    """One call of each family; returns the number of HTTP requests sent."""
    n = 0
    for method, path, body in [
        ("POST", "/chat/completions", {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
        ("POST", "/responses", {"model": "gpt-4.1", "input": "hi"}),
        ("POST", "/embeddings", {"model": "text-embedding-3-small", "input": ["a", "b", "c"]}),
        ("POST", "/images/generations", {"model": "dall-e-3", "prompt": "a cat", "n": 1}),
        ("POST", "/images/generations", {"model": "gpt-image-1", "prompt": "a cat", "n": 2}),
        ("POST", "/audio/speech", {"model": "tts-1", "input": "Hello, wörld!", "voice": "alloy"}),
        ("POST", "/moderations", {"model": "omni-moderation-latest", "input": "hi"}),
        ("POST", "/vector_stores", {"name": "docs"}),
        ("POST", "/vector_stores/vs_1/search", {"query": "q"}),
        ("POST", "/assistants", {"model": "gpt-4o", "name": "helper"}),
        ("POST", "/threads", {}),
        ("POST", "/batches", {"input_file_id": "file-1", "endpoint": "/v1/chat/completions", "completion_window": "24h"}),
        ("GET", "/files", None),
    ]:
        r = _json(client, method, base + path, body)
        r.read()
        assert r.status_code == 200, (path, r.status_code, r.text)
        n += 1
    for model in ("whisper-1", "gpt-4o-transcribe"):
        r = client.post(base + "/audio/transcriptions", headers=HEADERS, data={"model": model},
                        files={"file": ("a.mp3", b"\xff\xfb" * 4000, "audio/mpeg")})
        assert r.status_code == 200
        n += 1
    r = client.post(base + "/files", headers=HEADERS, data={"purpose": "assistants"},
                    files={"file": ("data.jsonl", b'{"a":1}\n' * 100, "application/jsonl")})
    assert r.status_code == 200
    n += 1
    # An assistants run: create, then poll until completed (usage arrives once, on a read).
    run = _json(client, "POST", base + "/threads/thread_1/runs", {"assistant_id": "asst_1"}).json()
    n += 1
    while run["status"] != "completed":
        run = _json(client, "GET", base + f"/threads/thread_1/runs/{run['id']}").json()
        n += 1
    _json(client, "GET", base + f"/threads/thread_1/runs/{run['id']}").read()  # a later retrieve
    n += 1
    return n


def stream(client, base, path, body, cut=False, mode=None):
    """cut: the caller stops reading early; mode: a fake_openai mode for this request ("cut": the
    server drops the connection mid-stream)."""
    headers = {**HEADERS, "x-fake-mode": mode} if mode else HEADERS
    with client.stream("POST", base + path, json=body, headers=headers) as r:
        got = b""
        for chunk in r.iter_raw():
            got += chunk
            if cut and b"delta" in got:
                break
    return got


async def afamilies(client, base):
    n = 0
    for path, body in [
        ("/chat/completions", {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}),
        ("/responses", {"model": "o3", "input": "hi"}),
        ("/embeddings", {"model": "text-embedding-3-large", "input": "a"}),
    ]:
        r = await client.post(base + path, json=body, headers=HEADERS)
        assert r.status_code == 200
        n += 1
    async with client.stream("POST", base + "/chat/completions", headers=HEADERS,
                             json={"model": "gpt-4o", "stream": True, "stream_options": {"include_usage": True},
                                   "messages": [{"role": "user", "content": "hi"}]}) as r:
        async for _ in r.aiter_raw():
            pass
    return n + 1


def loads_events(raw: bytes):
    return [json.loads(line[6:]) for line in raw.decode().splitlines() if line.startswith("data: {")]
