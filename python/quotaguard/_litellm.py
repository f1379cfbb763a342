"""LiteLLM's own HTTP client, tracked where it carries the OpenAI API.

LiteLLM sends some OpenAI calls through an openai client (``completion``, ``embedding``,
``image_generation``: the constructor hook of ``install()`` tracks those) and others through its
own HTTP client: ``litellm.responses`` / ``aresponses``, ``image_edit``, ... go through
``litellm.llms.custom_httpx.http_handler.HTTPHandler`` / ``AsyncHTTPHandler``, httpx clients no
openai constructor ever sees. ``install()`` wraps the transport of every httpx client those
handlers make (``create_client``), and of those already made, in a router: a request to an
OpenAI API route (``_core.endpoint_kind``: ``/v1/responses``, an Azure deployment's
``/chat/completions``, ...) goes through the instrumented transport, checked and counted like an
openai client's; any other (Anthropic's ``/v1/messages``, Gemini's ``:generateContent``) goes
through untouched, so an exhausted OpenAI quota never blocks another vendor's call and no other
vendor's tokens are counted. A route counts whatever its host, as an openai client's
``base_url`` does. ``uninstall()`` restores the handlers and the transports.
"""
from __future__ import annotations

import gc
import warnings
import weakref
from typing import Any

from . import _core
from ._import_hooks import forget, when_imported
from ._transport import instrument_transport, restore_clients

_MODULE = "litellm.llms.custom_httpx.http_handler"
_HANDLERS = ("HTTPHandler", "AsyncHTTPHandler")
_originals: dict[type, Any] = {}  # handler class -> its own create_client
# httpx client -> (its transport, its mounts) before install()
_changed: "weakref.WeakKeyDictionary[Any, tuple]" = weakref.WeakKeyDictionary()
_routers: dict[tuple[type, bool], type] = {}


def install() -> None:
    when_imported(_MODULE, _patch_module)


def uninstall() -> None:
    forget(_MODULE, _patch_module)
    for cls, original in _originals.items():
        cls.create_client = original
    _originals.clear()
    restore_clients(_changed)


def is_openai_route(request) -> bool:
    return _core.endpoint_kind(request.method, request.url.raw_path.decode("latin-1")) != "other"


def _router_class(base: type, is_async: bool) -> type:
    """A transport of `base`'s kind sending OpenAI API routes through the instrumented one."""
    cls = _routers.get((base, is_async))
    if cls is not None:
        return cls

    class OpenAIRoutes(base):  # type: ignore[misc, valid-type]
        def __init__(self, plain):
            self._qg_plain = plain
            self._qg_tracked = instrument_transport(plain)

        def _qg_for(self, request):
            return self._qg_tracked if is_openai_route(request) else self._qg_plain

        def close(self):
            self._qg_plain.close()

        def __getattr__(self, name):  # anything else the client may ask the transport for
            if name.startswith("_qg_"):
                raise AttributeError(name)
            return getattr(self._qg_plain, name)

    if is_async:
        async def handle_async_request(self, request):
            return await self._qg_for(request).handle_async_request(request)

        async def aclose(self):
            await self._qg_plain.aclose()

        OpenAIRoutes.handle_async_request = handle_async_request
        OpenAIRoutes.aclose = aclose
    else:
        OpenAIRoutes.handle_request = lambda self, request: self._qg_for(request).handle_request(request)
    _routers[(base, is_async)] = OpenAIRoutes
    return OpenAIRoutes


def _routed(transport: Any) -> Any:
    if transport is None or type(transport) in _routers.values():
        return transport
    is_async = hasattr(transport, "handle_async_request") and not hasattr(transport, "handle_request")
    import httpx

    base = httpx.AsyncBaseTransport if is_async else httpx.BaseTransport
    return _router_class(base, is_async)(transport)


def _track(http: Any) -> None:
    """Routes one httpx client's transport and mounted transports in place (recording them)."""
    if getattr(http, "_transport", None) is None or http in _changed:
        return
    mounts = getattr(http, "_mounts", None)
    _changed[http] = (http._transport, dict(mounts or {}))
    http._transport = _routed(http._transport)
    if isinstance(mounts, dict):
        for pattern, t in list(mounts.items()):
            if t is not None:
                mounts[pattern] = _routed(t)


def _hooked(original):
    def create_client(self, *args, **kwargs):
        http = original(self, *args, **kwargs)
        try:
            _track(http)
        except Exception as e:  # LiteLLM works as before; the gap is said, not hidden
            warnings.warn(f"quotaguard: LiteLLM's HTTP client is not tracked: {e}", RuntimeWarning, stacklevel=2)
        return http

    create_client.__wrapped__ = original
    return create_client


def _patch_module(module: Any) -> None:
    classes = []
    for name in _HANDLERS:
        cls = getattr(module, name, None)
        if not isinstance(cls, type) or "create_client" not in vars(cls):
            warnings.warn(f"quotaguard: {_MODULE}.{name}.create_client not found: the calls LiteLLM sends "
                          f"through its own HTTP client are not tracked", RuntimeWarning, stacklevel=2)
            continue
        classes.append(cls)
        if cls not in _originals:
            _originals[cls] = vars(cls)["create_client"]
            cls.create_client = _hooked(_originals[cls])
    for obj in gc.get_objects():  # handlers made before install() (LiteLLM makes some at import)
        try:
            if not isinstance(obj, tuple(classes)):
                continue
            http = obj.__dict__.get("_client", obj.__dict__.get("client"))
            _track(http)
        except Exception as e:
            warnings.warn(f"quotaguard.install(): LiteLLM's HTTP client not tracked: {e}", RuntimeWarning,
                          stacklevel=2)
