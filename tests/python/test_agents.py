"""quotaguard.agents.install() with the real OpenAI Agents SDK (openai-agents, pinned in
python/requirements/dev.lock) against the loopback fake API: an agent with a tool, run with
Runner.run, run_sync and run_streamed, on the Responses and the Chat Completions API; every
request and token the fake billed is counted, attributed to the workspace around the run; a
429 insufficient_quota flips the status and the next run fails before any request leaves."""
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")  # no trace uploads to the real API
import agents  # noqa: E402  (openai-agents, pinned in dev.lock: missing is a failure, not a skip)
from agents.models import _openai_shared  # noqa: E402  (the SDK's process-wide defaults)
from agents.tracing import processors as _tracing  # noqa: E402

from fake_openai import agent_turns  # noqa: E402
import openai  # noqa: E402
import quotaguard.agents  # noqa: E402,F401  (qg.agents)

# Left out of the faked-clock passes (CMakeLists.txt: tracker_python_at_*):
# the Agents SDK's requests counted: process totals and all-minute sums, no period.
pytestmark = pytest.mark.clock_independent

QUESTION = "What is the weather in Paris?"
WAYS = ["run", "run_sync", "run_streamed"]


@pytest.fixture
def sdk_defaults():
    """Each test starts from the SDK's own defaults and leaves them so."""
    before = (_openai_shared.get_default_openai_client(), _openai_shared.get_use_responses_by_default(),
              _tracing.default_exporter()._api_key)
    yield
    _openai_shared.set_default_openai_client(before[0])
    _openai_shared.set_use_responses_by_default(before[1])
    _tracing.default_exporter()._api_key = before[2]


def _agent(api, calls):
    @agents.function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        calls.append(city)
        return f"Sunny in {city}"

    # The SDK asks a Chat Completions stream for its usage only from api.openai.com's base URL;
    # against the fake it is asked for explicitly, as it is in production.
    settings = agents.ModelSettings(include_usage=True) if api == "chat_completions" else agents.ModelSettings()
    return agents.Agent(name="Forecaster", instructions="Use the tool.", model="gpt-4o-mini", tools=[get_weather],
                        model_settings=settings)


async def _arun(way, agent):
    if way == "run":
        return await agents.Runner.run(agent, QUESTION)
    streamed = agents.Runner.run_streamed(agent, QUESTION)
    async for _ in streamed.stream_events():
        pass
    return streamed


def _run(way, agent):
    if way == "run_sync":
        return agents.Runner.run_sync(agent, QUESTION)
    return asyncio.run(_arun(way, agent))


def _tracked(qg, workspace=None):
    t = qg.usage(workspace)["total"] if workspace else qg.usage()["total"]
    return t["requests"], t["input_tokens"], t["output_tokens"]


def _billed(server):
    return server.bill.requests, server.bill.input, server.bill.output


@pytest.mark.parametrize("api", ["responses", "chat_completions"])
@pytest.mark.parametrize("way", WAYS)
def test_every_request_of_a_run_is_counted(qg, server, sdk_defaults, api, way):
    client = qg.agents.install(base_url=server.base_url, api_key="sk-test")
    agents.set_default_openai_api(api)
    calls = []
    with qg.workspace("acme"):
        result = _run(way, _agent(api, calls))
    assert calls == ["Paris"]  # the model called the tool, then answered with its result
    assert result.final_output in ("Hi there", "Hello! How can I help?", "Hello there! How can I help?")
    path = "POST /v1/responses" if api == "responses" else "POST /v1/chat/completions"
    assert server.bill.by_path == {path: 2}  # the tool-call turn and the answer
    assert _openai_shared.get_default_openai_client() is client
    assert _tracked(qg, "acme") == _billed(server)
    assert _tracked(qg) == _billed(server)
    assert qg.usage()["total"]["estimated"] == 0


def test_runs_in_two_workspaces_are_attributed_apart(qg, server, sdk_defaults):
    qg.agents.install(base_url=server.base_url, api_key="sk-test")

    async def tenant(name):
        with qg.workspace(name):
            return await agents.Runner.run(_agent("responses", []), QUESTION)

    async def main():
        await asyncio.gather(tenant("acme"), tenant("globex"), tenant("globex"))

    asyncio.run(main())
    # A tool-call turn, then the fake's usual answer (21 input, 13 output tokens).
    per_run = (2, agent_turns.RESPONSES_USAGE[0] + 21, agent_turns.RESPONSES_USAGE[1] + 13)
    assert _tracked(qg, "acme") == per_run
    assert _tracked(qg, "globex") == tuple(2 * n for n in per_run)
    assert _tracked(qg) == _billed(server)


@pytest.mark.parametrize("way", WAYS)
def test_insufficient_quota_flips_and_the_next_run_fails_fast(qg, server, sdk_defaults, way):
    qg.agents.install(base_url=server.base_url, api_key="sk-test")
    agent = _agent("responses", [])
    outcomes = []

    def step(run):
        try:
            outcomes.append((run(), server.bill.requests, qg.status()))
        except Exception as e:  # noqa: BLE001 - what each run raised is the point
            outcomes.append((e, server.bill.requests, qg.status()))

    def flip():
        server.mode = "quota"

    if way == "run_sync":
        step(lambda: agents.Runner.run_sync(agent, QUESTION))
        flip()
        step(lambda: agents.Runner.run_sync(agent, QUESTION))
        step(lambda: agents.Runner.run_sync(agent, QUESTION))
    else:
        async def main():  # one event loop, as a service has
            for i in range(3):
                if i == 1:
                    flip()
                try:
                    outcomes.append((await _arun(way, agent), server.bill.requests, qg.status()))
                except Exception as e:  # noqa: BLE001
                    outcomes.append((e, server.bill.requests, qg.status()))
        asyncio.run(main())
    (ok, sent_ok, status_ok), (first, sent_first, status_first), (second, sent_second, status_second) = outcomes
    assert status_ok == "normal" and sent_ok == 2
    # The 429 itself: one request (no retry of an insufficient_quota), and the status flips at once.
    assert isinstance(first, openai.RateLimitError) and "insufficient_quota" in str(first.body), first
    assert sent_first == sent_ok + 1 and status_first == "exhausted"
    assert isinstance(second, qg.QuotaExhaustedError), second
    assert sent_second == sent_first  # nothing left the process
    assert qg.usage()["total"]["quota_errors"] == 1


def test_install_leaves_the_trace_exporter_alone_unless_asked(qg, server, sdk_defaults):
    exporter = _tracing.default_exporter()
    exporter._api_key = None
    qg.agents.install(base_url=server.base_url, api_key="sk-mine")
    assert exporter._api_key is None
    client = qg.agents.install(base_url=server.base_url, api_key="sk-mine", use_for_tracing=True)
    assert exporter._api_key == "sk-mine" == client.api_key


def test_install_takes_a_client_from_the_project_factory(qg, server, sdk_defaults):
    mine = qg.async_openai_client(base_url=server.base_url, api_key="sk-test")
    assert qg.agents.install(mine) is mine
    assert _openai_shared.get_default_openai_client() is mine
    with pytest.raises(TypeError):
        qg.agents.install(mine, base_url=server.base_url)
    _run("run", _agent("responses", []))
    assert _tracked(qg) == _billed(server)


def test_without_install_the_sdk_sends_untracked(qg, server, sdk_defaults, monkeypatch):
    """What QG009 reports: the SDK's own client reaches the API and quotaguard sees nothing."""
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    _openai_shared.set_default_openai_client(None)
    _run("run", _agent("responses", []))
    assert server.bill.requests == 2
    assert _tracked(qg) == (0, 0, 0)


FIX_CASES = Path(__file__).resolve().parents[2] / "fixtures" / "fix"


@pytest.mark.parametrize("script, tracked", [("agents_main_block.unsafe.fixed.py", True), ("agents_main_block.py", False)],
                         ids=["after-fix", "before-fix"])
def test_the_fixed_script_runs_tracked(server, tmp_path, script, tracked):
    """What `quotaguard fix --unsafe-fixes` writes for a script (tests/cli/test_fix.py pins these
    bytes), run as a process with the real SDK: the history holds every request and token the
    fake billed. The script before the fix sends the same request, and quotaguard sees nothing."""
    config = tmp_path / "quotaguard-tracker.toml"
    config.write_text('[tracker]\ndb = "history.db"\n')
    env = dict(os.environ, QUOTAGUARD_CONFIG=str(config), OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-test",
               OPENAI_AGENTS_DISABLE_TRACING="1")
    p = subprocess.run([sys.executable, str(FIX_CASES / script)], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert server.bill.requests == 1 and p.stdout.strip()  # one turn, answered
    history = tmp_path / "history.db"
    if not tracked:
        assert not history.exists()
        return
    con = sqlite3.connect(history)
    try:
        recorded = con.execute("SELECT SUM(requests), SUM(input_tokens), SUM(output_tokens) FROM usage_minute").fetchone()
    finally:
        con.close()
    assert recorded == _billed(server)


def test_install_tracks_the_client_the_sdk_builds_itself(server):
    """quotaguard.install() (issue 21) at the start of a process that sets no default: the SDK
    builds its own AsyncOpenAI from the environment, and that client is tracked (why the scanner
    takes install() as QG009's installer too). A process of its own: in this one the SDK's
    default provider and openai's shared HTTP pool keep what earlier tests' event loops built."""
    child = textwrap.dedent(f"""
        import asyncio, json, os
        os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"
        import quotaguard
        quotaguard.install()
        import agents

        @agents.function_tool
        def get_weather(city: str) -> str:
            \"\"\"The weather in a city.\"\"\"
            return f"Sunny in {{city}}"

        agent = agents.Agent(name="Forecaster", instructions="Use the tool.", model="gpt-4o-mini",
                             tools=[get_weather])
        result = asyncio.run(agents.Runner.run(agent, {QUESTION!r}))
        t = quotaguard.usage()["total"]
        print(json.dumps([bool(result.final_output), t["requests"], t["input_tokens"], t["output_tokens"]]))
    """)
    env = dict(os.environ, OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-test")
    p = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]
    assert json.loads(p.stdout.splitlines()[-1]) == [True, *_billed(server)] and server.bill.requests == 2
