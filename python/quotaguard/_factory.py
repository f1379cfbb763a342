"""Factories returning genuine openai clients whose http_client carries the instrumented
transport. Every keyword is passed through to the openai constructor."""
from __future__ import annotations

import os
import threading
import types
from typing import Any

from . import _config, _realtime
from ._errors import exhausted_error
from ._transport import instrument_client


def _default_http_client(openai: Any, is_async: bool):
    # The SDK's own defaults (timeout 600 s / connect 5 s, 1000 connections, 100 keep-alive,
    # follow_redirects), from whichever HTTP library this SDK version uses.
    cls = getattr(openai, "DefaultAsyncHttpxClient" if is_async else "DefaultHttpxClient", None)
    if cls is not None:
        return cls()
    import httpx

    kw = dict(timeout=httpx.Timeout(600.0, connect=5.0),
              limits=httpx.Limits(max_connections=1000, max_keepalive_connections=100),
              follow_redirects=True)
    return httpx.AsyncClient(**kw) if is_async else httpx.Client(**kw)


def _patch_errors(client: Any) -> Any:
    if client.__dict__.get("_qg_errors_patched"):
        return client
    """Blocked calls come back as QuotaExhaustedError (a RateLimitError), not a generic 429.

    Patched on the instance so the client stays exactly an openai.OpenAI; copies made with
    copy()/with_options() share the transport and are patched the same way.
    """
    make = client._make_status_error

    def _make_status_error(self, err_msg, *, body, response):
        if response is not None and response.headers.get("x-quotaguard-blocked"):
            info = (body or {}).get("quotaguard", {}) if isinstance(body, dict) else {}
            if not info and isinstance(body, dict):
                info = body.get("error", {}).get("quotaguard", {}) if isinstance(body.get("error"), dict) else {}
            return exhausted_error().build(info.get("workspace", "default"), int(info.get("since_ms", 0) or 0),
                                             "insufficient_quota", info.get("error", ""), response=response, body=body)
        return make(err_msg, body=body, response=response)

    client._make_status_error = types.MethodType(_make_status_error, client)
    copy = client.copy

    def _copy(self, *args, **kwargs):
        return _patch_errors(copy(*args, **kwargs))

    client.copy = types.MethodType(_copy, client)
    client.with_options = client.copy
    client.__dict__["_qg_errors_patched"] = True
    return client


def _build(class_name: str, is_async: bool, kwargs: dict) -> Any:
    import openai  # needed here, and only here

    _config.ensure_configured()
    http_client = kwargs.get("http_client")
    if http_client is None:
        http_client = _default_http_client(openai, is_async)
    kwargs["http_client"] = instrument_client(http_client, sdk=True)
    _realtime.install()  # WebSocket sessions (realtime, responses.connect) bypass http_client
    cls = getattr(openai, class_name)
    return _patch_errors(cls(**kwargs))


def openai_client(**kwargs: Any):
    """``openai.OpenAI(**kwargs)`` with every request tracked."""
    return _build("OpenAI", False, kwargs)


def async_openai_client(**kwargs: Any):
    """``openai.AsyncOpenAI(**kwargs)`` with every request tracked."""
    return _build("AsyncOpenAI", True, kwargs)


def azure_openai_client(**kwargs: Any):
    """``openai.AzureOpenAI(**kwargs)`` with every request tracked."""
    return _build("AzureOpenAI", False, kwargs)


def async_azure_openai_client(**kwargs: Any):
    """``openai.AsyncAzureOpenAI(**kwargs)`` with every request tracked."""
    return _build("AsyncAzureOpenAI", True, kwargs)


def instrument(client: Any) -> Any:
    """Track an existing openai client in place -- ``OpenAI``, ``AsyncOpenAI``, the Azure ones,
    or a team's own subclass, however it was built -- and return it. Blocked calls fail fast
    with QuotaExhaustedError, without the SDK's retries. Idempotent."""
    http_client = getattr(client, "_client", None)
    if http_client is None or not hasattr(client, "_make_status_error"):
        raise TypeError(f"quotaguard.instrument: {type(client).__module__}.{type(client).__name__} is not an "
                        f"openai client (no http client found)")
    _config.ensure_configured()
    instrument_client(http_client, sdk=True)
    return _patch_errors(client)


def instrument_http_client(http_client: Any) -> Any:
    """Track a plain httpx(-style) Client/AsyncClient (wraps its transports in place).

    A blocked request raises QuotaExhaustedError from the transport, except one the OpenAI SDK
    built (it retries any transport exception): that one gets a non-retryable 429, which the SDK
    raises at once as RateLimitError (``instrument(client)`` makes it QuotaExhaustedError)."""
    _config.ensure_configured()
    return instrument_client(http_client, sdk=False)


_shared_lock = threading.Lock()
_shared: tuple = (None, None)  # (pid, client)


def shared_openai_client():
    """One tracked ``openai.OpenAI`` per process, built on first use and reused after.

    What ``quotaguard fix`` writes for a call through openai's module-level client:
    ``openai.embeddings.create(...)`` becomes ``shared_openai_client().embeddings.create(...)``,
    keeping one client and its connection pool where ``openai_client()`` would build one per
    call. Built like the module-level client, from openai's module settings (``openai.api_key``,
    ``organization``, ``project``, ``base_url``, ``timeout``, ``max_retries``, default headers and
    query) as they are at first use, else the environment. A forked child builds its own.
    """
    global _shared
    pid, client = _shared
    if pid == os.getpid():
        return client
    with _shared_lock:
        if _shared[0] != os.getpid():
            import openai

            settings = {k: getattr(openai, k, None) for k in (
                "api_key", "organization", "project", "base_url", "timeout", "max_retries", "default_headers",
                "default_query")}
            kwargs = {k: v for k, v in settings.items() if v is not None}
            if getattr(openai, "http_client", None) is not None:
                kwargs["http_client"] = openai.http_client
            _shared = (os.getpid(), openai_client(**kwargs))
        return _shared[1]


def instrument_openai_module() -> None:
    """Track code that calls openai's module-level client (``openai.chat.completions.create``):
    sets ``openai.http_client`` to an instrumented default client, and instruments the module
    client in place if the module already built it."""
    import openai

    _config.ensure_configured()
    openai.http_client = instrument_client(_default_http_client(openai, False), sdk=True)
    existing = getattr(openai, "_client", None)  # built by an earlier module-level call
    if existing is not None:
        instrument(existing)
    _realtime.install()
