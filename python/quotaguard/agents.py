"""Tracking the OpenAI Agents SDK (``pip install openai-agents``) with one line at startup.

    import quotaguard.agents
    quotaguard.agents.install()                  # before the first run
    with quotaguard.workspace("acme"):           # optional: attribute these runs to a tenant
        result = await Runner.run(agent, "...")  # every model request of the run is counted

The SDK sends its requests through an ``AsyncOpenAI`` it builds for itself unless it is given
one; ``install()`` makes a tracked one (``quotaguard.async_openai_client()``) the SDK's
process-wide default, so every run whose model is a model name (the usual case) goes through
quotaguard's transport: every turn, tool call and hand-off of ``Runner.run``, ``run_sync`` and
``run_streamed``, on the Responses and the Chat Completions API. A run given its own client
(``OpenAIProvider(api_key=...)``, ``OpenAIResponsesModel(openai_client=...)``) keeps it:
``quotaguard scan`` reports those (QG009).

The SDK's trace exporter is left as it is (it keeps the key it has, usually
``OPENAI_API_KEY``) unless ``use_for_tracing=True``; its uploads are not model traffic.
"""
from __future__ import annotations

from typing import Any

from ._factory import async_openai_client

__all__ = ["install"]


def install(client: Any = None, *, use_for_tracing: bool = False, **client_options: Any) -> Any:
    """Make a tracked ``AsyncOpenAI`` the Agents SDK's default client; returns it.

    ``client``: the client to use, from your tracking factory; by default a new
    ``quotaguard.async_openai_client(**client_options)`` (``base_url=``, ``api_key=``, ...).
    ``use_for_tracing``: also hand the client's API key to the SDK's trace exporter.
    Call it again to replace the default; runs that already resolved their model keep theirs.
    """
    try:
        import agents  # the openai-agents package
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("quotaguard.agents.install() needs the openai-agents package "
                          "(pip install openai-agents)") from e
    if client is None:
        client = async_openai_client(**client_options)
    elif client_options:
        raise TypeError("quotaguard.agents.install(): pass a client or client options, not both")
    agents.set_default_openai_client(client, use_for_tracing=use_for_tracing)
    return client
