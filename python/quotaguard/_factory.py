"""Factories returning genuine openai clients whose http_client carries the instrumented
transport. Every keyword is passed through to the openai constructor."""
from __future__ import annotations

import types
from typing import Any

from . import _config, _realtime
from ._errors import QuotaExhaustedError
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
            return QuotaExhaustedError.build(info.get("workspace", "default"), int(info.get("since_ms", 0) or 0),
                                             "insufficient_quota", info.get("error", ""), response=response, body=body)
        return make(err_msg, body=body, response=response)

    client._make_status_error = types.MethodType(_make_status_error, client)
    copy = client.copy

    def _copy(self, *args, **kwargs):
        return _patch_errors(copy(*args, **kwargs))

    client.copy = types.MethodType(_copy, client)
    client.with_options = client.copy
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


def instrument_http_client(http_client: Any) -> Any:
    """Track a plain httpx(-style) Client/AsyncClient (wraps its transports in place).

    Blocked requests raise QuotaExhaustedError from the transport itself."""
    _config.ensure_configured()
    return instrument_client(http_client, sdk=False)


def instrument_openai_module() -> None:
    """Track code that calls openai's module-level client (``openai.chat.completions.create``):
    sets ``openai.http_client`` to an instrumented default client."""
    import openai

    _config.ensure_configured()
    openai.http_client = instrument_client(_default_http_client(openai, False), sdk=True)
    _realtime.install()
