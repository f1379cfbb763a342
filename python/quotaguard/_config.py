"""configure(): TOML file (``QUOTAGUARD_CONFIG`` or an explicit path) + keyword overrides."""
from __future__ import annotations

import json
import os
import threading
import tomllib
from typing import Any

from . import _core
from ._errors import ConfigError

# Flat keyword overrides -> (section, key).
_FLAT = {
    "db": ("tracker", "db"), "flush_interval_ms": ("tracker", "flush_interval_ms"),
    "ledger": ("tracker", "ledger"), "quota_scope": ("tracker", "quota_scope"),
    "exhausted_probe_s": ("tracker", "exhausted_probe_s"), "pricing": ("tracker", "pricing"),
    "tick_ms": ("tracker", "tick_ms"),
    "on_exhausted": ("policy", "on_exhausted"), "fallback_model": ("policy", "fallback_model"),
    "warning": ("thresholds", "warning"), "critical": ("thresholds", "critical"),
    "alerts_jsonl": ("alerts", "jsonl"), "webhook": ("alerts", "webhook"),
    "webhook_timeout_ms": ("alerts", "webhook_timeout_ms"), "alert_queue": ("alerts", "queue"),
}
_SECTIONS = {"tracker", "policy", "thresholds", "budgets", "alerts"}
_PATH_KEYS = {("tracker", "db"), ("tracker", "pricing"), ("alerts", "jsonl")}

_lock = threading.Lock()
_init_lock = threading.Lock()
_state: dict[str, Any] = {"configured": False, "policy": {"on_exhausted": "raise", "fallback_model": ""}}


def _merge(dst: dict, src: dict) -> dict:
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            _merge(dst[k], v)
        else:
            dst[k] = v
    return dst


def _load(config_path: str | os.PathLike | None) -> dict:
    path = config_path if config_path is not None else os.environ.get("QUOTAGUARD_CONFIG")
    if not path:
        return {}
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"quotaguard config {path}: {e}") from e
    base = os.path.dirname(os.path.abspath(path))
    for section, key in _PATH_KEYS:  # relative paths are relative to the config file
        val = data.get(section, {}).get(key)
        if isinstance(val, str) and val and not os.path.isabs(val):
            data[section][key] = os.path.join(base, val)
    return data


def configure(config_path: str | os.PathLike | None = None, **overrides: Any) -> dict:
    """(Re)start the tracker. Without a file or overrides: in memory, no sinks, no budgets.

    Overrides are sections (``budgets={"global": {"usd_per_day": 50}}``) or flat keys
    (``db="q.db"``, ``webhook="http://..."``, ``on_exhausted="fallback"``, ...).
    Returns the effective configuration.
    """
    cfg = _load(config_path)
    for key, value in overrides.items():
        if key in _SECTIONS:
            if not isinstance(value, dict):
                raise ConfigError(f"quotaguard.configure: {key} must be a dict")
            _merge(cfg.setdefault(key, {}), value)
        elif key in _FLAT:
            section, name = _FLAT[key]
            cfg.setdefault(section, {})[name] = os.fspath(value) if isinstance(value, os.PathLike) else value
        else:
            raise ConfigError(f"quotaguard.configure: unknown option {key!r}")
    with _lock:
        try:
            _core.configure(json.dumps(cfg))
        except ValueError as e:
            raise ConfigError(str(e)) from e
        policy = cfg.get("policy", {})
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
