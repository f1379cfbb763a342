"""In-process alert callbacks, run on one Python thread ("quotaguard-alerts") that the C++
dispatcher hands each alert to (``_core.alert_loop``): no foreign thread enters the interpreter."""
from __future__ import annotations

import os
import threading
from typing import Callable

from . import _core

_lock = threading.Lock()
_callbacks: list[Callable[[dict], None]] = []
_thread: threading.Thread | None = None


def on_alert(fn: Callable[[dict], None]) -> Callable[[dict], None]:
    """Register fn(alert_dict); usable as a decorator. Runs on the quotaguard-alerts thread."""
    with _lock:
        _callbacks.append(fn)
        _start_locked()
    return fn


def _start_locked() -> None:
    global _thread
    if _thread is not None and _thread.is_alive():
        return
    _core.alert_loop_begin()  # alerts raised from now on wait for the thread, none is skipped
    _thread = threading.Thread(target=_core.alert_loop, args=(dispatch,), name="quotaguard-alerts", daemon=True)
    _thread.start()


def stop(timeout: float = 5.0) -> None:
    """Ends the alerts thread once the alert in hand is dispatched (at exit, after the last flush)."""
    global _thread
    _core.alert_loop_stop()
    with _lock:
        t, _thread = _thread, None
    if t is not None and t is not threading.current_thread():
        t.join(timeout)


def _after_fork_in_child() -> None:
    global _thread, _lock
    _core.alert_loop_after_fork_in_child()
    _lock = threading.Lock()  # another thread may have held it at the fork
    _thread = None
    if _callbacks:
        _start_locked()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def remove_alert_callback(fn: Callable[[dict], None]) -> None:
    with _lock:
        if fn in _callbacks:
            _callbacks.remove(fn)


def dispatch(alert: dict) -> None:
    with _lock:
        fns = list(_callbacks)
    for fn in fns:
        try:
            fn(alert)
        except Exception:  # a sink's failure must not silence the others
            import sys
            import traceback

            traceback.print_exc(file=sys.stderr)
