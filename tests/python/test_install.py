"""quotaguard.install(): every openai client the process builds is tracked, however it is built
(no http_client, one given, an Azure or async one, a copy, a subclass, one built before the
call), with the real openai SDK against the loopback fake; uninstall() undoes it; the
QUOTAGUARD_AUTO hook installs it at interpreter start.

Run in .venv (openai 3.x) and in the SDK matrix (ctest sdk_openai-X.Y)."""
import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import openai
from billing import billed as _billed, tracked as _tracked
import quotaguard._install as install_module
from quotaguard._transport import is_instrumented

# Left out of the faked-clock passes (CMakeLists.txt: tracker_python_at_*):
# which clients install() reaches: process totals, no period.
pytestmark = pytest.mark.clock_independent

CHAT = [{"role": "user", "content": "hi"}]
PTH = Path(__file__).resolve().parents[2] / "python" / "quotaguard-auto.pth"


def _layers(http_client) -> int:
    """How many instrumented transports are stacked on an HTTP client (one when tracked)."""
    t, n = http_client._transport, 0
    while is_instrumented(t):
        t, n = t._qg_inner, n + 1
    return n


def test_a_client_built_with_no_http_client_gets_a_tracked_default(qg, server, installed):
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-test")
    client.chat.completions.create(model="gpt-4o", messages=CHAT)
    client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    assert _tracked(qg) == _billed(server) and server.bill.requests == 2
    assert type(client) is openai.OpenAI  # still exactly the SDK's class


def test_a_given_http_client_is_instrumented_in_place(qg, server, installed):
    http = openai.DefaultHttpxClient()
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", http_client=http)
    assert client._client is http and _layers(http) == 1
    client.embeddings.create(model="text-embedding-3-small", input="x")
    assert _tracked(qg) == _billed(server) == (1, 8, 0)


def test_async_azure_copies_and_subclasses_are_tracked(qg, server, installed):
    class TeamClient(openai.AsyncOpenAI):  # a team's own subclass
        pass

    async def main():
        a = TeamClient(base_url=server.base_url, api_key="sk-test")
        await a.chat.completions.create(model="gpt-4o", messages=CHAT)
        await a.with_options(max_retries=0).embeddings.create(model="text-embedding-3-small", input="x")
        az = openai.AsyncAzureOpenAI(api_key="k", api_version="2024-10-21",
                                     azure_endpoint=f"http://127.0.0.1:{server.port}")
        await az.chat.completions.create(model="my-deployment", messages=CHAT)

    asyncio.run(main())
    az = openai.AzureOpenAI(api_key="k", api_version="2024-10-21", azure_endpoint=f"http://127.0.0.1:{server.port}")
    az.copy(timeout=5).chat.completions.create(model="my-deployment", messages=CHAT)
    assert _tracked(qg) == _billed(server) and server.bill.requests == 4


def test_a_client_built_before_install_is_reached(qg, server):
    early = openai.OpenAI(base_url=server.base_url, api_key="sk-test")
    early.embeddings.create(model="text-embedding-3-small", input="before")  # not tracked: no install yet
    assert _tracked(qg) == (0, 0, 0)
    report = qg.install()
    try:
        assert any(f"at {id(early):#x}" in r for r in report.reached), report
        assert not [r for r in report.unreached if f"at {id(early):#x}" in r], report
        early.embeddings.create(model="text-embedding-3-small", input="after")
        assert _tracked(qg) == (1, 8, 0)
    finally:
        qg.uninstall()


def test_a_client_that_cannot_be_reached_is_reported(qg, server):
    odd = openai.OpenAI(base_url=server.base_url, api_key="sk-test")
    odd._client._transport = None  # an HTTP client with no transport quotaguard can wrap
    try:
        with pytest.warns(RuntimeWarning, match="not tracked"):
            report = qg.install()
        assert [r for r in report.unreached if f"at {id(odd):#x}" in r and "no transport" in r], report
    finally:
        qg.uninstall()


def test_install_twice_stacks_nothing_and_counts_once(qg, server):
    qg.install()
    try:
        again = qg.install()
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test")
        qg.install()
        assert again.reached == [] and _layers(client._client) == 1
        client.embeddings.create(model="text-embedding-3-small", input="x")
        assert _tracked(qg) == (1, 8, 0)
    finally:
        qg.uninstall()


def test_uninstall_gives_back_what_install_changed(qg, server):
    factory_client = qg.openai_client(base_url=server.base_url, api_key="sk-test")
    qg.install()
    assert qg.installed()
    built = openai.OpenAI(base_url=server.base_url, api_key="sk-test")
    qg.uninstall()
    assert not qg.installed()
    after = openai.OpenAI(base_url=server.base_url, api_key="sk-test")
    for plain in (built, after):
        assert _layers(plain._client) == 0 and "_make_status_error" not in plain.__dict__
        plain.embeddings.create(model="text-embedding-3-small", input="x")
    assert _tracked(qg) == (0, 0, 0)
    factory_client.embeddings.create(model="text-embedding-3-small", input="x")  # the factory's stays tracked
    assert _tracked(qg) == (1, 8, 0)


def test_exhaustion_fails_fast_on_an_installed_client(qg, server, installed):
    server.set(quota_after=1)
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-test")
    client.embeddings.create(model="text-embedding-3-small", input="x")
    with pytest.raises(openai.RateLimitError):  # the API's own insufficient_quota, not retried
        client.embeddings.create(model="text-embedding-3-small", input="x")
    assert qg.status() == "exhausted"
    sent = server.bill.requests
    later = openai.OpenAI(base_url=server.base_url, api_key="sk-test")  # a library's new client
    with pytest.raises(qg.QuotaExhaustedError):
        later.chat.completions.create(model="gpt-4o", messages=CHAT)
    assert server.bill.requests == sent  # nothing left the process


def _child(code: str, **env) -> subprocess.CompletedProcess:
    env = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True,
                          timeout=120)


CHILD_CALLS = """
        import json, sys
        assert "openai" not in sys.modules
        import openai, quotaguard
        client = openai.OpenAI(base_url="{url}", api_key="sk-test")
        client.embeddings.create(model="text-embedding-3-small", input="x")
        print(json.dumps([quotaguard.installed(), quotaguard.usage()["total"]["requests"]]))
"""


def test_install_before_openai_is_imported_waits_for_it(server):
    p = _child("""
        import sys, quotaguard
        report = quotaguard.install()
        assert report.waiting_for_openai and "openai" not in sys.modules, report
    """ + CHILD_CALLS.format(url=server.base_url))
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[true, 1]", p.stdout


@pytest.mark.parametrize("value, tracked", [("1", True), ("0", False)])
def test_the_auto_hook_line_installs_when_asked(server, value, tracked):
    """The .pth line the wheel installs, run as site.py runs it (the packaging test runs it from
    the installed wheel); without the variable it imports nothing."""
    line = PTH.read_text().strip()
    assert line.startswith("import ") and "\n" not in line  # site.py runs such a line, and only such
    p = _child(f"""
        {line}
        import sys
        if not {tracked}:
            assert "quotaguard" not in sys.modules
    """ + CHILD_CALLS.format(url=server.base_url), QUOTAGUARD_AUTO=value)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == ("[true, 1]" if tracked else "[false, 0]"), p.stdout + p.stderr
