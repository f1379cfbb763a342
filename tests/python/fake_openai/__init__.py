"""A loopback fake of the OpenAI API that behaves like the real one where it matters for counting,
and keeps its own bill to compare a tracker's numbers with.

    from fake_openai import FakeOpenAI

    with FakeOpenAI() as api:                    # a real socket on 127.0.0.1, a thread per connection
        client = openai.OpenAI(api_key="sk-test", base_url=api.base_url)
        api.set(mode="quota")                    # every later answer is a 429 insufficient_quota
        client.chat.completions.create(..., extra_headers={"x-fake-mode": "no_usage"})  # one answer only
        api.bill.snapshot()                      # what the server billed: requests, tokens, images, ...

    python tests/python/fake_openai [--port N]  # for other processes: prints the base URL, serves until killed

What the wire does, as the real API (and the CDN in front of it) does:
- compression when the client asks (Accept-Encoding): br, zstd, gzip or deflate, whichever the
  client accepts first in that order ("auto"), or one codec forced by ``set(compression=...)``
  (also for a client that asked for none, with ``ignore_accept_encoding=True``, as gateways do);
  streams are compressed event by event (flushed), never buffered whole;
- chunked transfer encoding for JSON bodies (``set(chunked=False)`` sends Content-Length),
  HTTP/1.1 keep-alive, TCP_NODELAY on every connection (without it each loopback request waits
  on a delayed ACK, ~40-90 ms, and hides any overhead figure);
- usage only in the last chunk of a chat stream, and only with ``stream_options.include_usage``;
- 429 bodies of both shapes (``insufficient_quota`` with ``code`` set, and the 2023 one with
  ``code: null``), ``rate_limit_exceeded`` with ``retry-after`` / ``retry-after-ms``, and
  ``x-ratelimit-*`` headers on every answer.

Modes (``set(mode=...)`` for every later answer, or the ``x-fake-mode`` request header for one;
``set(quota_after=N)`` runs the account dry after N requests, ``set(exhausted_keys={...})``
answers insufficient_quota to some API keys only, ``x-fake-delay-ms`` answers one request late):
``ok``, ``quota``, ``quota2023``, ``rate_limit`` (``x-fake-retry-after-ms`` sets its wait),
``server_error`` (a 500), and the ways a body can go wrong: ``no_usage``
(a 200 without its usage object), ``html`` (a 200 HTML page, as a proxy sends), ``absurd``
(``completion_tokens: 1e30``, ``prompt_tokens: 2**64-1``), ``negative`` (negative counts),
``bad_model`` (a non-UTF-8 byte in ``model``), ``bad_event`` (a stream with an event that is not
JSON), ``cut`` (a stream, or a JSON body, whose connection drops midway) and ``bad_encoding`` (a
body labelled compressed whose bytes are not). In every mode the bill records what
the server really charged, so a test can tell an exact count from an estimate.

The organization Usage and Costs API (``GET /v1/organization/usage/{completions,embeddings}``,
``/v1/organization/costs``, with ``api.admin_key``, default ``sk-admin-fake``) answers from the
same bill, request by request (``organization.py``): what a reconciler polling OpenAI would see.
"""
from .server import CODECS, MODES, QUOTA_BODY, QUOTA_BODY_2023, RATE_BODY, Bill, FakeOpenAI

__all__ = ["FakeOpenAI", "Bill", "MODES", "CODECS", "QUOTA_BODY", "QUOTA_BODY_2023", "RATE_BODY"]
