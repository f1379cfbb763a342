"""In-process alert callbacks. The C++ dispatcher thread calls ``dispatch`` with a dict."""
from __future__ import annotations

import threading
from typing import Callable

_lock = threading.Lock()
_callbacks: list[Callable[[dict], None]] = []


def on_alert(fn: Callable[[dict], None]) -> Callable[[dict], None]:
    """Register fn(alert_dict); usable as a decorator. Runs on the dispatcher thread."""
    with _lock:
        _callbacks.append(fn)
    return fn


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
