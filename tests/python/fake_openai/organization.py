"""The fake's organization Usage and Costs API (`/v1/organization/usage/*`, `/v1/organization/costs`),
answered from what the fake really served: every billed request is a `Served` record (when, which
API key and project, which model, the tokens), so a reconciler polling these endpoints sees exactly
the traffic that reached the server, tracked or not.

Shapes, parameters, limits and pagination follow the real API (as the real `openai` SDK's
`client.admin.organization.usage.*` types describe them): buckets of `1m`/`1h`/`1d` aligned to the
width, an empty bucket still listed, `group_by` repeated in the query, `page` cursors with
`has_more`/`next_page`, admin-key authentication (a project key gets the real 401 body)."""
from __future__ import annotations

import hashlib
import math
import os
import time
import tomllib
from dataclasses import dataclass
from urllib.parse import parse_qs

ADMIN_KEY = "sk-admin-fake"  # the organization's admin key (FakeOpenAI.admin_key may change it)
WIDTHS = {"1m": (60, 60, 1440), "1h": (3600, 24, 168), "1d": (86400, 7, 31)}  # seconds, default limit, max
USAGE_FAMILIES = {"completions": ("/chat/completions", "/responses", "/threads/runs"), "embeddings": ("/embeddings",)}
USAGE_GROUPS = ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier")
COST_GROUPS = ("project_id", "line_item", "api_key_id")
_PRICING = os.path.join(os.path.dirname(os.path.abspath(__file__)), *[os.pardir] * 3, "rules", "pricing.toml")


@dataclass(frozen=True)
class Served:
    """One request the fake billed."""
    ts: float
    path: str
    model: str
    api_key: str
    project: str
    input: int
    output: int
    cached: int


def api_key_id(key: str) -> str:
    """The stable id the Usage API gives a secret key (never the key itself)."""
    return "key_" + hashlib.sha256(key.encode()).hexdigest()[:16]


class _BadRequest(Exception):
    def __init__(self, message: str, param: str | None = None):
        super().__init__(message)
        self.param = param


def _prices() -> dict:
    with open(_PRICING, "rb") as f:
        return tomllib.load(f)["models"]


def _price(prices: dict, model: str) -> dict:
    if model in prices:
        return prices[model]
    # The tracker's lookup: the longest entry followed by a dated/versioned suffix.
    best = max((m for m in prices if model.startswith(m + "-")), key=len, default=None)
    return prices.get(best, {})


def answer(api, x) -> bool:
    """Answers `GET /v1/organization/usage/<family>`, `/v1/organization/costs`, `/v1/organization/projects`
    and `/v1/organization/projects/<id>/api_keys`; False for other paths."""
    p = x.path[3:] if x.path.startswith("/v1") else x.path
    family = p.removeprefix("/organization/usage/") if p.startswith("/organization/usage/") else None
    listing = p == "/organization/projects" or (p.startswith("/organization/projects/") and p.endswith("/api_keys"))
    if family is None and p != "/organization/costs" and not listing:
        return False
    key = x.h.headers.get("authorization", "").removeprefix("Bearer ")
    if key != api.admin_key:
        x.send(401, {"error": {"message": "You have insufficient permissions for this operation. Missing scopes: "
                                          "api.usage.read. Check that you have the correct role in your organization "
                                          "(Owner), and if you're using a restricted API key, that it has the necessary scopes.",
                               "type": "invalid_request_error", "param": None, "code": None}})
        return True
    if x.method != "GET":
        x.send(405, {"error": {"message": f"Invalid method for URL ({x.method} {x.path})", "type": "invalid_request_error",
                               "param": None, "code": None}})
        return True
    if family is not None and family not in USAGE_FAMILIES:
        x.send(404, {"error": {"message": f"Invalid URL (GET {x.path})", "type": "invalid_request_error", "param": None,
                               "code": None}})
        return True
    query = parse_qs(x.h.path.partition("?")[2], keep_blank_values=True)
    if listing and getattr(api, "refuse_key_lists", False):  # an admin key without the keys scope
        x.send(403, {"error": {"message": "You have insufficient permissions for this operation. Missing scopes: "
                                          "api.management.read.", "type": "invalid_request_error", "param": None, "code": None}})
        return True
    try:
        if listing:
            page = _projects_page(api, query) if p == "/organization/projects" else \
                _keys_page(api, p.split("/")[3], query)
        else:
            page = _usage_page(api, family, query) if family else _costs_page(api, query)
    except _BadRequest as e:
        x.send(400, {"error": {"message": str(e), "type": "invalid_request_error", "param": e.param, "code": None}})
        return True
    x.send(200, page)
    return True


def _one(query: dict, name: str, default=None):
    values = query.get(name)
    return values[-1] if values else default


def _many(query: dict, name: str) -> list[str]:
    return query.get(name, []) + query.get(name + "[]", [])


def _int(query: dict, name: str, default=None) -> int | None:
    v = _one(query, name)
    if v is None:
        return default
    try:
        return int(v)
    except ValueError:
        raise _BadRequest(f"Invalid value for '{name}': expected an integer, got {v!r}.", name) from None


def _buckets(query: dict, widths: tuple[str, ...]):
    """The buckets a query asks for: [(start, end)], and the next page's cursor (or None)."""
    start = _int(query, "start_time")
    if start is None:
        raise _BadRequest("Missing required parameter: 'start_time'.", "start_time")
    width_name = _one(query, "bucket_width", "1d")
    if width_name not in widths:
        raise _BadRequest(f"Invalid value for 'bucket_width': {width_name!r}; one of {', '.join(widths)}.", "bucket_width")
    width, default_limit, max_limit = WIDTHS[width_name]
    limit = _int(query, "limit", default_limit)
    if not 1 <= limit <= max_limit:
        raise _BadRequest(f"Invalid value for 'limit': {limit}; at most {max_limit} with bucket_width={width_name}.", "limit")
    end = _int(query, "end_time", int(time.time()) + 1)
    if end <= start:
        raise _BadRequest("'end_time' must be after 'start_time'.", "end_time")
    first = start - start % width
    cursor = _one(query, "page")
    if cursor:
        try:
            first = int(cursor.removeprefix("page_"))
        except ValueError:
            raise _BadRequest(f"Invalid value for 'page': {cursor!r}.", "page") from None
    starts = list(range(first, end, width))
    more = len(starts) > limit
    starts = starts[:limit]
    buckets = [(s, s + width) for s in starts]
    return buckets, (f"page_{starts[-1] + width}" if more else None), max(start, first), end


def _served(api, lo: float, hi: float, query: dict) -> list[Served]:
    models, projects, keys = _many(query, "models"), _many(query, "project_ids"), _many(query, "api_key_ids")
    with api.bill.lock:
        rows = list(api.bill.served)
    return [r for r in rows if lo <= r.ts < hi and (not models or r.model in models)
            and (not projects or r.project in projects) and (not keys or api_key_id(r.api_key) in keys)]


def _groups(query: dict, allowed: tuple[str, ...]) -> list[str]:
    groups = _many(query, "group_by")
    for g in groups:
        if g not in allowed:
            raise _BadRequest(f"Invalid value for 'group_by': {g!r}; any of {', '.join(allowed)}.", "group_by")
    return groups


def _group_key(r: Served, groups: list[str]) -> tuple:
    values = {"project_id": r.project, "api_key_id": api_key_id(r.api_key), "model": r.model, "user_id": None,
              "batch": False, "service_tier": "default"}
    return tuple((g, values[g]) for g in groups)


def _usage_page(api, family: str, query: dict) -> dict:
    buckets, next_page, lo, hi = _buckets(query, ("1m", "1h", "1d"))
    groups = _groups(query, USAGE_GROUPS)
    paths = USAGE_FAMILIES[family]
    rows = [r for r in _served(api, lo, hi, query) if r.path in paths]
    data = []
    for start, end in buckets:
        sums: dict[tuple, dict] = {}
        for r in rows:
            if start <= r.ts < end:
                s = sums.setdefault(_group_key(r, groups), {"input_tokens": 0, "output_tokens": 0, "input_cached_tokens": 0,
                                                             "num_model_requests": 0})
                s["input_tokens"] += r.input
                s["output_tokens"] += r.output
                s["input_cached_tokens"] += r.cached
                s["num_model_requests"] += 1
        results = []
        for group, s in sorted(sums.items(), key=lambda kv: str(kv[0])):
            if family == "embeddings":
                s = {"input_tokens": s["input_tokens"], "num_model_requests": s["num_model_requests"]}
            else:
                s |= {"input_uncached_tokens": s["input_tokens"] - s["input_cached_tokens"], "input_audio_tokens": 0,
                      "output_audio_tokens": 0}
            results.append({"object": f"organization.usage.{family}.result", **s,
                            **{g: None for g in USAGE_GROUPS if g not in ("batch", "service_tier")}, **dict(group)})
        data.append({"object": "bucket", "start_time": start, "end_time": end, "results": results})
    return {"object": "page", "data": data, "has_more": next_page is not None, "next_page": next_page}


def _costs_page(api, query: dict) -> dict:
    buckets, next_page, lo, hi = _buckets(query, ("1d",))
    groups = _groups(query, COST_GROUPS)
    prices = _prices()
    rows = _served(api, lo, hi, query)
    data = []
    for start, end in buckets:
        sums: dict[tuple, float] = {}
        for r in rows:
            if not start <= r.ts < end:
                continue
            price = _price(prices, r.model)
            cached_price = price.get("cached-input", price.get("input", 0.0))
            parts = {"input": ((r.input - r.cached) * price.get("input", 0.0) + r.cached * cached_price) / 1e6,
                     "output": r.output * price.get("output", 0.0) / 1e6}
            for kind, usd in parts.items():
                key = tuple((g, f"{r.model}, {kind}" if g == "line_item" else
                             r.project if g == "project_id" else api_key_id(r.api_key)) for g in groups)
                sums[key] = sums.get(key, 0.0) + usd
        results = [{"object": "organization.costs.result", "amount": {"value": round(v, 12), "currency": "usd"},
                    "line_item": None, "project_id": None, "api_key_id": None, **dict(k)}
                   for k, v in sorted(sums.items(), key=lambda kv: str(kv[0])) if not math.isclose(v, 0.0)]
        data.append({"object": "bucket", "start_time": start, "end_time": end, "results": results})
    return {"object": "page", "data": data, "has_more": next_page is not None, "next_page": next_page}


# Projects and their API keys (the Administration API's lists): the projects and keys the fake
# has billed, a key named as the test set it in `FakeOpenAI.key_names` (else "Secret key"), its
# value redacted as the dashboard shows it. Lists page with `limit` (1..100) and `after` (an id).
def _list_page(items: list[dict], query: dict) -> dict:
    limit = _int(query, "limit", 20)
    if not 1 <= limit <= 100:
        raise _BadRequest(f"Invalid value for 'limit': {limit}; from 1 to 100.", "limit")
    after = _one(query, "after")
    ids = [i["id"] for i in items]
    if after is not None and after not in ids:
        raise _BadRequest(f"Invalid value for 'after': {after!r}.", "after")
    start = ids.index(after) + 1 if after is not None else 0
    data = items[start:start + limit]
    return {"object": "list", "data": data, "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None, "has_more": start + limit < len(items)}


def _projects_page(api, query: dict) -> dict:
    with api.bill.lock:
        projects = sorted({r.project for r in api.bill.served})
    return _list_page([{"object": "organization.project", "id": p, "name": p.removeprefix("proj_"), "created_at": 1700000000,
                        "archived_at": None, "status": "active"} for p in projects], query)


def _keys_page(api, project: str, query: dict) -> dict:
    with api.bill.lock:
        keys = sorted({r.api_key for r in api.bill.served if r.project == project})
    names = getattr(api, "key_names", {})
    return _list_page([{"object": "organization.project.api_key", "id": api_key_id(k), "name": names.get(k, "Secret key"),
                        "redacted_value": k[:3] + "..." + k[-4:], "created_at": 1700000000, "last_used_at": int(time.time()),
                        "owner": {"type": "user"}} for k in keys], query)
