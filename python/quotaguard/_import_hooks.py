"""Run code on a module once it has been imported, without importing it.

quotaguard patches parts of libraries that a process may never load (the openai SDK's base
client, its realtime managers, DSPy's HTTP engine); importing them to patch them would cost
every process their import time (~0.6 s of CPU for openai's realtime types alone). A finder at
the head of ``sys.meta_path`` finds nothing itself: for a watched module it asks the finders
after it and wraps the loader, so the callbacks run right after the module's own code.
"""
from __future__ import annotations

import importlib.abc
import sys
import threading
from typing import Any, Callable

_callbacks: dict[str, list[Callable[[Any], None]]] = {}
_lock = threading.RLock()


def when_imported(name: str, callback: Callable[[Any], None]) -> None:
    """Calls ``callback(module)`` for module `name`: now if it is imported already, otherwise
    as soon as it is. A callback registered twice runs once per import; callbacks must be
    idempotent (a module already imported may be handed to them again)."""
    with _lock:
        registered = _callbacks.setdefault(name, [])
        if callback not in registered:
            registered.append(callback)
        if not any(isinstance(f, _PatchOnImport) for f in sys.meta_path):
            sys.meta_path.insert(0, _PatchOnImport())
    module = sys.modules.get(name)
    if module is not None:
        callback(module)


def forget(name: str, callback: Callable[[Any], None]) -> None:
    """Stops calling `callback` for later imports of `name`."""
    with _lock:
        registered = _callbacks.get(name, [])
        if callback in registered:
            registered.remove(callback)


def _run(module: Any) -> None:
    with _lock:
        callbacks = list(_callbacks.get(module.__name__, ()))
    for callback in callbacks:
        callback(module)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if not _callbacks.get(name):
            return None
        for finder in sys.meta_path[sys.meta_path.index(self) + 1:]:
            spec = getattr(finder, "find_spec", lambda *a: None)(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _PatchingLoader(spec.loader)
        return spec


class _PatchingLoader:
    """The module's own loader (every other attribute delegated), running the callbacks once
    the module's code has run."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def exec_module(self, module):
        self._inner.exec_module(module)
        _run(module)
