"""WebSocket sessions: ``client.realtime.connect()``, ``client.beta.realtime.connect()`` and
``client.responses.connect()``.

The SDK opens these with the websockets library, past the instrumented HTTP transport, and
realtime audio is the most expensive traffic there is. Each server event that closes a billed
unit carries its usage (``response.done`` on realtime, ``response.completed`` / ``incomplete``
/ ``failed`` on responses, a finished input transcription); each is recorded as one exchange
``WS <path>`` of the session's workspace and model, parsed by the same C++ extractor.

Only sessions of tracked clients are observed: the SDK's connection managers are wrapped once,
and a manager whose client's HTTP transport is quotaguard's marks the connection it opens (its
``recv_bytes``, through which ``recv()`` and iteration read every frame). A session of an
exhausted workspace fails fast, before connecting.

The SDK loads its resources lazily, and the realtime ones pull in most of its type tree (~0.6 s
of CPU): a manager module already imported is wrapped at once, any other when the SDK imports it
(``_import_hooks.when_imported``), so building a tracked client costs no imports.
"""
from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

from . import _core
from ._context import _current
from ._errors import exhausted_error
from ._import_hooks import when_imported

_MANAGER_MODULES = (
    "openai.resources.realtime.realtime",
    "openai.resources.beta.realtime.realtime",
    "openai.resources.responses.responses",
    "openai.resources.beta.responses.responses",
)
_BILLED = re.compile(rb'"type"\s*:\s*"(response\.(?:done|completed|incomplete|failed)'
                     rb'|conversation\.item\.input_audio_transcription\.completed)"')
_TYPE_WITHIN = 256  # an event's "type" comes first; audio deltas can be megabytes long
_JSON = [(b"content-type", b"application/json")]
_patched: set = set()
_lock = threading.Lock()


def install() -> None:
    """Wraps the connection managers of the openai SDK: those of the modules imported already
    now, the others as they are imported (idempotent, thread-safe: a manager wrapped twice
    would record every event twice)."""
    for name in _MANAGER_MODULES:
        when_imported(name, _patch_module)


def _patch_module(module: Any) -> None:
    with _lock:
        for attr, cls in list(vars(module).items()):
            if attr.endswith("ConnectionManager") and isinstance(cls, type) and cls not in _patched:
                _patch(cls)
                _patched.add(cls)


def _patch(cls: type) -> None:
    if "__aenter__" in vars(cls):
        enter = cls.__aenter__

        async def __aenter__(self):
            session = _Session.open(self)
            conn = await enter(self)
            return session.observe(conn, is_async=True) if session else conn

        cls.__aenter__ = __aenter__
    else:
        enter = cls.__enter__

        def __enter__(self):
            session = _Session.open(self)
            conn = enter(self)
            return session.observe(conn, is_async=False) if session else conn

        cls.__enter__ = __enter__
    if "enter" in vars(cls):  # `manager.enter()` is an alias of __enter__ / __aenter__
        cls.enter = cls.__aenter__ if "__aenter__" in vars(cls) else cls.__enter__


def _tracked_client(manager: Any) -> Any:
    for value in vars(manager).values():
        transport = getattr(getattr(value, "_client", None), "_transport", None)
        if transport is not None and "_qg_sdk" in vars(transport):
            return value
    return None


class _Session:
    __slots__ = ("ws", "path", "request", "t0")

    @classmethod
    def open(cls, manager: Any) -> _Session | None:
        """A session to observe when the manager's client is tracked; raises when blocked."""
        if _tracked_client(manager) is None:
            return None
        model = next((v for k, v in vars(manager).items() if k.endswith("__model") and isinstance(v, str)), "")
        try:
            path = manager._prepare_url().raw_path.split(b"?")[0]
        except Exception:
            path = b"/realtime"
        s = cls()
        s.ws = _current.get()
        s.path = path
        s.request = json.dumps({"model": model}).encode() if model else b""
        verdict = _core.check(s.ws)
        # (A fallback model or another account cannot be swapped into an opening session: only
        # a block applies to WebSockets.)
        if verdict is not None and verdict[1] == 1:
            _status, _action, since_ms, code, message, _account = verdict
            _core.record_blocked(s.ws, "WS", path.decode("latin-1"), model)
            raise exhausted_error().build(s.ws, since_ms, code, message)
        s.t0 = time.perf_counter_ns()
        return s

    def observe(self, conn: Any, *, is_async: bool) -> Any:
        recv_bytes = conn.recv_bytes  # bound: the instance attribute shadows the method
        if is_async:
            async def observed():
                data = await recv_bytes()
                self.seen(data)
                return data
        else:
            def observed():
                data = recv_bytes()
                self.seen(data)
                return data
        conn.recv_bytes = observed
        return conn

    def seen(self, data: Any) -> None:
        if isinstance(data, str):
            data = data.encode()
        if not isinstance(data, (bytes, bytearray)) or _BILLED.search(data, 0, _TYPE_WITHIN) is None:
            return
        now = time.perf_counter_ns()
        _core.record(self.ws, b"WS", self.path, _JSON, self.request, 200, _JSON, data, len(data), True, self.t0,
                     now - self.t0, 0)
        self.t0 = now

