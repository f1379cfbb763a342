"""The instrumented HTTP transport: wraps whichever transport an httpx-style client uses.

Every request of every resource goes through ``handle_request`` / ``handle_async_request``,
so tracking needs no per-method code. The wrapper is duck-typed: it subclasses the base
transport class found in the wrapped transport's MRO (httpx's, or httpx2's by the same name),
and wraps the response stream in a subclass of that library's SyncByteStream/AsyncByteStream.

A response body reaches the tracker the way the caller reads it, decoded once with the HTTP
library's own decoder: a body the caller reads at once anyway (the SDK's JSON answers, error
bodies) is read here and handed on read, as the library's own read() leaves it; a body read
later is teed as it passes (the response is given an identity decoder so the library hands on
what was decoded here), an SSE stream fed to the C++ reader piece by piece, never kept whole. An exchange is recorded when its body ends, when reading it
fails, when it is closed early, or at interpreter exit, whichever comes first.
"""
from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from typing import Any

from . import _config, _core
from ._context import _current
from ._errors import exhausted_error

_perf_ns = time.perf_counter_ns  # CLOCK_MONOTONIC: the tracker's steady clock
_check, _record, _body_kind = _core.check, _core.record, _core.body_kind  # (hot path: no attribute lookups)
_state = _config._state
_SYNC_BASES = ("BaseTransport",)
_ASYNC_BASES = ("AsyncBaseTransport",)
_class_cache: dict = {}
_identity_of: dict = {}  # decoder class -> its library's IdentityDecoder (None: has none)
_pending: dict[int, "_Recorder"] = {}  # exchanges sent and not recorded yet (recorded at exit)


def _base_named(obj: Any, names: tuple) -> type:
    for cls in type(obj).__mro__:
        if cls.__name__ in names:
            return cls
    return object


def _headers_list(headers) -> list:
    """httpx keeps headers as (name, lowercased name, value) in ``_list``; ``.raw`` rebuilds a list
    from it on every access. The C++ side reads either."""
    try:
        return headers._list
    except AttributeError:
        return headers.raw


def _request_body(request, read_multipart: bool = False) -> bytes | None:
    body = request.__dict__.get("_content")  # where httpx and httpx2 keep a body once read
    if body is not None:
        return body
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


def _pieces(out) -> tuple | Any:
    """httpx's decoders return bytes, httpx2's yield pieces."""
    return (out,) if isinstance(out, bytes) else out


def _take_decoder(response):
    """The HTTP library's own decoder for an encoded body, taken over: the response is left with
    an identity decoder, so the library hands on what this transport decoded without decoding
    it again (headers stay as the server sent them). None when the library cannot decode it
    (then the tracker sees the encoded bytes and estimates)."""
    get = getattr(response, "_get_content_decoder", None)
    if get is None:
        return None
    decoder = get()
    # The IdentityDecoder of the decoder's library (none if `decoder` is one: nothing to decode).
    try:
        identity = _identity_of[type(decoder)]
    except KeyError:
        mod = sys.modules.get(type(decoder).__module__)
        identity = _identity_of[type(decoder)] = getattr(mod, "IdentityDecoder", None)
    if identity is None or isinstance(decoder, identity):
        return None
    response._decoder = identity()
    return decoder


class _Recorder:
    """Shared state of one exchange; records exactly once."""

    __slots__ = ("ws", "account", "method", "path", "req_headers", "req_body", "status", "resp_headers",
                 "body", "sink", "nbytes", "t0")

    def __init__(self, ws: str, account: int, method, path: bytes, req_headers, req_body: bytes | None, t0: int):
        self.ws = ws
        self.account = account
        self.method = method
        self.path = path
        self.req_headers = req_headers
        self.req_body = req_body
        self.status = 0
        self.resp_headers = None
        self.body = self.sink = None
        self.nbytes = 0
        self.t0 = t0
        _pending[id(self)] = self

    def finish(self, complete: bool) -> int:
        """Records the exchange (once); returns the workspace status code (5 = exhausted)."""
        if _pending.pop(id(self), None) is None:  # atomic under the GIL: one caller records
            return 0
        body = self.body
        if type(body) is list:
            body = b"".join(body)
        return _record(self.ws, self.method, self.path, self.req_headers, self.req_body, self.status,
                       self.resp_headers, body, self.nbytes, complete, self.t0, _perf_ns() - self.t0, self.account)

    def respond(self, response, headers, kind: int):
        """The response's headers arrived and its body is left to the caller (see _read_now): an
        SSE body goes to a C++ reader piece by piece, a JSON body is kept whole when the caller
        reads it (see _stream_class), anything else (audio, files) is only counted. Returns the decoder taken over from the response when its body is encoded (see
        _take_decoder), else None."""
        self.status = response.status_code
        self.resp_headers = headers
        if kind & 3 == 2:
            self.body = _core.SseReader(self.path)
            self.sink = self.body.feed
        return _take_decoder(response) if kind & 4 else None

    def cut(self, response, headers) -> None:
        """Reading or decoding the body failed before the caller got any of it: cut short."""
        self.status = response.status_code
        self.resp_headers = headers
        self.finish(False)

    def headers_arrived(self, status: int, headers) -> int:
        """Sets where the body goes; returns the tracker's body kind (& 4: encoded)."""
        self.status = status
        self.resp_headers = headers
        kind = _body_kind(headers)
        if kind & 3 == 2:
            self.body = _core.SseReader(self.path)
            self.sink = self.body.feed
        elif kind & 3 == 1:  # (HTML where JSON belongs is flagged by the tracker)
            self.body = []
            self.sink = self.body.append
        return kind


def _recorder(ws: str, account: int, request, t0: int) -> _Recorder:
    """The exchange of an httpx(-style) request whose body is read later, or not at all."""
    path = request.url.raw_path
    return _Recorder(ws, account, request.method, path, _headers_list(request.headers),
                     _request_body(request, b"/audio/" in path), t0)


def _read_now(kind: int, status: int, request, sdk: bool) -> bool:
    """Whether a response body is read before the caller gets the response: an error body (an
    error flips the status before the caller sees it), and a 2xx JSON body of a request the SDK
    sent and reads at once anyway (not a `with_streaming_response` one): one read, no tee
    stream, recorder or finaliser (the sync transport does this in C, fast_transport.cpp).
    Anything else is read when the caller reads it."""
    if status >= 400:
        return status == 429 or kind & 3 != 0
    return (kind & 3 == 1 and 200 <= status < 300 and (sdk or _sent_by_sdk(request))
            and request.headers.get("x-stainless-raw-response") != "stream")


def _count(rec: _Recorder, pieces):
    """The body's (decoded) pieces, counted and fed to the exchange's reader as they pass."""
    sink = rec.sink
    for piece in pieces:
        rec.nbytes += len(piece)
        if sink is not None:
            sink(piece)
        yield piece


class _TeeEnd:
    """What the sync and async stream wrappers share: their state, and recording exactly once
    when the body ends, fails, is closed early, or is dropped without close()."""

    def __init__(self, inner, rec, decoder):
        self._inner, self._rec, self._decoder = inner, rec, decoder

    def _ended(self, complete: bool) -> None:
        rec, self._rec = self._rec, None
        if rec is not None:
            rec.finish(complete)

    def _whole(self, chunks: list) -> bytes:
        """A JSON body read whole: decoded once, recorded in one call, handed on."""
        try:
            body = b"".join(chunks)
            if self._decoder is not None:
                body = _decode_all(self._decoder, body)
        except BaseException:
            self._ended(False)
            raise
        rec = self._rec
        rec.body = body
        rec.nbytes = len(body)
        self._ended(True)
        return body

    def __del__(self):  # a response dropped without close(): recorded, as cut short
        if self._rec is not None:
            try:
                self._ended(False)
            except Exception:  # (at interpreter shutdown the module may be gone)
                pass


async def _ending_on_error(tee: _TeeEnd, chunks):
    """The chunks of an async stream; the exchange is recorded as cut short if reading fails."""
    try:
        async for chunk in chunks:
            yield chunk
    except BaseException:
        tee._ended(False)
        raise


def _stream_class(inner_stream: Any, is_async: bool, whole: bool) -> type:
    """The tee over a response stream: piece by piece, or (`whole`: a JSON body, which the
    caller reads whole anyway) read, decoded and recorded in one go when the caller reads it."""
    key = (type(inner_stream), is_async, whole)  # one MRO walk per stream class, not per request
    cls = _class_cache.get(key)
    if cls is not None:
        return cls
    base = _base_named(inner_stream, ("AsyncByteStream",) if is_async else ("SyncByteStream",))
    if is_async:
        class _TeeAsync(_TeeEnd, base):  # type: ignore[misc, valid-type]
            async def __aiter__(self):
                rec, decoder = self._rec, self._decoder
                try:
                    async for chunk in self._inner:
                        for piece in _count(rec, (chunk,) if decoder is None else _pieces(decoder.decode(chunk))):
                            yield piece
                    if decoder is not None:
                        for piece in _count(rec, _pieces(decoder.flush())):
                            yield piece
                except BaseException:
                    self._ended(False)  # cut, a decoding error, or the reader stopped early
                    raise
                self._ended(True)

            async def aclose(self):
                try:
                    await self._inner.aclose()
                finally:
                    if self._rec is not None:  # (None once the body was read to its end)
                        self._ended(False)

        class _WholeAsync(_TeeAsync):
            async def __aiter__(self):
                yield self._whole([chunk async for chunk in _ending_on_error(self, self._inner)])
        cls = _WholeAsync if whole else _TeeAsync
    else:
        class _TeeSync(_TeeEnd, base):  # type: ignore[misc, valid-type]
            def __iter__(self):
                rec, decoder = self._rec, self._decoder
                try:
                    for chunk in self._inner:
                        yield from _count(rec, (chunk,) if decoder is None else _pieces(decoder.decode(chunk)))
                    if decoder is not None:
                        yield from _count(rec, _pieces(decoder.flush()))
                except BaseException:
                    self._ended(False)
                    raise
                self._ended(True)

            def close(self):
                try:
                    self._inner.close()
                finally:
                    if self._rec is not None:
                        self._ended(False)

        class _WholeSync(_TeeSync):
            def __iter__(self):
                try:
                    chunks = list(self._inner)
                except BaseException:
                    self._ended(False)
                    raise
                yield self._whole(chunks)
        cls = _WholeSync if whole else _TeeSync
    _class_cache[key] = cls
    return cls


def _sent_by_sdk(request) -> bool:
    """Requests the OpenAI SDK builds carry x-stainless-* headers; its retry loop treats any
    exception from the transport as a connection error and retries it."""
    return "x-stainless-retry-count" in request.headers or "x-stainless-lang" in request.headers


class _Core:
    """Logic shared by the sync and async wrappers."""

    _qg_inner: Any
    _qg_sdk: bool

    def _qg_check(self, request):
        """(workspace, request to send, account, None), or (.., a synthetic 429) when blocked for
        the SDK; raises QuotaExhaustedError when blocked otherwise."""
        ws = _current.get()
        if not _state["configured"]:
            _config.ensure_configured()
        return self._qg_verdict(ws, request, _check(ws))

    def _qg_verdict(self, ws, request, verdict):
        """What _qg_check returns, for the tracker's verdict on `ws` (as _core.check gives it)."""
        if verdict is None:
            return ws, request, 0, None
        _status, action, since_ms, code, message, account = verdict
        if action == 3:  # failover: the same call with another account's credentials
            return ws, _for_account(request, _config.account(account)), account, None
        if action == 2:  # a budget is used up: the same call with the cheaper model
            return ws, _with_model(request, _config.policy()["fallback_model"]), 0, None
        _core.record_blocked(ws, request.method, request.url.raw_path.decode("latin-1"), _model_of(request))
        if self._qg_sdk or _sent_by_sdk(request):
            return ws, None, 0, _blocked_response(request, ws, since_ms, code, message)
        raise exhausted_error().build(ws, since_ms, code, message)

    def _qg_responded(self, ws, account, request, response, t0: int, is_async: bool):
        """The response's headers arrived. Returns (headers, body kind) when its body must be read
        now (see _read_now); else None: a response built in memory (mock transports) arrives read
        and decoded and is recorded at once, any other gets its stream teed to the tracker."""
        if "_content" in response.__dict__:
            self._qg_recorded(ws, account, request, response, _headers_list(response.headers), response._content, t0)
            return None
        headers = _headers_list(response.headers)
        kind = _body_kind(headers)
        if _read_now(kind, response.status_code, request, self._qg_sdk):
            return headers, kind
        rec = _recorder(ws, account, request, t0)
        decoder = rec.respond(response, headers, kind)
        stream = response.stream
        cls = _class_cache.get((type(stream), is_async, kind & 3 == 1)) or _stream_class(stream, is_async, kind & 3 == 1)
        response.stream = cls(stream, rec, decoder)
        return None

    def _qg_read(self, ws, account, request, response, headers, kind: int, raw: bytes, t0: int):
        """A body read at once (see _read_now): decoded here, once, with the HTTP library's own
        decoder, handed on read (see _leave_read), then recorded."""
        body = raw
        if kind & 4:
            get = getattr(response, "_get_content_decoder", None)
            if get is not None:
                try:
                    body = _decode_all(get(), raw)
                except BaseException:
                    _recorder(ws, account, request, t0).cut(response, headers)
                    raise
        _leave_read(response, raw, body, t0)
        self._qg_recorded(ws, account, request, response, headers, body, t0)
        return response

    def _qg_recorded(self, ws, account, request, response, headers, body: bytes, t0: int) -> None:
        """Records, in one call, an exchange whose body was read. insufficient_quota: the SDK must
        not retry it into the same exhausted account -- unless calls now fail over to another
        one, where its retry goes at once."""
        path = request.url.raw_path
        http_status = response.status_code
        status = _record(ws, request.method, path, _headers_list(request.headers),
                         _request_body(request, b"/audio/" in path), http_status, headers, body, len(body), True,
                         t0, _perf_ns() - t0, account)
        if http_status >= 400 and b"insufficient_quota" in body:
            if status == 5:
                response.headers["x-should-retry"] = "false"
            elif _config._state["accounts"]:
                response.headers["x-should-retry"] = "true"
                response.headers["retry-after-ms"] = "1"


def _decode_all(decoder, body: bytes) -> bytes:
    if decoder is None:
        return body
    out = decoder.decode(body)
    if not isinstance(out, bytes):  # httpx2's pieces: read before flush()
        out = b"".join(out)
    tail = decoder.flush()
    if not isinstance(tail, bytes):
        tail = b"".join(tail)
    return out + tail if tail else out


def _model_of(request) -> str:
    return model_in(_request_body(request))


def model_in(body: bytes | None) -> str:
    """The "model" of a JSON request body ("" if none)."""
    if body and body[:1] == b"{":
        try:
            return str(json.loads(body).get("model", ""))
        except Exception:
            return ""
    return ""


def with_model(body: bytes | None, model: str) -> bytes | None:
    """A JSON request body asking for `model` instead; None when the body is not JSON."""
    if not body or body[:1] != b"{":
        return None
    try:
        data = json.loads(body)
    except Exception:
        return None
    data["model"] = model
    return json.dumps(data).encode()


def _with_model(request, model: str):
    content = with_model(_request_body(request), model)
    if content is None:
        return request
    headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"content-length"]
    return type(request)(request.method, request.url, headers=headers, content=content,
                         extensions=request.extensions)


_ACCOUNT_HEADERS = (b"authorization", b"api-key", b"openai-organization", b"openai-project", b"host",
                    b"content-length")


def for_account(headers, path: str, account) -> tuple[list, str | None]:
    """A failover account's credentials (its organization and project, or none of the client's)
    in place of the request's, as (header pairs in bytes, its URL or None to keep the request's):
    sent to the account's base URL when it has one, with the request's path after /v1."""
    out = [(k, v) for k, v in headers if k.lower() not in _ACCOUNT_HEADERS]
    out.append((b"authorization", b"Bearer " + account.api_key.encode()))
    if account.organization:
        out.append((b"openai-organization", account.organization.encode()))
    if account.project:
        out.append((b"openai-project", account.project.encode()))
    if not account.base_url:
        return out, None
    at = path.find("/v1/")
    return out, account.base_url + (path[at + 3:] if at >= 0 else path)


def _for_account(request, account):
    headers, url = for_account(request.headers.raw, request.url.raw_path.decode("latin-1"), account)
    body = _request_body(request)
    kw = {"content": body} if body is not None else {"stream": request.stream}
    return type(request)(request.method, url or request.url, headers=headers, extensions=request.extensions, **kw)


def _blocked_response(request, ws: str, since_ms: int, code: str, message: str):
    err = exhausted_error().build(ws, since_ms, code, message)
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

        # handle_request (set below): C, the common case; it hands the rest to these two.

        def _qg_send(self, request, ws, verdict):
            """handle_request once the tracker's verdict on the workspace is known."""
            ws, request, account, blocked = self._qg_verdict(ws, request, verdict)
            if blocked is not None:
                return blocked
            t0 = _perf_ns()
            try:
                response = self._qg_inner.handle_request(request)
            except BaseException:
                _recorder(ws, account, request, t0).finish(False)
                raise
            return self._qg_received(ws, account, request, response, t0)

        def _qg_received(self, ws, account, request, response, t0):
            """handle_request once the response's headers arrived."""
            now = self._qg_responded(ws, account, request, response, t0, False)
            if now is None:
                return response
            stream = response.stream
            try:
                raw = b"".join(stream)
            except BaseException:
                _recorder(ws, account, request, t0).cut(response, now[0])
                raise
            finally:
                stream.close()
            return self._qg_read(ws, account, request, response, *now, raw, t0)

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

    InstrumentedTransport.handle_request = _core.sync_method(InstrumentedTransport)
    return InstrumentedTransport


def _make_async(base: type) -> type:
    class AsyncInstrumentedTransport(_Core, base):  # type: ignore[misc, valid-type]
        """The asyncio twin of InstrumentedTransport."""

        def __init__(self, inner, *, sdk: bool = False):
            self._qg_inner = inner
            self._qg_sdk = sdk

        async def handle_async_request(self, request):
            ws, request, account, blocked = self._qg_check(request)
            if blocked is not None:
                return blocked
            t0 = _perf_ns()
            try:
                response = await self._qg_inner.handle_async_request(request)
            except BaseException:
                _recorder(ws, account, request, t0).finish(False)
                raise
            now = self._qg_responded(ws, account, request, response, t0, True)
            if now is None:
                return response
            stream = response.stream
            try:
                raw = b"".join([chunk async for chunk in stream])
            except BaseException:
                _recorder(ws, account, request, t0).cut(response, now[0])
                raise
            finally:
                await stream.aclose()
            return self._qg_read(ws, account, request, response, *now, raw, t0)

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


def _leave_read(response: Any, raw: bytes, body: bytes, t0: int) -> None:
    """The response as httpx's Response.read() leaves one it read itself: its content kept, its
    stream consumed and closed (the caller of this closed it), the bytes downloaded and the time
    taken set. The SDK's read() then returns the content without another pass (the C transport
    does the same, fast_transport.cpp)."""
    response._content = body
    response.is_stream_consumed = response.is_closed = True
    response._num_bytes_downloaded = len(raw)
    response._elapsed = timedelta(microseconds=(_perf_ns() - t0) // 1000)


def _failed(ws: str, request, t0: int, response=None, headers=None) -> None:
    """(For the C transport) records an exchange whose request failed, or whose body could not be
    read or decoded."""
    rec = _recorder(ws, 0, request, t0)
    if response is None:
        rec.finish(False)
    else:
        rec.cut(response, headers)


_core.bind_transport(_current, _state, _config.ensure_configured, _failed, _request_body)


def finish_pending() -> None:
    """Records every exchange still open (a stream abandoned without close): run at exit."""
    for rec in list(_pending.values()):
        try:
            rec.finish(False)
        except Exception:
            pass


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


def restore_clients(changed) -> None:
    """Gives each httpx client of `changed` ({client: (transport, mounts) before}) its own
    transports back, and empties it (uninstall)."""
    for http, (transport, mounts) in list(changed.items()):
        http._transport = transport
        if mounts:
            http._mounts.update(mounts)
    changed.clear()


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
