"""WebSocket sessions through the real SDK (openai[realtime]: the websockets library) against
the loopback WebSocket fake: every billed event is tracked, to the token, sync and async, for
each connect() this SDK version has; sessions of untracked clients are not observed."""
import asyncio
import base64
import contextlib
import importlib.util
import inspect
import json
import subprocess
import sys
import textwrap

import pytest

openai = pytest.importorskip("openai")
if not any(importlib.util.find_spec(m) for m in ("openai.resources.realtime", "openai.resources.beta.realtime")):
    pytest.skip(f"openai {openai.__version__} has no WebSocket API (realtime: 1.55+)", allow_module_level=True)

from fake_realtime import FakeRealtime  # noqa: E402  (websockets: openai[realtime] in every lock that has it)

AUDIO = base64.b64encode(b"\x00\x01" * 9600).decode()  # 400 ms of 24 kHz PCM16


@contextlib.contextmanager
def _session(connect):
    """A sync session, closed on leaving. websockets' sync close() joins its reader thread; under
    the suite's shifted clocks (libfaketime) CPython 3.11's timed lock wait in Thread.join can be
    cut short and raise "release unlocked lock" (bpo-46726). The session had ended by then, and
    what it billed is asserted after: that one error of the SDK's own close is not a failure."""
    with contextlib.ExitStack() as stack:
        conn = stack.enter_context(connect)
        yield conn
        try:
            stack.close()
        except RuntimeError as e:
            if "release unlocked lock" not in str(e):
                raise


@pytest.fixture
def wsfake():
    s = FakeRealtime()
    yield s
    s.close()


def _realtime(client, where="realtime"):
    """client.realtime (GA, openai >= 1.108) or client.beta.realtime (1.55+), else None; with
    where="realtime", whichever this SDK has."""
    owners = {"realtime": [client, getattr(client, "beta", None)], "beta.realtime": [getattr(client, "beta", None)]}
    for owner in owners[where]:
        rt = getattr(owner, "realtime", None)
        if rt is not None and hasattr(rt, "connect"):
            return rt
    return None


def _options(server, wsfake):
    kw = {"api_key": "sk-test", "base_url": server.base_url}
    if "websocket_base_url" in inspect.signature(openai.OpenAI).parameters:  # openai >= 1.55
        kw["websocket_base_url"] = wsfake.ws_base_url
    return kw


def _clients(qg, wsfake, server, is_async=False):
    make = qg.async_openai_client if is_async else qg.openai_client
    return make(**_options(server, wsfake))


def _assert_billed(qg, bill):
    t = qg.usage()["total"]
    assert (t["requests"], t["input_tokens"], t["output_tokens"], t["cached_tokens"], t["reasoning_tokens"]) == \
        (bill.requests, bill.input, bill.output, bill.cached, bill.reasoning)


def _realtime_turns(conn, turns):
    """What a voice app does: audio in, a response out, until each response is done."""
    conn.session.update(session={"type": "realtime", "instructions": "be brief"})
    done = 0
    for _ in range(turns):
        conn.input_audio_buffer.append(audio=AUDIO)
        conn.input_audio_buffer.commit()
        conn.response.create()
        for event in conn:
            if event.type == "response.done":
                done += 1
                break
    return done


@pytest.mark.parametrize("where", ["realtime", "beta.realtime"])
def test_realtime_session_sync(qg, server, wsfake, where):
    rt = _realtime(_clients(qg, wsfake, server), where)
    if rt is None:
        pytest.skip(f"openai {openai.__version__} has no {where}.connect()")
    with _session(rt.connect(model="gpt-realtime")) as conn:
        assert _realtime_turns(conn, 3) == 3
    assert wsfake.bill.requests == 6  # 3 responses + 3 input transcriptions
    _assert_billed(qg, wsfake.bill)
    u = qg.usage()
    assert u["by_endpoint"]["WS /realtime"]["requests"] == 6
    assert "gpt-realtime" in u["by_model"]


def test_realtime_sessions_async_tasks_and_workspaces(qg, server, wsfake):
    async def one(ac, rt, ws, turns):
        async with qg.workspace(ws):
            async with rt.connect(model="gpt-realtime-mini") as conn:
                await conn.session.update(session={"type": "realtime"})
                for _ in range(turns):
                    await conn.response.create()
                    async for event in conn:
                        if event.type == "response.done":
                            break

    async def main():
        ac = _clients(qg, wsfake, server, is_async=True)
        rt = _realtime(ac)
        if rt is None:
            pytest.skip(f"openai {openai.__version__} has no realtime.connect()")
        await asyncio.gather(*[one(ac, rt, f"tenant{i % 2}", 2) for i in range(4)])

    asyncio.run(main())
    assert wsfake.bill.requests == 8
    _assert_billed(qg, wsfake.bill)
    by_ws = qg.usage()["by_workspace"]
    assert by_ws["tenant0"]["requests"] == by_ws["tenant1"]["requests"] == 4


def test_responses_websocket_mode(qg, server, wsfake):
    client = _clients(qg, wsfake, server)
    if not hasattr(client.responses, "connect"):
        pytest.skip(f"openai {openai.__version__} has no responses.connect()")
    with _session(client.responses.connect()) as conn:
        for _ in range(2):
            conn.response.create(model="gpt-4.1", input="hi")
            for event in conn:
                if event.type == "response.completed":
                    break
    assert wsfake.bill.requests == 2
    _assert_billed(qg, wsfake.bill)
    assert qg.usage()["by_model"].keys() >= {"gpt-4.1"}


def test_untracked_sessions_are_not_observed(qg, server, wsfake):
    rt = _realtime(openai.OpenAI(**_options(server, wsfake)))
    if rt is None:
        pytest.skip(f"openai {openai.__version__} has no realtime.connect()")
    _clients(qg, wsfake, server)  # the managers are wrapped now
    with _session(rt.connect(model="gpt-realtime")) as conn:
        _realtime_turns(conn, 1)
    assert wsfake.bill.requests == 2
    assert qg.usage()["total"]["requests"] == 0


def test_exhausted_workspace_fails_fast_before_connecting(qg, server, wsfake):
    client = _clients(qg, wsfake, server)
    rt = _realtime(client)
    if rt is None:
        pytest.skip(f"openai {openai.__version__} has no realtime.connect()")
    server.mode = "quota"
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(qg.QuotaExhaustedError):
        with rt.connect(model="gpt-realtime"):
            pass
    assert wsfake.connections == 0
    assert qg.usage()["total"]["blocked"] == 1


def test_building_a_client_imports_no_realtime_module_and_later_sessions_are_tracked(server, wsfake):
    """The realtime resources pull in most of the SDK's types (~0.6 s of CPU): building a tracked
    client must not import them; a session opened later (the SDK importing them then) is still
    observed. A fresh interpreter: in this one they were imported long ago."""
    child = textwrap.dedent("""
        import json, sys
        import quotaguard
        quotaguard.configure()
        client = quotaguard.openai_client(**json.loads(sys.argv[1]))
        before = sorted(m for m in sys.modules if "realtime" in m.split("."))
        rt = client.realtime if hasattr(client, "realtime") else client.beta.realtime
        try:  # (the faked-clock runs' bpo-46726 on close, tolerated as _session does)
            with rt.connect(model="gpt-realtime") as conn:
                conn.response.create()
                for event in conn:
                    if event.type == "response.done":
                        break
        except RuntimeError as e:
            if "release unlocked lock" not in str(e):
                raise
        print(json.dumps({"before": before, "requests": quotaguard.usage()["total"]["requests"]}))
    """)
    if _realtime(openai.OpenAI(**_options(server, wsfake))) is None:
        pytest.skip(f"openai {openai.__version__} has no realtime.connect()")
    out = subprocess.run([sys.executable, "-c", child, json.dumps(_options(server, wsfake))],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.splitlines()[-1])
    assert seen["before"] == []
    assert seen["requests"] == wsfake.bill.requests == 1
