"""quotaguard: exact, fast, loud tracking of OpenAI API usage.

    import quotaguard
    client = quotaguard.openai_client()            # a genuine openai.OpenAI
    quotaguard.install()                           # or: every client the process builds
                                                   # (LangChain's, LiteLLM's, ...), QUOTAGUARD_AUTO=1
    with quotaguard.workspace("acme"):
        client.embeddings.create(model="text-embedding-3-small", input="hi")
    quotaguard.usage()["total"]["input_tokens"]
    quotaguard.status()                            # normal | warning | ... | exhausted
"""
from __future__ import annotations

import atexit as _atexit

from . import _alerts, _config, _core, _errors, _transport
from ._alerts import on_alert, remove_alert_callback
from ._config import configure
from ._context import current_workspace, workspace
from ._errors import ConfigError, QuotaguardError
from ._factory import (async_azure_openai_client, async_openai_client, azure_openai_client, instrument,
                       instrument_http_client, instrument_openai_module, openai_client, shared_openai_client)
from ._install import InstallReport, install, installed, uninstall
from ._transport import instrument_transport

__all__ = [
    "openai_client", "async_openai_client", "azure_openai_client", "async_azure_openai_client", "shared_openai_client",
    "install", "uninstall", "installed", "InstallReport", "instrument", "instrument_http_client", "instrument_openai_module", "instrument_transport", "workspace",
    "current_workspace", "usage", "status", "accounts", "configure", "reset", "flush", "shutdown", "stats", "on_alert",
    "remove_alert_callback", "QuotaExhaustedError", "QuotaguardError", "ConfigError",
]

STATUSES = ("normal", "warning", "degraded", "critical", "rate_limited", "exhausted")


def usage(workspace: str | None = None) -> dict:
    """Totals and breakdowns (by_endpoint, by_model, by_workspace) of this process's calls.

    ``total["requests"]`` counts HTTP requests sent (retries included); ``calls`` counts
    logical calls; ``blocked`` counts calls stopped before sending."""
    _config.ensure_configured()
    return _core.usage(workspace)


def status(workspace: str | None = None) -> str:
    """One of STATUSES; without a workspace, the worst over all of them."""
    _config.ensure_configured()
    return _core.status(workspace)


def accounts() -> list[dict]:
    """What the API said of each account calls can go to: the client's own ("primary"), then the
    failover accounts in order (per workspace with quota_scope = "workspace"). Each is a dict
    with name, status (normal | rate_limited | exhausted), since_ms, code and message."""
    _config.ensure_configured()
    return _core.accounts()


def reset(workspace: str | None = None) -> None:
    """Forget API-driven states (exhausted, rate_limited), e.g. after topping up credit."""
    _core.reset(workspace)


def flush() -> None:
    """Write the history now (it is otherwise written every flush interval)."""
    _core.flush()


def shutdown() -> None:
    """Final flush and stop of the background threads (also run at exit)."""
    _core.shutdown()


def stats() -> dict:
    """Alert delivery and ledger counters (drops, webhook failures, alert latency)."""
    return _core.stats()


def __getattr__(name: str):  # PEP 562: QuotaExhaustedError is made (importing openai) on first use
    if name == "QuotaExhaustedError":
        return _errors.exhausted_error()
    raise AttributeError(f"module 'quotaguard' has no attribute {name!r}")


def _at_exit() -> None:
    _transport.finish_pending()  # streams left open are recorded (as cut short) before the last flush
    _core.shutdown()
    _alerts.stop()


_atexit.register(_at_exit)
