"""Errors raised by quotaguard.

QuotaExhaustedError also subclasses ``openai.RateLimitError`` when the openai package is
installed, so code that already handles the SDK's 429s keeps working.
"""
from __future__ import annotations

import datetime as _dt
import importlib.util as _ilu


class QuotaguardError(Exception):
    """Base class of quotaguard's errors."""


_bases: tuple = (QuotaguardError,)
if _ilu.find_spec("openai") is not None:  # pragma: no cover - depends on the environment
    try:
        import openai as _openai

        _bases = (QuotaguardError, _openai.RateLimitError)
    except Exception:  # a broken openai install must not break quotaguard
        pass


def _since_text(since_ms: int) -> str:
    if not since_ms:
        return "an unknown time"
    return _dt.datetime.fromtimestamp(since_ms / 1000, _dt.timezone.utc).isoformat(timespec="seconds")


class QuotaExhaustedError(*_bases):  # type: ignore[misc]
    """Raised before sending a request once the workspace's quota is exhausted."""

    def __init__(self, message: str, *, workspace: str = "default", since_ms: int = 0,
                 error: str = "", response=None, body=None):
        self.workspace = workspace
        self.since_ms = since_ms
        self.error = error
        if len(_bases) > 1 and response is not None:
            super(QuotaguardError, self).__init__(message, response=response, body=body)
        else:
            Exception.__init__(self, message)
        self.message = message

    @classmethod
    def build(cls, workspace: str, since_ms: int, code: str, error: str, response=None, body=None):
        msg = (f"quotaguard: workspace '{workspace}' is exhausted since {_since_text(since_ms)}; "
               f"not sending the request. OpenAI returned: {error or code}")
        return cls(msg, workspace=workspace, since_ms=since_ms, error=error or code,
                   response=response, body=body)

    def __str__(self) -> str:
        return self.message


class ConfigError(QuotaguardError, ValueError):
    """The tracker configuration is invalid."""
