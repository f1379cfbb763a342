"""quotaguard.install(): every openai client the process builds carries the tracked transport.

Libraries (LangChain, LlamaIndex, instructor, LiteLLM, DSPy, the Agents SDK, ...) build their
own ``OpenAI`` / ``AsyncOpenAI`` / ``AzureOpenAI`` / ``AsyncAzureOpenAI`` with their own HTTP
client, so no factory sees that traffic. Every one of those classes (and any subclass) runs the
constructor of ``openai._base_client.SyncAPIClient`` or ``AsyncAPIClient``, which stores the
HTTP client the SDK sends through; ``install()`` hooks those two constructors, and nothing
else: after each one the HTTP client (the SDK's default or the one the caller passed) gets the
instrumented transport in place, as ``quotaguard.instrument(client)`` does. No API method is
wrapped, so every resource of every supported openai version is tracked the same way.

Clients built before ``install()`` are found among the live objects and tracked in place; one
that cannot be (an HTTP client with no transport quotaguard knows) is reported in the returned
``InstallReport`` and by a ``RuntimeWarning``. If openai is not imported yet, the hook waits for
it (``QUOTAGUARD_AUTO=1`` installs at interpreter start, before any import).
DSPy's default engine (lm15) sends through its own HTTP client, not an openai one: ``_lm15``
tracks its two transports' entry points. So does LiteLLM for some calls (the Responses API, image
edits): ``_litellm`` tracks what its own HTTP client sends to an OpenAI API route.
``uninstall()`` restores the constructors and the transports ``install()`` put in place.
"""
from __future__ import annotations

import dataclasses
import gc
import os
import sys
import threading
import warnings
import weakref
from typing import Any

from . import _config, _litellm, _lm15, _realtime
from ._factory import _patch_errors
from ._import_hooks import forget, when_imported
from ._transport import instrument_client, is_instrumented, restore_clients

__all__ = ["install", "uninstall", "installed", "InstallReport"]

_BASE_MODULE = "openai._base_client"
_BASE_CLASSES = ("SyncAPIClient", "AsyncAPIClient")
_ENV = "QUOTAGUARD_AUTO"

_lock = threading.RLock()
_originals: dict[type, Any] = {}  # hooked base class -> its own __init__
_wanted = False  # install() was called and uninstall() was not
# What install() changed, to undo it: HTTP client -> (its transport, its mounts) before, and the
# openai clients whose errors it patched.
_changed_http: "weakref.WeakKeyDictionary[Any, tuple]" = weakref.WeakKeyDictionary()
_changed_clients: "weakref.WeakSet[Any]" = weakref.WeakSet()
_PATCHED_ATTRS = ("_make_status_error", "copy", "with_options", "_qg_errors_patched")


@dataclasses.dataclass
class InstallReport:
    """What ``install()`` found: ``reached`` clients built before it, now tracked in place, and
    ``unreached`` ones it could not track (``"module.Class at 0x..: reason"``)."""

    reached: list[str] = dataclasses.field(default_factory=list)
    unreached: list[str] = dataclasses.field(default_factory=list)
    waiting_for_openai: bool = False  # openai not imported yet: hooked when it is


def _name(client: Any) -> str:
    return f"{type(client).__module__}.{type(client).__qualname__} at {id(client):#x}"


def _track(client: Any) -> None:
    """Instruments one openai client's HTTP client in place (recording what it changed)."""
    http = getattr(client, "_client", None)
    if http is None or getattr(http, "_transport", None) is None:
        raise TypeError(f"its HTTP client ({type(http).__module__}.{type(http).__name__}) has no transport "
                        f"quotaguard can wrap; build it with quotaguard.openai_client() or instrument its "
                        f"transport with quotaguard.instrument_transport()")
    if not is_instrumented(http._transport):
        before = (http._transport, dict(getattr(http, "_mounts", None) or {}))
        instrument_client(http, sdk=True)
        try:
            _changed_http.setdefault(http, before)
        except TypeError:  # not weakly referable: stays tracked after uninstall()
            pass
    if not client.__dict__.get("_qg_errors_patched"):
        _patch_errors(client)
        try:
            _changed_clients.add(client)
        except TypeError:
            pass


def _hooked(original):
    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        try:
            _track(self)
        except Exception as e:  # the client works as before; the gap is said, not hidden
            warnings.warn(f"quotaguard: {_name(self)} is not tracked: {e}", RuntimeWarning, stacklevel=2)

    __init__.__wrapped__ = original
    __init__.__qualname__ = getattr(original, "__qualname__", "__init__")
    __init__.__doc__ = original.__doc__
    return __init__


def _hook(module: Any, *, live: bool = True) -> InstallReport:
    """Hooks the constructors of an imported openai._base_client, then tracks live clients."""
    report = InstallReport()
    bases = tuple(getattr(module, name) for name in _BASE_CLASSES)
    for cls in bases:
        if cls not in _originals:
            _originals[cls] = cls.__dict__["__init__"]
            cls.__init__ = _hooked(_originals[cls])
    _realtime.install()  # WebSocket sessions (realtime, responses.connect) bypass http_client
    for obj in gc.get_objects() if live else ():  # clients built before install(): reached in place
        try:
            if not isinstance(obj, bases):
                continue
        except Exception:  # an object whose __class__ lies
            continue
        try:
            http = getattr(obj, "_client", None)  # (openai 1.40's module client: a property that may fail)
            already = obj.__dict__.get("_qg_errors_patched") and is_instrumented(getattr(http, "_transport", None))
            _track(obj)
            if not already:
                report.reached.append(_name(obj))
        except Exception as e:
            report.unreached.append(f"{_name(obj)}: {e}")
    for line in report.unreached:
        warnings.warn(f"quotaguard.install(): not tracked: {line}", RuntimeWarning, stacklevel=3)
    return report


def _on_import(module: Any) -> None:
    """openai._base_client was imported after install(): hooked at once (no client can exist
    before its base class)."""
    with _lock:
        if _wanted:
            _hook(module, live=False)


def install() -> InstallReport:
    """Track every openai client this process builds, from now on and (where possible) before.

    Idempotent: a second call only reports. Returns an ``InstallReport``. A configuration error
    (``QUOTAGUARD_CONFIG``) is raised here, before any client is touched."""
    _config.ensure_configured()
    return _install()


def _install() -> InstallReport:
    global _wanted
    with _lock:
        _wanted = True
        _lm15.install()  # DSPy's own HTTP engine, which builds no openai client
        _litellm.install()  # LiteLLM's own HTTP client, for what it sends without one
        module = sys.modules.get(_BASE_MODULE)
        if module is not None:
            return _hook(module)
        when_imported(_BASE_MODULE, _on_import)
        return InstallReport(waiting_for_openai=True)


def uninstall() -> None:
    """Undo ``install()``: clients built from now on are plain again, and the clients and HTTP
    clients it instrumented get their own transport back (those built with a quotaguard factory
    or passed to ``instrument()`` stay tracked)."""
    global _wanted
    with _lock:
        _wanted = False
        forget(_BASE_MODULE, _on_import)
        _lm15.uninstall()
        _litellm.uninstall()
        for cls, original in _originals.items():
            cls.__init__ = original
        _originals.clear()
        restore_clients(_changed_http)
        for client in list(_changed_clients):
            for attr in _PATCHED_ATTRS:
                client.__dict__.pop(attr, None)
        _changed_clients.clear()


def installed() -> bool:
    """Whether install() is in effect (also when it still waits for openai to be imported)."""
    return _wanted


def install_from_environment() -> None:
    """The interpreter-start hook (quotaguard-auto.pth): install() when QUOTAGUARD_AUTO is set
    to anything but "" or "0". A broken configuration is said on stderr, never a crash."""
    if os.environ.get(_ENV, "") in ("", "0"):
        return
    try:
        _install()  # configured at the first request, not at interpreter start
    except Exception as e:  # the process still starts, untracked, and says so
        print(f"quotaguard: {_ENV} is set but install() failed: {e}", file=sys.stderr)
