"""configure(): a TOML file (``QUOTAGUARD_CONFIG`` or an explicit path) + keyword overrides.

The C++ core reads and checks both (every key and type, with ``file:line`` and a did-you-mean);
this module maps flat keywords to their sections and keeps what the transport needs: the
policy, and the credentials of the accounts calls fail over to (read from the environment,
never from the file, and never written anywhere).
"""
from __future__ import annotations

import json
import os
import threading
from typing import Any

from . import _core
from ._errors import ConfigError

# Flat keyword overrides -> (section, key).
_FLAT = {
    "db": ("tracker", "db"), "flush_interval_ms": ("tracker", "flush_interval_ms"),
    "ledger": ("tracker", "ledger"), "quota_scope": ("tracker", "quota_scope"),
    "exhausted_probe_s": ("tracker", "exhausted_probe_s"), "pricing": ("tracker", "pricing"),
    "tick_ms": ("tracker", "tick_ms"), "share": ("tracker", "share"), "state": ("tracker", "state"),
    "redis": ("tracker", "redis"), "redis_namespace": ("tracker", "redis_namespace"),
    "redis_sync_ms": ("tracker", "redis_sync_ms"),
    "on_exhausted": ("policy", "on_exhausted"), "fallback_model": ("policy", "fallback_model"),
    "warning": ("thresholds", "warning"), "critical": ("thresholds", "critical"),
    "alerts_jsonl": ("alerts", "jsonl"), "webhook": ("alerts", "webhook"),
    "webhook_timeout_ms": ("alerts", "webhook_timeout_ms"), "alert_queue": ("alerts", "queue"),
    "alert_routes": ("alerts", "routes"), "dead_letter": ("alerts", "dead_letter"),
    "webhook_retries": ("alerts", "retries"), "retry_backoff_ms": ("alerts", "retry_backoff_ms"),
    "alert_dedup_s": ("alerts", "dedup_s"),
}
_SECTIONS = {"tracker", "policy", "thresholds", "budgets", "alerts"}

_lock = threading.Lock()
_init_lock = threading.Lock()
_state: dict[str, Any] = {"configured": False, "policy": {"on_exhausted": "raise", "fallback_model": ""},
                          "accounts": []}


class Account:
    """Credentials of a failover account: what a request sent with it carries instead."""

    __slots__ = ("name", "api_key", "organization", "project", "base_url")

    def __init__(self, spec: dict):
        self.name = spec["name"]
        env = spec["api_key_env"]
        self.api_key = os.environ.get(env)
        if not self.api_key:
            raise ConfigError(f"quotaguard: policy.accounts '{self.name}': the environment variable {env} "
                              f"(its API key) is not set")
        self.organization = spec.get("organization")
        self.project = spec.get("project")
        self.base_url = spec.get("base_url", "").rstrip("/") or None


def _overrides(kwargs: dict) -> dict:
    out: dict = {}
    for key, value in kwargs.items():
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if key in _SECTIONS:
            if not isinstance(value, dict):
                raise ConfigError(f"quotaguard.configure: {key} must be a dict")
            out.setdefault(key, {}).update(value)
        elif key in _FLAT:
            section, name = _FLAT[key]
            out.setdefault(section, {})[name] = value
        else:
            import difflib

            near = difflib.get_close_matches(key, [*_SECTIONS, *_FLAT], n=1)
            raise ConfigError(f"quotaguard.configure: unknown option {key!r}" +
                              (f"; did you mean {near[0]!r}?" if near else ""))
    return out


def configure(config_path: str | os.PathLike | None = None, **overrides: Any) -> dict:
    """(Re)start the tracker. Without a file or overrides: in memory, no sinks, no budgets.

    Overrides are sections (``budgets={"global": {"usd_per_day": 50}}``) or flat keys
    (``db="q.db"``, ``webhook="http://..."``, ``on_exhausted="failover"``, ...). What the API
    said (an exhausted account) carries over; ``reset()`` clears it. Returns the effective
    configuration.
    """
    path = config_path if config_path is not None else os.environ.get("QUOTAGUARD_CONFIG")
    over = _overrides(overrides)
    try:
        text = json.dumps(over) if over else ""
    except TypeError as e:
        raise ConfigError(f"quotaguard.configure: {e}") from e
    path = os.fspath(path) if path else ""
    with _lock:
        try:
            cfg = json.loads(_core.load_config(path, text))  # checked before anything restarts
            policy = cfg.get("policy", {})
            accounts = [Account(a) for a in policy.get("accounts", [])]
            _core.configure(path, text)
        except ValueError as e:
            raise ConfigError(str(e)) from e
        _state["accounts"] = accounts
        _state["policy"] = {"on_exhausted": policy.get("on_exhausted", "raise"),
                            "fallback_model": policy.get("fallback_model", "")}
        _state["configured"] = True
    return cfg


def ensure_configured() -> None:
    if not _state["configured"]:
        with _init_lock:  # exactly once: a second default tracker would drop counts
            if not _state["configured"]:
                configure()


def policy() -> dict:
    return _state["policy"]


def account(index: int) -> Account:
    """A failover account by its index in the check's verdict (1 = the first in the config)."""
    return _state["accounts"][index - 1]
