"""DSPy's own HTTP engine, tracked: lm15's stdlib transports.

DSPy 3.4's ``dspy.LM(...)`` sends through lm15 (vendored as ``dspy._vendor.lm15``), an HTTP/1.1
client over raw sockets, not through an openai client: the constructor hook of ``install()``
never sees that traffic. Every request lm15 sends passes one method of its transports:
``StdlibTransport.stream(request)`` (sync) and ``StdlibAsyncTransport._do_stream(request)``
(async; ``stream()`` and awaiting it both go there). ``install()`` wraps those two and
``uninstall()`` restores them. A request is checked first (a blocked workspace raises
``QuotaExhaustedError`` before anything is sent; a budget's fallback model or a failover account
rewrite it), and the response body is counted piece by piece as lm15 hands it on, recorded when
it ends, fails or is released early (lm15 hands on bodies decoded: it undoes the gzip/deflate
a gateway may apply though it asked for none).

The two attributes read from lm15's responses (``_chunks``, ``_release``) are private: on a
release without them the exchange is recorded with its headers only and a ``RuntimeWarning``
says the body was not counted.
"""
from __future__ import annotations

import dataclasses
import functools
import time
import warnings
from typing import Any
from urllib.parse import urlsplit

from . import _config, _core
from ._context import _current
from ._errors import exhausted_error
from ._import_hooks import forget, when_imported
from ._transport import _Recorder, _count, for_account, model_in, with_model

_PACKAGE = "dspy._vendor.lm15.transports"
# module -> (class, method, async)
_ENTRY_POINTS = {
    _PACKAGE + "._sync": ("StdlibTransport", "stream", False),
    _PACKAGE + "._async": ("StdlibAsyncTransport", "_do_stream", True),
}
_originals: dict[tuple[type, str], Any] = {}
_state = _config._state


def install() -> None:
    for name in _ENTRY_POINTS:
        when_imported(name, _patch_module)


def uninstall() -> None:
    for name in _ENTRY_POINTS:
        forget(name, _patch_module)
    for (cls, method), original in _originals.items():
        setattr(cls, method, original)
    _originals.clear()


def _patch_module(module: Any) -> None:
    class_name, method, is_async = _ENTRY_POINTS[module.__name__]
    cls = getattr(module, class_name, None)
    original = vars(cls).get(method) if isinstance(cls, type) else None
    if original is None:
        warnings.warn(f"quotaguard: {module.__name__}.{class_name}.{method} not found: DSPy's own HTTP engine "
                      f"is not tracked", RuntimeWarning, stacklevel=2)
        return
    if (cls, method) in _originals:
        return
    _originals[(cls, method)] = original
    setattr(cls, method, (_tracked_async if is_async else _tracked_sync)(original))


def _tracked_sync(original):
    @functools.wraps(original)
    def stream(self, request):
        ws, request, account = _admit(request)
        rec = _recorder(ws, account, request)
        try:
            response = original(self, request)
        except BaseException:
            rec.finish(False)
            raise
        return _observe(response, rec, is_async=False)

    return stream


def _tracked_async(original):
    @functools.wraps(original)
    async def _do_stream(self, request):
        ws, request, account = _admit(request)
        rec = _recorder(ws, account, request)
        try:
            response = await original(self, request)
        except BaseException:
            rec.finish(False)
            raise
        return _observe(response, rec, is_async=True)

    return _do_stream


def _admit(request):
    """(workspace, the request to send, account); raises when the workspace is blocked."""
    ws = _current.get()
    if not _state["configured"]:
        _config.ensure_configured()
    verdict = _core.check(ws)
    if verdict is None:
        return ws, request, 0
    _status, action, since_ms, code, message, account = verdict
    if action == 3:  # failover: the same call with another account's credentials
        headers, url = for_account(_encoded(request.headers), urlsplit(request.url).path, _config.account(account))
        changes = {"headers": [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]}
        if url is not None:
            changes["url"] = url
        return ws, dataclasses.replace(request, **changes), account
    if action == 2:  # a budget is used up: the same call with the cheaper model
        body = with_model(request.body, _config.policy()["fallback_model"])
        return ws, request if body is None else dataclasses.replace(request, body=body), 0
    _core.record_blocked(ws, request.method, _path(request.url).decode("latin-1"), model_in(request.body))
    raise exhausted_error().build(ws, since_ms, code, message)


def _recorder(ws: str, account: int, request) -> _Recorder:
    return _Recorder(ws, account, request.method, _path(request.url), _encoded(request.headers), request.body,
                     time.perf_counter_ns())


def _path(url: str) -> bytes:
    parts = urlsplit(url)
    return (parts.path + ("?" + parts.query if parts.query else "")).encode("latin-1")


def _encoded(headers) -> list:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]


def _observe(response, rec: _Recorder, *, is_async: bool):
    """Counts the response's body as lm15 hands it on (decoded), recording when it ends."""
    rec.headers_arrived(response.status, _encoded(response.headers))
    chunks, release = getattr(response, "_chunks", None), getattr(response, "_release", None)
    if chunks is None or release is None:
        warnings.warn("quotaguard: this lm15 response keeps its body elsewhere: recorded without it",
                      RuntimeWarning, stacklevel=3)
        rec.finish(False)
        return response
    if is_async:
        async def counted():
            try:
                async for chunk in chunks:
                    for piece in _count(rec, (chunk,)):
                        yield piece
            except BaseException:
                rec.finish(False)  # cut, a decoding error, or the reader stopped early
                raise
            rec.finish(True)

        async def released(body_consumed: bool) -> None:
            try:
                await release(body_consumed)
            finally:
                rec.finish(False)  # (a no-op once the body was read to its end)
    else:
        def counted():
            try:
                yield from _count(rec, chunks)
            except BaseException:
                rec.finish(False)
                raise
            rec.finish(True)

        def released(body_consumed: bool) -> None:
            try:
                release(body_consumed)
            finally:
                rec.finish(False)
    response._chunks = counted()
    response._release = released
    return response
