"""Errors raised by quotaguard.

QuotaExhaustedError also subclasses ``openai.RateLimitError`` when the openai package is
installed, so code that already handles the SDK's 429s keeps working. The class is made on
first use: importing openai takes seconds, and ``import quotaguard`` should not.
"""
from __future__ import annotations

import datetime as _dt
import importlib.util as _ilu
import threading as _threading


class QuotaguardError(Exception):
    """Base class of quotaguard's errors."""


class ConfigError(QuotaguardError, ValueError):
    """The tracker configuration is invalid."""


def _since_text(since_ms: int) -> str:
    if not since_ms:
        return "an unknown time"
    return _dt.datetime.fromtimestamp(since_ms / 1000, _dt.timezone.utc).isoformat(timespec="seconds")


def _make_exhausted_class() -> type:
    bases: tuple = (QuotaguardError,)
    if _ilu.find_spec("openai") is not None:  # pragma: no cover - depends on the environment
        try:
            import openai

            bases = (QuotaguardError, openai.RateLimitError)
        except Exception:  # a broken openai install must not break quotaguard
            pass

    class QuotaExhaustedError(*bases):  # type: ignore[misc]
        """Raised before sending a request once the workspace's quota is exhausted."""

        def __init__(self, message: str, *, workspace: str = "default", since_ms: int = 0,
                     error: str = "", response=None, body=None):
            self.workspace = workspace
            self.since_ms = since_ms
            self.error = error
            if len(bases) > 1 and response is not None:
                super(QuotaguardError, self).__init__(message, response=response, body=body)
            else:
                Exception.__init__(self, message)
            self.message = message

        @classmethod
        def build(cls, workspace: str, since_ms: int, code: str, error: str, response=None, body=None):
            msg = (f"quotaguard: workspace '{workspace}' is exhausted since {_since_text(since_ms)}; "
                   f"not sending the request. {'OpenAI returned' if not code.startswith('budget') else 'Why'}: "
                   f"{error or code}")
            return cls(msg, workspace=workspace, since_ms=since_ms, error=error or code, response=response, body=body)

        def __str__(self) -> str:
            return self.message

    QuotaExhaustedError.__module__ = "quotaguard"
    return QuotaExhaustedError


_lock = _threading.Lock()
_exhausted: type | None = None


def exhausted_error() -> type:
    """The QuotaExhaustedError class (made, with openai imported, on first use)."""
    global _exhausted
    if _exhausted is None:
        with _lock:
            if _exhausted is None:
                _exhausted = _make_exhausted_class()
    return _exhausted


def __getattr__(name: str):  # PEP 562: quotaguard._errors.QuotaExhaustedError
    if name == "QuotaExhaustedError":
        return exhausted_error()
    raise AttributeError(name)
