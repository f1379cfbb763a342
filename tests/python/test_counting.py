"""What the tracker counts through the real openai SDK, on both HTTP stacks it accepts (httpx2,
its default, and a legacy httpx client), against the fake API behaving like the real one:
compressed bodies, absurd or missing usage, streams that fail midway, names that are not UTF-8."""
import gc
import json
import os
import subprocess
import sys
import tracemalloc

import httpx
import httpx2
import openai
import pytest

from fake_openai import CODECS

# Left out of the faked-clock passes (CMakeLists.txt: tracker_python_at_*): what is counted: process
# totals and all-minute sums, no period.
pytestmark = pytest.mark.clock_independent

STACKS = {"httpx2": httpx2, "httpx": httpx}
HERE = os.path.dirname(__file__)


def _codecs(lib):
    """The content codings this HTTP library decodes (and so asks for)."""
    return [c for c in CODECS if c in sys.modules[lib.__name__ + "._decoders"].SUPPORTED_DECODERS]


def _client(qg, server, stack, **kw):
    """A tracked openai.OpenAI on the given HTTP stack."""
    if stack == "httpx":
        kw["http_client"] = httpx.Client()
    return qg.openai_client(api_key="sk-test", base_url=server.base_url, **kw)


def _chat(client, **kw):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi there"}], **kw)


@pytest.mark.parametrize("stack,codec", [(s, c) for s, lib in STACKS.items() for c in _codecs(lib)])
def test_compressed_responses_count_exactly(qg, server, stack, codec):
    server.set(compression=codec)
    client = _client(qg, server, stack)
    for _ in range(20):
        assert _chat(client).choices[0].message.content == "Hello! How can I help?"
    for _ in _chat(client, stream=True, stream_options={"include_usage": True}):
        pass
    reply = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    assert len(reply.data) == 2
    bill = server.bill.snapshot()
    assert bill["encodings"] == {codec: 22}  # every answer really was compressed
    t = qg.usage()["total"]
    assert (t["requests"], t["input_tokens"], t["output_tokens"]) == (22, bill["input"], bill["output"])
    assert (t["cached_tokens"], t["reasoning_tokens"]) == (bill["cached"], bill["reasoning"])
    assert t["estimated"] == 0 and t["anomalies"] == 0


@pytest.mark.parametrize("stack", STACKS)
def test_compressed_quota_error_still_flips_and_fails_fast(qg, server, stack):
    server.set(compression="gzip", mode="quota")
    client = _client(qg, server, stack)
    with pytest.raises(openai.RateLimitError):
        _chat(client)
    assert qg.status() == "exhausted"
    with pytest.raises(qg.QuotaExhaustedError):
        _chat(client)
    assert server.bill.requests == 1


@pytest.fixture
def gzip_server_process():
    """The fake in its own process, so that this process's allocations are the client's alone."""
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_openai"), "--compression", "gzip"],
                         stdout=subprocess.PIPE, text=True)
    try:
        base_url = p.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        yield type("Remote", (), {"base_url": base_url})
    finally:
        p.terminate()
        p.wait(timeout=10)


@pytest.fixture
def alerts(qg):
    got = []
    qg.on_alert(got.append)
    yield got
    qg.remove_alert_callback(got.append)


def _stream_peak(client, deltas):
    """(chunks with text, peak bytes Python allocated) for one long streamed chat."""
    tracemalloc.start()
    try:
        n = sum(1 for chunk in _chat(client, stream=True, stream_options={"include_usage": True},
                                     metadata={"tokens": str(deltas)})
                if chunk.choices and chunk.choices[0].delta.content)
        return n, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("stack", STACKS)
def test_a_compressed_stream_is_decoded_as_it_arrives(qg, gzip_server_process, stack):
    """A long compressed stream is read piece by piece: the tracker keeps none of it, so the
    tracked client's peak memory is the plain SDK's (tracemalloc: Python's allocations, where
    the chunks a recorder kept would show)."""
    deltas = 2000  # ~400 kB of SSE once decoded, ~600 kB as the chunks a recorder would keep
    http = (lambda: {"http_client": httpx.Client()}) if stack == "httpx" else dict
    plain = openai.OpenAI(api_key="sk-test", base_url=gzip_server_process.base_url, **http())
    tracked = _client(qg, gzip_server_process, stack)
    _stream_peak(plain, 10), _stream_peak(tracked, 10)  # first uses import and cache things
    n, peak = _stream_peak(tracked, deltas)
    n0, baseline = _stream_peak(plain, deltas)
    assert n == n0 == deltas
    t = qg.usage()["total"]
    assert (t["output_tokens"], t["estimated"]) == (deltas + 10, 0)
    assert t["response_bytes"] > 300_000
    assert peak < baseline + 200_000, f"tracked {peak} bytes at peak, plain SDK {baseline}"


@pytest.mark.parametrize("mode", ["no_usage", "html", "absurd", "negative"])
@pytest.mark.parametrize("stack", STACKS)
def test_missing_or_absurd_usage_is_estimated_never_zero(qg, server, alerts, stack, mode):
    client = _client(qg, server, stack)
    _chat(client, extra_headers={"x-fake-mode": mode})
    t = qg.usage()["total"]
    assert t["requests"] == 1 and t["estimated"] == 1
    assert 0 < t["input_tokens"] < 10_000 and 0 < t["output_tokens"] < 10_000  # bounded, not 1e30
    assert t["cost_usd"] < 0.1
    assert t["anomalies"] == (0 if mode == "no_usage" else 1)  # flagged: a number that is no count, a page
    if mode != "no_usage":
        found = _wait_for(alerts, "usage_anomaly")
        assert found and "POST /chat/completions" in found[0]["message"]


@pytest.mark.parametrize("stack", STACKS)
def test_a_stream_without_usage_estimates_a_token_per_text_delta(qg, server, stack):
    """Without include_usage the API sends no usage at all: the output is estimated from the
    deltas that carry text (one token each), not from the role and finish chunks around them."""
    client = _client(qg, server, stack)
    chunks = list(_chat(client, stream=True))
    texts = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(chunks) == len(texts) + 2  # the fake frames a stream as the API does
    t = qg.usage()["total"]
    assert (t["requests"], t["estimated"]) == (1, 1)
    assert t["output_tokens"] == len(texts) == server.bill.output


def _wait_for(alerts, kind, timeout=5.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [a for a in list(alerts) if a["kind"] == kind]
        if found:
            return found
        time.sleep(0.01)
    return []


@pytest.mark.parametrize("stack", STACKS)
def test_a_stream_cut_midway_is_recorded_when_it_fails(qg, server, stack):
    client = _client(qg, server, stack, max_retries=0)
    gc.disable()  # no collector run to rescue a recorder that was never told
    try:
        with pytest.raises(openai.APIConnectionError):
            for _ in _chat(client, stream=True, extra_headers={"x-fake-mode": "cut"}):
                pass
        t = qg.usage()["total"]
        assert (t["requests"], t["estimated"]) == (1, 1)
        assert t["output_tokens"] > 0
    finally:
        gc.enable()


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("mode,compression", [("cut", None), ("cut", "gzip"), ("bad_encoding", "gzip")])
def test_a_json_answer_that_cannot_be_read_is_recorded_when_it_fails(qg, server, stack, mode, compression):
    """A 2xx JSON body whose connection drops midway, or whose bytes are not in the coding its
    header names: the caller gets the error, and the call is in the usage at once, as cut short
    (estimated from the request), not when a collector runs."""
    server.set(compression=compression)
    client = _client(qg, server, stack, max_retries=0)
    gc.disable()
    try:
        with pytest.raises(openai.APIConnectionError):
            _chat(client, extra_headers={"x-fake-mode": mode})
        before, billed = qg.usage()["total"], server.bill.snapshot()
        assert (before["requests"], before["estimated"]) == (1, 1)
        assert before["input_tokens"] > 0  # (estimated from the request, never a silent 0)
        assert _chat(client).choices[0].message.content == "Hello! How can I help?"  # the next is exact
        after, bill = qg.usage()["total"], server.bill.snapshot()
        assert (after["requests"], after["estimated"]) == (2, 1)
        assert after["input_tokens"] - before["input_tokens"] == bill["input"] - billed["input"]
        assert after["output_tokens"] - before["output_tokens"] == bill["output"] - billed["output"]
    finally:
        gc.enable()


@pytest.mark.parametrize("stack", STACKS)
def test_a_raw_json_response_is_read_when_the_caller_reads_it(qg, server, stack):
    """with_streaming_response hands the caller the body unread: the tracker does not read it
    first, and counts it exactly once the caller has."""
    server.set(compression="gzip")
    client = _client(qg, server, stack)
    with client.chat.completions.with_streaming_response.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi there"}]) as r:
        assert qg.usage()["total"]["requests"] == 0  # headers only: the body is still on the socket
        assert r.parse().choices[0].message.content == "Hello! How can I help?"
    bill = server.bill.snapshot()
    t = qg.usage()["total"]
    assert (t["requests"], t["input_tokens"], t["output_tokens"], t["estimated"]) == (1, bill["input"], bill["output"], 0)


@pytest.mark.parametrize("stack", STACKS)
def test_a_stream_with_a_bad_event_is_recorded_when_it_fails(qg, server, stack):
    client = _client(qg, server, stack)
    gc.disable()
    try:
        stream = _chat(client, stream=True, stream_options={"include_usage": True},
                       extra_headers={"x-fake-mode": "bad_event"})
        with pytest.raises(json.JSONDecodeError):
            for _ in stream:
                pass
        t = qg.usage()["total"]
        assert t["requests"] == 1 and t["output_tokens"] > 0
    finally:
        gc.enable()


def test_a_raw_stream_that_fails_is_recorded_without_close(qg, server):
    """Below the SDK: a streamed httpx response whose connection drops, never closed."""
    c = qg.instrument_http_client(httpx.Client())
    gc.disable()
    try:
        req = c.build_request("POST", server.base_url + "/chat/completions", headers={"x-fake-mode": "cut"},
                              json={"model": "gpt-4o", "stream": True, "messages": []})
        r = c.send(req, stream=True)
        with pytest.raises(httpx.RemoteProtocolError):
            for _ in r.iter_raw():
                pass
        assert qg.usage()["total"]["requests"] == 1
    finally:
        gc.enable()


def test_an_abandoned_stream_is_recorded_at_interpreter_exit(server, tmp_path):
    """A process that reads half a stream and exits: the call is in the history."""
    db = tmp_path / "h.db"
    code = f"""
import gc, sys, openai, quotaguard
gc.disable()
quotaguard.configure(db={str(db)!r}, flush_interval_ms=60000)
client = quotaguard.openai_client(api_key="sk-test", base_url={server.base_url!r})
stream = client.chat.completions.create(model="gpt-4o", messages=[], stream=True)
next(iter(stream))
keep = stream  # never closed, never collected
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if "python" in p)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
    import sqlite3

    con = sqlite3.connect(db)
    try:
        requests, estimated, output = con.execute(
            "SELECT SUM(requests), SUM(estimated), SUM(output_tokens) FROM usage_minute").fetchone()
    finally:
        con.close()
    assert (requests, estimated) == (1, 1) and output > 0


@pytest.mark.parametrize("stack", STACKS)
def test_a_model_name_that_is_not_utf8_never_breaks_anything(server, stack, tmp_path, quotaguard_cli):
    import quotaguard as qg

    jsonl, db = tmp_path / "alerts.jsonl", tmp_path / "h.db"
    qg.configure(tick_ms=5, alerts_jsonl=str(jsonl), db=str(db))
    got = []
    qg.on_alert(got.append)
    try:
        client = _client(qg, server, stack)
        with pytest.raises(UnicodeDecodeError):  # the SDK's own json.loads, whatever the tracker does
            _chat(client, extra_headers={"x-fake-mode": "bad_model"})
        with pytest.raises(UnicodeDecodeError):
            for _ in _chat(client, stream=True, stream_options={"include_usage": True},
                           extra_headers={"x-fake-mode": "bad_model"}):
                pass
        u = qg.usage()  # (raised UnicodeDecodeError from then on)
        assert {"gpt-4o-mini??", "?gpt-4o"} <= set(u["by_model"]), u["by_model"]
        exact = u["by_model"]["gpt-4o-mini??"]  # the body was whole: its usage counts as sent
        assert (exact["requests"], exact["estimated"], exact["output_tokens"]) == (1, 0, 7)
        assert u["by_model"]["?gpt-4o"]["estimated"] == 1  # the SDK stopped reading at once
        assert _wait_for(got, "unpriced_model")  # the Python callback got the name
        qg.flush()
    finally:
        qg.remove_alert_callback(got.append)
        qg.shutdown()
    lines = jsonl.read_bytes().splitlines()
    assert lines and all(json.loads(line.decode("utf-8")) for line in lines)  # valid UTF-8 JSON
    for command in (["usage", "--by", "model"], ["status"]):
        out = subprocess.run([quotaguard_cli, *command, "--db", str(db), "--format", "json"], capture_output=True)
        assert out.returncode in (0, 1), out.stderr  # (exited 2)
        json.loads(out.stdout.decode("utf-8"))


def test_a_workspace_name_with_a_lone_surrogate_is_data(qg, server):
    client = _client(qg, server, "httpx2")
    with qg.workspace("caf\udcff"):
        _chat(client)
        assert qg.status("caf\udcff") == "normal"
    assert qg._core.check("caf\udcff") is None  # (raised SystemError)
    assert qg.usage()["by_workspace"]["caf?"]["requests"] == 1
    assert qg.usage("caf\udcff")["total"]["requests"] == 1
