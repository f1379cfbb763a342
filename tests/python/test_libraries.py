"""quotaguard.install() with the libraries that build their own openai client, the real packages
from PyPI (python/requirements/libraries.lock: LangChain's ChatOpenAI and OpenAIEmbeddings,
LlamaIndex's OpenAI, instructor, DSPy's LM on its default engine and on LiteLLM, LiteLLM), each driven against the loopback fake
API the way its documentation shows, with no quotaguard argument given to the library: every
request and token the fake billed is counted, and once the API says insufficient_quota the next
call through each library fails before any request leaves. Where `quotaguard fix --unsafe-fixes`
hands the library tracked HTTP clients instead (LangChain, LlamaIndex, pydantic-ai's providers),
the fixed call is tracked the same way without install().

Run by ctest libraries_install in .venv-libraries (tracker_python leaves this file out: .venv
does not hold these libraries; a missing one fails here, never skips)."""
import asyncio
import os
import importlib.util
import subprocess

import pytest

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # LiteLLM would fetch its price list at import
os.environ.setdefault("DSPY_CACHEDIR", os.path.join(os.environ.get("TMPDIR", "/tmp"), "qg-dspy-cache"))

import dspy  # noqa: E402
import instructor  # noqa: E402
import litellm  # noqa: E402
import openai  # noqa: E402
import pydantic  # noqa: E402
from billing import billed as _billed, tracked as _tracked  # noqa: E402
from langchain_openai import ChatOpenAI, OpenAIEmbeddings  # noqa: E402
from llama_index.llms.openai import OpenAI as LlamaOpenAI  # noqa: E402
from llama_index.core.llms import ChatMessage  # noqa: E402

KEY = "sk-test"


class Weather(pydantic.BaseModel):
    city: str


# Each way: (name, build(server) -> a callable making one or more calls through the library).
# The fake answers a request offering a tool with a call of it ({"city": "Paris"}): instructor's
# structured output is such a call.
def _langchain_chat(server):
    llm = ChatOpenAI(model="gpt-4o-mini", base_url=server.base_url, api_key=KEY, max_retries=0)
    return lambda: llm.invoke("hi").usage_metadata


def _langchain_chat_async_stream(server):
    llm = ChatOpenAI(model="gpt-4o-mini", base_url=server.base_url, api_key=KEY, max_retries=0, stream_usage=True)

    async def stream():
        return [c async for c in llm.astream("hi")]

    return lambda: asyncio.run(stream())


def _langchain_embeddings(server):
    # check_embedding_ctx_length=False: send text, not tiktoken ids (tiktoken would download them)
    emb = OpenAIEmbeddings(model="text-embedding-3-small", base_url=server.base_url, api_key=KEY, max_retries=0,
                           check_embedding_ctx_length=False)
    return lambda: emb.embed_documents(["a", "b", "c"])


def _llama_index(server):
    llm = LlamaOpenAI(model="gpt-4o-mini", api_base=server.base_url, api_key=KEY, max_retries=0)
    return lambda: llm.chat([ChatMessage(role="user", content="hi")])


def _llama_index_async(server):
    async def complete():  # (its async client belongs to the event loop that first used it)
        llm = LlamaOpenAI(model="gpt-4o-mini", api_base=server.base_url, api_key=KEY, max_retries=0)
        return await llm.acomplete("hi")

    return lambda: asyncio.run(complete())


def _instructor(server):
    client = instructor.from_provider("openai/gpt-4o-mini", base_url=server.base_url, api_key=KEY)

    def call():
        w = client.chat.completions.create(response_model=Weather, max_retries=0,
                                           messages=[{"role": "user", "content": "Weather where?"}])
        assert isinstance(w, Weather) and w.city == "Paris"

    return call


def _dspy(server):
    # DSPy 3.4's default engine: its vendored lm15, an HTTP client over raw sockets (no openai client)
    lm = dspy.LM("openai/gpt-4o-mini", api_base=server.base_url, api_key=KEY, cache=False, num_retries=0)
    return lambda: lm("hi")


def _dspy_async(server):
    lm = dspy.LM("openai/gpt-4o-mini", api_base=server.base_url, api_key=KEY, cache=False, num_retries=0)
    return lambda: asyncio.run(lm.acall("hi"))


def _dspy_litellm(server):
    lm = dspy.LM("openai/gpt-4o-mini", api_base=server.base_url, api_key=KEY, cache=False, num_retries=0,
                 engine="litellm")
    return lambda: lm("hi")


def _litellm(server):
    def call():
        litellm.completion(model="gpt-4o", messages=[{"role": "user", "content": "hi"}], api_base=server.base_url,
                           api_key=KEY, num_retries=0)
        litellm.embedding(model="text-embedding-3-small", input=["a"], api_base=server.base_url, api_key=KEY)

    return call


def _litellm_async(server):
    return lambda: asyncio.run(litellm.acompletion(model="gpt-4o", messages=[{"role": "user", "content": "hi"}],
                                                   api_base=server.base_url, api_key=KEY, num_retries=0))


# LiteLLM's Responses API goes through its own HTTP client, not an openai one (_litellm.py).
def _litellm_responses(server):
    return lambda: litellm.responses(model="openai/gpt-4o-mini", input="hi", api_base=server.base_url, api_key=KEY)


def _litellm_aresponses(server):
    return lambda: asyncio.run(litellm.aresponses(model="openai/gpt-4o-mini", input="hi", api_base=server.base_url,
                                                  api_key=KEY))


def _litellm_image(server):
    return lambda: litellm.image_generation(model="openai/dall-e-3", prompt="a cat", api_base=server.base_url,
                                            api_key=KEY)


WAYS = {
    "langchain ChatOpenAI": _langchain_chat,
    "langchain ChatOpenAI astream": _langchain_chat_async_stream,
    "langchain OpenAIEmbeddings": _langchain_embeddings,
    "llama-index OpenAI chat": _llama_index,
    "llama-index OpenAI acomplete": _llama_index_async,
    "instructor from_provider": _instructor,
    "dspy LM": _dspy,
    "dspy LM acall": _dspy_async,
    "dspy LM engine=litellm": _dspy_litellm,
    "litellm completion + embedding": _litellm,
    "litellm acompletion": _litellm_async,
    "litellm responses": _litellm_responses,
    "litellm aresponses": _litellm_aresponses,
    "litellm image_generation": _litellm_image,
}


def _assert_counted(qg, server, call):
    call()
    call()
    assert server.bill.requests >= 2
    assert _tracked(qg) == _billed(server)


def _assert_fails_fast(qg, server, make):
    """make() builds a new client of the library and calls it once."""
    server.set(quota_after=0)  # the account is dry: the first request gets insufficient_quota
    with pytest.raises(Exception):
        make()
    assert qg.status() == "exhausted"
    sent = server.bill.requests
    with pytest.raises(Exception) as err:
        make()  # a new client of the same library, built after the flip
    assert server.bill.requests == sent, "a request left the process after the quota ran out"
    assert _is_quota_error(err.value), repr(err.value)


@pytest.mark.parametrize("way", WAYS)
def test_every_request_through_the_library_is_counted(qg, installed, server, way):
    _assert_counted(qg, server, WAYS[way](server))


@pytest.mark.parametrize("way", WAYS)
def test_without_install_the_library_is_not_tracked(qg, server, way):
    """The other side of the test above: these libraries' traffic passes no factory."""
    WAYS[way](server)()
    assert server.bill.requests >= 1 and _tracked(qg) == (0, 0, 0)


@pytest.mark.parametrize("way", WAYS)
def test_exhaustion_fails_fast_through_the_library(qg, installed, server, way):
    _assert_fails_fast(qg, server, lambda: WAYS[way](server)())


def test_litellm_sends_other_vendors_untouched(qg, installed, server):
    """What LiteLLM's own HTTP client sends to another vendor's API (Anthropic's /v1/messages) is
    neither counted nor blocked: an exhausted OpenAI quota stops the OpenAI calls only."""
    server.set(quota_after=0)
    with pytest.raises(Exception):
        _litellm_responses(server)()
    assert qg.status() == "exhausted"
    tracked, sent = _tracked(qg), server.bill.requests
    with pytest.raises(Exception):  # (the fake answers everything with insufficient_quota now)
        litellm.completion(model="anthropic/claude-3-5-haiku-20241022", messages=[{"role": "user", "content": "hi"}],
                           api_base=server.base_url.removesuffix("/v1"), api_key=KEY, max_retries=0)
    assert server.bill.requests == sent + 1, "the Anthropic request did not leave the process"
    assert server.bill.by_path.get("POST /v1/messages") == 1, server.bill.by_path
    assert _tracked(qg) == tracked


# What `quotaguard fix --unsafe-fixes` (the real binary, $QG_QUOTAGUARD) makes of a library's call
# where the library takes a tracked HTTP client (`fix-arguments` in rules/python/library-
# clients.toml): with the arguments it adds, and no install(), the library is tracked on its own.
BUILDERS = {
    "llama-index": ("from llama_index.llms.openai import OpenAI\n\n\n"
                    "def build(base_url, key):\n"
                    "    return OpenAI(model=\"gpt-4o-mini\", api_base=base_url, api_key=key, max_retries=0)\n"),
    "langchain": ("from langchain_openai import ChatOpenAI\n\n\n"
                  "def build(base_url, key):\n"
                  "    return ChatOpenAI(model=\"gpt-4o-mini\", base_url=base_url, api_key=key, max_retries=0)\n"),
    "pydantic-ai": ("from pydantic_ai import Agent\n"
                    "from pydantic_ai.models.openai import OpenAIChatModel\n"
                    "from pydantic_ai.providers.openai import OpenAIProvider\n\n\n"
                    "def build(base_url, key):\n"
                    "    provider = OpenAIProvider(base_url=base_url, api_key=key)\n"
                    "    return Agent(OpenAIChatModel(\"gpt-4o-mini\", provider=provider))\n"),
}
_fixed_builders = {}


def _fixed_builder(library, tmp_dir):
    """`build` from the library's app module as the fix leaves it (fixed once per test run)."""
    if library not in _fixed_builders:
        app = tmp_dir / f"fixed_{library.replace('-', '_')}.py"
        app.write_text(BUILDERS[library])
        run = subprocess.run([os.environ["QG_QUOTAGUARD"], "fix", "--unsafe-fixes", str(app)],
                             capture_output=True, text=True, cwd=tmp_dir)
        assert run.returncode == 0 and "_client=quotaguard.instrument_http_client(" in app.read_text(), run
        spec = importlib.util.spec_from_file_location(app.stem, app)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _fixed_builders[library] = module.build
    return _fixed_builders[library]


@pytest.fixture
def fixed(tmp_path_factory):
    return lambda library: _fixed_builder(library, tmp_path_factory.getbasetemp())


def _llama_index_fixed(server, build):
    llm = build("llama-index")(server.base_url, KEY)
    return lambda: llm.chat([ChatMessage(role="user", content="hi")])


def _llama_index_fixed_async(server, build):
    async def complete():  # (an httpx.AsyncClient belongs to the event loop that first used it)
        return await build("llama-index")(server.base_url, KEY).acomplete("hi")

    return lambda: asyncio.run(complete())


def _langchain_fixed(server, build):
    llm = build("langchain")(server.base_url, KEY)
    return lambda: llm.invoke("hi")


def _langchain_fixed_async(server, build):
    async def ask():
        return await build("langchain")(server.base_url, KEY).ainvoke("hi")

    return lambda: asyncio.run(ask())


def _pydantic_ai_fixed(server, build):
    return lambda: build("pydantic-ai")(server.base_url, KEY).run_sync("hi").output


def _pydantic_ai_fixed_async(server, build):
    async def ask():
        return (await build("pydantic-ai")(server.base_url, KEY).run("hi")).output

    return lambda: asyncio.run(ask())


FIXED = {
    "llama-index OpenAI chat": _llama_index_fixed,
    "llama-index OpenAI acomplete": _llama_index_fixed_async,
    "langchain ChatOpenAI invoke": _langchain_fixed,
    "langchain ChatOpenAI ainvoke": _langchain_fixed_async,
    "pydantic-ai Agent run_sync": _pydantic_ai_fixed,
    "pydantic-ai Agent run": _pydantic_ai_fixed_async,
}


@pytest.mark.parametrize("way", FIXED)
def test_the_fix_arguments_track_the_library_without_install(qg, server, fixed, way):
    assert not qg.installed()
    _assert_counted(qg, server, FIXED[way](server, fixed))


@pytest.mark.parametrize("way", FIXED)
def test_the_fix_arguments_fail_fast_after_exhaustion(qg, server, fixed, way):
    _assert_fails_fast(qg, server, lambda: FIXED[way](server, fixed)())


def _is_quota_error(e: BaseException) -> bool:
    """The library's own wrapping of openai's error still says what happened."""
    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, openai.RateLimitError) or "insufficient_quota" in str(e) or "quota" in str(e).lower():
            return True
        e = e.__cause__ or e.__context__
    return False


def test_dspy_default_engine_counts_a_body_compressed_anyway(qg, installed, server):
    """lm15 asks for no compression and decodes what a gateway compresses anyway; the tracker
    counts what it decoded."""
    server.set(compression="gzip", ignore_accept_encoding=True)
    _dspy(server)()
    assert server.bill.snapshot()["encodings"] == {"gzip": 1}
    assert server.bill.requests == 1 and _tracked(qg) == _billed(server)


def test_uninstall_restores_dspy_default_engine(qg, server):
    from dspy._vendor.lm15.transports import StdlibAsyncTransport, StdlibTransport

    plain = (StdlibTransport.stream, StdlibAsyncTransport._do_stream)
    qg.install()
    assert (StdlibTransport.stream, StdlibAsyncTransport._do_stream) != plain
    qg.install()  # idempotent: wrapped once
    assert StdlibTransport.stream.__wrapped__ is plain[0]
    qg.uninstall()
    assert (StdlibTransport.stream, StdlibAsyncTransport._do_stream) == plain
    _dspy(server)()
    assert server.bill.requests == 1 and _tracked(qg) == (0, 0, 0)
