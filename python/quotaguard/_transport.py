"""The instrumented HTTP transport: wraps whichever transport an httpx-style client uses.

Every request of every resource goes through ``handle_request`` / ``handle_async_request``,
so tracking needs no per-method code. The wrapper is duck-typed: it subclasses the base
transport class found in the wrapped transport's MRO (httpx's, or httpx2's by the same name),
and wraps the response stream in a subclass of that library's SyncByteStream/AsyncByteStream.
"""
from __future__ import annotations

import json
import sys
import time
from typing import Any

from . import _config, _core
from ._context import _current
from ._errors import QuotaExhaustedError

_perf_ns = time.perf_counter_ns
_SYNC_BASES = ("BaseTransport",)
_ASYNC_BASES = ("AsyncBaseTransport",)
_class_cache: dict = {}


def _base_named(obj: Any, names: tuple) -> type:
    for cls in type(obj).__mro__:
        if cls.__name__ in names:
            return cls
    return object


def _content_type(headers_raw: list) -> bytes:
    for k, v in headers_raw:
        if len(k) == 12 and k.lower() == b"content-type":
            return v
    return b""


def _request_body(request, read_multipart: bool = False) -> bytes | None:
    try:
        return request.content
    except Exception:  # a streamed (multipart) body that was not read yet
        pass
    if read_multipart:
        try:
            return request.read()  # multipart audio: the model is a form field
        except Exception:
            return None
    return None


def _module_of(obj: Any):
    return sys.modules.get(type(obj).__module__.split("._")[0]) or sys.modules.get(type(obj).__module__)


class _Recorder:
    """Shared state of one exchange; records exactly once (on close, or at once on errors)."""

    __slots__ = ("ws", "method", "path", "req_headers", "req_body", "status", "resp_headers",
                 "chunks", "parse", "nbytes", "t0", "done", "complete")

    def __del__(self):
        # A response dropped without close(): record it (as cut short) rather than never.
        try:
            if not self.done and hasattr(self, "resp_headers"):
                self.finish(False)
        except Exception:
            pass

    def finish(self, complete: bool) -> int:
        """Records the exchange; returns the workspace status code (5 = exhausted)."""
        if self.done:
            return 0
        self.done = True
        body = b"".join(self.chunks) if self.parse else None
        return _core.record(self.ws, self.method, self.path, self.req_headers, self.req_body, self.status,
                            self.resp_headers, body, self.nbytes, complete, _perf_ns() - self.t0)


def _stream_class(inner_stream: Any, is_async: bool) -> type:
    key = (type(inner_stream), is_async)  # one MRO walk per stream class, not per request
    cls = _class_cache.get(key)
    if cls is not None:
        return cls
    base = _base_named(inner_stream, ("AsyncByteStream",) if is_async else ("SyncByteStream",))
    if is_async:
        class _TeeAsync(base):  # type: ignore[misc, valid-type]
            def __init__(self, inner, rec):
                self._inner, self._rec = inner, rec

            async def __aiter__(self):
                rec = self._rec
                async for chunk in self._inner:
                    rec.nbytes += len(chunk)
                    if rec.parse:
                        rec.chunks.append(chunk)
                    yield chunk
                rec.complete = True

            async def aclose(self):
                try:
                    await self._inner.aclose()
                finally:
                    self._rec.finish(self._rec.complete)
        cls = _TeeAsync
    else:
        class _TeeSync(base):  # type: ignore[misc, valid-type]
            def __init__(self, inner, rec):
                self._inner, self._rec = inner, rec

            def __iter__(self):
                rec = self._rec
                for chunk in self._inner:
                    rec.nbytes += len(chunk)
                    if rec.parse:
                        rec.chunks.append(chunk)
                    yield chunk
                rec.complete = True

            def close(self):
                try:
                    self._inner.close()
                finally:
                    self._rec.finish(self._rec.complete)
        cls = _TeeSync
    _class_cache[key] = cls
    return cls


class _Core:
    """Logic shared by the sync and async wrappers."""

    _qg_inner: Any
    _qg_sdk: bool

    def _qg_before(self, request):
        """Returns (workspace, request to send, None), or (workspace, None, a synthetic 429)
        when blocked in SDK mode; raises QuotaExhaustedError when blocked otherwise."""
        ws = _current.get()
        if not _config._state["configured"]:
            _config.ensure_configured()
        verdict = _core.check(ws)
        if verdict is None:
            return ws, request, None
        _status, action, since_ms, code, message = verdict
        policy = _config.policy()
        if action == 2 and policy.get("fallback_model"):  # fallback: same call, cheaper model
            return ws, _with_model(request, policy["fallback_model"]), None
        model = _model_of(request)
        _core.record_blocked(ws, request.method, request.url.raw_path.decode("latin-1"), model)
        if self._qg_sdk:
            return ws, None, _blocked_response(request, ws, since_ms, code, message)
        raise QuotaExhaustedError.build(ws, since_ms, code, message)

    def _qg_start(self, ws, request):
        rec = _Recorder()
        rec.ws = ws
        rec.method = request.method
        rec.path = request.url.raw_path
        rec.req_headers = request.headers.raw
        rec.req_body = _request_body(request, b"/audio/" in rec.path)
        rec.chunks = []
        rec.nbytes = 0
        rec.done = False
        rec.complete = False
        rec.status = 0
        rec.t0 = _perf_ns()
        return rec

    def _qg_failed(self, rec):
        rec.parse = False
        rec.resp_headers = []
        rec.finish(False)

    def _qg_prepare(self, rec, response) -> bool:
        """Returns True when the body must be read now (error bodies flip the status)."""
        rec.status = response.status_code
        rec.resp_headers = raw = response.headers.raw
        ct = _content_type(raw)
        # Bodies worth parsing are JSON and SSE; audio, files and images only count bytes.
        rec.parse = b"json" in ct or b"event-stream" in ct or not ct
        return rec.status == 429 or (rec.status >= 400 and rec.parse)

    def _qg_preread(self, rec, response) -> bool:
        """A response built in memory (mock transports) arrives already read and closed."""
        if not getattr(response, "is_closed", False) or "_content" not in response.__dict__:
            return False
        self._qg_prepare(rec, response)
        self._qg_after_error_body(rec, response, response._content)
        return True

    def _qg_after_error_body(self, rec, response, body: bytes):
        """Records a read error body at once; stops the SDK retrying insufficient_quota."""
        rec.chunks = [body]
        rec.nbytes = len(body)
        rec.complete = True
        exhausted = rec.finish(True) == 5
        if exhausted and rec.status >= 400 and b"insufficient_quota" in body:
            response.headers["x-should-retry"] = "false"


def _model_of(request) -> str:
    body = _request_body(request)
    if body and body[:1] == b"{":
        try:
            return str(json.loads(body).get("model", ""))
        except Exception:
            return ""
    return ""


def _with_model(request, model: str):
    body = _request_body(request)
    if not body or body[:1] != b"{":
        return request
    try:
        data = json.loads(body)
    except Exception:
        return request
    data["model"] = model
    content = json.dumps(data).encode()
    headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"content-length"]
    return type(request)(request.method, request.url, headers=headers, content=content,
                         extensions=request.extensions)


def _blocked_response(request, ws: str, since_ms: int, code: str, message: str):
    err = QuotaExhaustedError.build(ws, since_ms, code, message)
    body = json.dumps({"error": {"message": str(err), "type": "insufficient_quota",
                                 "code": "insufficient_quota", "param": None,
                                 "quotaguard": {"workspace": ws, "since_ms": since_ms, "error": message or code}}}).encode()
    response_cls = getattr(sys.modules.get(type(request).__module__), "Response", None)
    if response_cls is None:
        response_cls = getattr(_module_of(request), "Response")
    return response_cls(429, headers=[(b"content-type", b"application/json"), (b"x-should-retry", b"false"),
                                      (b"x-quotaguard-blocked", b"1")], content=body, request=request)


def _make_sync(base: type) -> type:
    class InstrumentedTransport(_Core, base):  # type: ignore[misc, valid-type]
        """A transport that tracks every exchange, then defers to the wrapped one."""

        def __init__(self, inner, *, sdk: bool = False):
            self._qg_inner = inner
            self._qg_sdk = sdk

        def handle_request(self, request):
            ws, request, blocked = self._qg_before(request)
            if blocked is not None:
                return blocked
            rec = self._qg_start(ws, request)
            try:
                response = self._qg_inner.handle_request(request)
            except BaseException:
                self._qg_failed(rec)
                raise
            if self._qg_preread(rec, response):
                pass
            elif self._qg_prepare(rec, response):
                body = b"".join(response.stream)
                response.stream.close()
                response.stream = _byte_stream(response.stream, body, False)
                self._qg_after_error_body(rec, response, body)
            else:
                response.stream = _stream_class(response.stream, False)(response.stream, rec)
            return response

        def close(self):
            self._qg_inner.close()

        def __enter__(self):
            self._qg_inner.__enter__()
            return self

        def __exit__(self, *exc):
            self._qg_inner.__exit__(*exc)

        def __getattr__(self, name):  # anything else the client may ask the transport for
            if name.startswith("_qg_"):
                raise AttributeError(name)
            return getattr(self._qg_inner, name)

    return InstrumentedTransport


def _make_async(base: type) -> type:
    class AsyncInstrumentedTransport(_Core, base):  # type: ignore[misc, valid-type]
        """The asyncio twin of InstrumentedTransport."""

        def __init__(self, inner, *, sdk: bool = False):
            self._qg_inner = inner
            self._qg_sdk = sdk

        async def handle_async_request(self, request):
            ws, request, blocked = self._qg_before(request)
            if blocked is not None:
                return blocked
            rec = self._qg_start(ws, request)
            try:
                response = await self._qg_inner.handle_async_request(request)
            except BaseException:
                self._qg_failed(rec)
                raise
            if self._qg_preread(rec, response):
                pass
            elif self._qg_prepare(rec, response):
                body = b"".join([c async for c in response.stream])
                await response.stream.aclose()
                response.stream = _byte_stream(response.stream, body, True)
                self._qg_after_error_body(rec, response, body)
            else:
                response.stream = _stream_class(response.stream, True)(response.stream, rec)
            return response

        async def aclose(self):
            await self._qg_inner.aclose()

        async def __aenter__(self):
            await self._qg_inner.__aenter__()
            return self

        async def __aexit__(self, *exc):
            await self._qg_inner.__aexit__(*exc)

        def __getattr__(self, name):
            if name.startswith("_qg_"):
                raise AttributeError(name)
            return getattr(self._qg_inner, name)

    return AsyncInstrumentedTransport


def _byte_stream(like: Any, body: bytes, is_async: bool):
    """A replayable stream of the same library as `like` (httpx.ByteStream has both APIs)."""
    mod = _module_of(like)
    cls = getattr(mod, "ByteStream", None) if mod else None
    if cls is None:
        from httpx import ByteStream as cls  # type: ignore[no-redef]
    return cls(body)


def is_instrumented(transport: Any) -> bool:
    return isinstance(transport, _Core)


def instrument_transport(transport: Any, *, sdk: bool = False):
    """Wrap a sync or async transport (idempotent)."""
    if transport is None or is_instrumented(transport):
        return transport
    is_async = hasattr(transport, "handle_async_request") and not hasattr(transport, "handle_request")
    base = _base_named(transport, _ASYNC_BASES if is_async else _SYNC_BASES)
    key = ("transport", base, is_async)
    cls = _class_cache.get(key)
    if cls is None:
        cls = _class_cache[key] = (_make_async if is_async else _make_sync)(base)
    return cls(transport, sdk=sdk)


def instrument_client(client: Any, *, sdk: bool = False):
    """Wrap an httpx(-style) Client/AsyncClient's transport and mounted transports in place."""
    if getattr(client, "_transport", None) is None:  # never track silently nothing
        raise TypeError(f"quotaguard: no transport found on {type(client).__module__}.{type(client).__name__}")
    client._transport = instrument_transport(client._transport, sdk=sdk)
    mounts = getattr(client, "_mounts", None)
    if isinstance(mounts, dict):
        for pattern, t in list(mounts.items()):
            if t is not None:
                mounts[pattern] = instrument_transport(t, sdk=sdk)
    return client
