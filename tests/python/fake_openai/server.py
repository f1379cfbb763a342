"""The fake's HTTP side: connections, compression, chunking, modes, rate-limit headers, the bill."""
from __future__ import annotations

import json
import re
import socket
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import organization, routes

QUOTA_BODY = {"error": {"message": "You exceeded your current quota, please check your plan and billing details. "
                                   "For more information on this error, read the docs: "
                                   "https://platform.openai.com/docs/guides/error-codes/api-errors.",
                        "type": "insufficient_quota", "param": None, "code": "insufficient_quota"}}
QUOTA_BODY_2023 = {"error": {"message": "You exceeded your current quota, please check your plan and billing details.",
                             "type": "insufficient_quota", "param": None, "code": None}}
RATE_BODY = {"error": {"message": "Rate limit reached for gpt-4 in organization org-x on tokens per min (TPM): "
                                  "Limit 10000, Used 9348, Requested 5086. Please try again in 26.604s.",
                       "type": "tokens", "param": None, "code": "rate_limit_exceeded"}}

MODES = ("ok", "quota", "quota2023", "rate_limit", "server_error", "no_usage", "html", "absurd", "negative",
         "bad_model", "bad_event", "cut", "bad_encoding")
SERVER_ERROR_BODY = {"error": {"message": "The server had an error while processing your request. Sorry about that!",
                               "type": "server_error", "param": None, "code": None}}
CODECS = ("br", "zstd", "gzip", "deflate")  # "auto" takes the first the client accepts, in this order


class Bill:
    """What the server charged. Attributes are totals; ``snapshot()`` copies them."""

    FIELDS = ("requests", "input", "output", "cached", "reasoning", "images", "audio_ms", "characters")

    def __init__(self):
        self.lock = threading.Lock()
        for f in self.FIELDS:
            setattr(self, f, 0)
        self.by_path: dict[str, int] = {}
        self.models: list[str] = []
        self.encodings: dict[str, int] = {}   # content-encoding of each answer ("identity" if none)
        self.arrivals: list[tuple[int, int, int, str]] = []  # (arrival ns, client's x-sent-ns or 0, status, key)
        self.keys: dict[str, int] = {}        # requests per API key (the bearer token)
        self.hosts: list[tuple] = []          # (openai-organization, openai-project, path) per request
        self.first_quota_ns = 0               # when the first insufficient_quota was answered
        self.served: list[organization.Served] = []  # each billed request, for the Usage API
        self._serving = threading.local()     # (API key, project, model) of this thread's request

    def serving(self, key: str, project: str, model: str) -> None:
        """Names the request this thread answers next: what ``add`` bills it to."""
        self._serving.request = (key, project, model)

    def add(self, path="", inp=0, out=0, cached=0, reasoning=0, images=0, audio_ms=0, characters=0):
        with self.lock:
            self.input += inp
            self.output += out
            self.cached += cached
            self.reasoning += reasoning
            self.images += images
            self.audio_ms += audio_ms
            self.characters += characters
            request = getattr(self._serving, "request", None)
            if path and request and (inp or out):
                self.served.append(organization.Served(time.time(), path, request[2], request[0], request[1], inp, out, cached))

    def snapshot(self) -> dict:
        with self.lock:
            out = {f: getattr(self, f) for f in self.FIELDS}
            out["by_path"] = dict(self.by_path)
            out["encodings"] = dict(self.encodings)
            return out


def _encoders():
    out = {"gzip": lambda: _ZlibStream(31), "deflate": lambda: _ZlibStream(15)}
    try:
        import brotli

        out["br"] = lambda: _BrotliStream(brotli)
    except ImportError:
        pass
    try:
        import zstandard

        out["zstd"] = lambda: _ZstdStream(zstandard)
    except ImportError:
        pass
    return out


class _ZlibStream:
    def __init__(self, wbits):
        self.c = zlib.compressobj(6, zlib.DEFLATED, wbits)

    def part(self, data: bytes) -> bytes:  # flushed: the client can decode it at once
        return self.c.compress(data) + self.c.flush(zlib.Z_SYNC_FLUSH)

    def end(self) -> bytes:
        return self.c.flush()


class _BrotliStream:
    def __init__(self, brotli):
        self.c = brotli.Compressor()

    def part(self, data: bytes) -> bytes:
        return self.c.process(data) + self.c.flush()

    def end(self) -> bytes:
        return self.c.finish()


class _ZstdStream:
    def __init__(self, zstandard):
        self.zstandard = zstandard
        self.c = zstandard.ZstdCompressor().compressobj()

    def part(self, data: bytes) -> bytes:
        return self.c.compress(data) + self.c.flush(self.zstandard.COMPRESSOBJ_FLUSH_BLOCK)

    def end(self) -> bytes:
        return self.c.flush(self.zstandard.COMPRESSOBJ_FLUSH_FINISH)


ENCODERS = _encoders()


class Exchange:
    """One request and the ways to answer it (used by routes.py)."""

    def __init__(self, api: "FakeOpenAI", h: BaseHTTPRequestHandler, method: str):
        self.api, self.h, self.method = api, h, method
        self.raw = self._read_body()
        self.path = re.sub(r"^/openai/deployments/[^/]+", "/v1", h.path.split("?")[0])
        self.ctype = h.headers.get("content-type", "")
        self.mode = h.headers.get("x-fake-mode") or api.mode
        try:
            self.body = json.loads(self.raw) if self.raw and "json" in self.ctype else {}
        except ValueError:
            self.body = {}
        self.encoding = self._negotiate(h.headers.get("accept-encoding", ""))

    def _read_body(self) -> bytes:
        h = self.h
        if h.headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(h.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while h.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(h.rfile.read(size))
                h.rfile.readline()
        n = int(h.headers.get("content-length") or 0)
        return h.rfile.read(n) if n else b""

    def _negotiate(self, accept: str):
        wanted = self.api.compression
        if not wanted:
            return None
        accepted = set()
        for item in accept.split(","):
            name, _, params = item.strip().partition(";")
            if name and not re.search(r"q\s*=\s*0(\.0*)?\s*$", params):
                accepted.add(name.strip().lower())
        for codec in CODECS if wanted == "auto" else (wanted,):
            if (codec in accepted or self.api.ignore_accept_encoding) and codec in ENCODERS:
                return codec
        return None

    # -- answers --------------------------------------------------------------------------
    def _start(self, status: int, ctype: str, extra: dict | None, chunked: bool, length: int | None = None):
        h = self.h
        h.send_response(status)
        h.send_header("content-type", ctype)
        if self.encoding:
            h.send_header("content-encoding", self.encoding)
        if chunked:
            h.send_header("transfer-encoding", "chunked")
        else:
            h.send_header("content-length", str(length))
        for k, v in {**self.api._ratelimit_headers(), **(extra or {})}.items():
            h.send_header(k, v)
        h.end_headers()
        with self.api.bill.lock:
            enc = self.encoding or "identity"
            self.api.bill.encodings[enc] = self.api.bill.encodings.get(enc, 0) + 1

    def _chunk(self, data: bytes) -> None:
        if data:
            self.h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def send(self, status: int, body, ctype: str = "application/json", extra: dict | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        if self.encoding:
            enc = ENCODERS[self.encoding]()
            data = enc.part(data) + enc.end()
            if self.mode == "bad_encoding":  # labelled compressed, but its bytes are not
                data = b"\xff" * 8 + data[8:]
        if self.mode == "cut" and status < 400:  # half the body, then the connection drops
            self._start(status, ctype, extra, False, len(data))
            self.h.wfile.write(data[:len(data) // 2])
            self.h.wfile.flush()
            self.h.close_connection = True
            self.h.connection.shutdown(socket.SHUT_RDWR)
            return
        if self.api.chunked:
            self._start(status, ctype, extra, True)
            half = len(data) // 2  # two chunks: a reader must join them
            self._chunk(data[:half])
            self._chunk(data[half:])
            self.h.wfile.write(b"0\r\n\r\n")
        else:
            self._start(status, ctype, extra, False, len(data))
            self.h.wfile.write(data)

    def stream(self, events: list[str], cut_after: int | None = None) -> None:
        """Server-sent events, one chunk (one compressed, flushed block) per event."""
        self._start(200, "text/event-stream; charset=utf-8", None, True)
        enc = ENCODERS[self.encoding]() if self.encoding else None
        for i, ev in enumerate(events):
            if cut_after is not None and i >= cut_after:
                self.h.wfile.flush()
                self.h.close_connection = True
                self.h.connection.shutdown(socket.SHUT_RDWR)  # the connection drops mid-stream
                return
            data = ev.encode() if isinstance(ev, str) else ev
            self._chunk(enc.part(data) if enc else data)
            self.h.wfile.flush()
        if enc:
            self._chunk(enc.end())
        self.h.wfile.write(b"0\r\n\r\n")


class FakeOpenAI:
    """The fake API on a loopback port. See the package docstring."""

    def __init__(self, port: int = 0):
        self.bill = Bill()
        self.mode = "ok"
        self.compression: str | None = "auto"
        self.ignore_accept_encoding = False  # compress even when the client did not ask
        self.chunked = True
        self.rate_limit_times = 0   # answer this many requests with a rate-limit 429 first
        self.quota_after: int | None = None  # answer insufficient_quota once this many were served
        self.exhausted_keys: set[str] = set()  # API keys whose quota is used up (others are served)
        self.remaining_requests = 100
        self.admin_key = organization.ADMIN_KEY  # the key of the organization Usage/Costs API
        self.key_names: dict[str, str] = {}  # API key -> its name in the organization's key list
        self.refuse_key_lists = False  # True: the key lists answer 403 (the usage endpoints still answer)
        self.runs: dict[str, int] = {}
        self._ids = 0
        self.connections = 0  # TCP connections accepted (keep-alive: one per client at a time)
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive

            def setup(self):
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with api._lock:
                    api.connections += 1

            def log_message(self, *a):
                pass

            def do_GET(self):
                api._handle(self, "GET")

            def do_POST(self):
                api._handle(self, "POST")

            def do_DELETE(self):
                api._handle(self, "DELETE")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def set(self, *, mode: str | None = None, compression: str | None | bool = False, chunked: bool | None = None,
            rate_limit_times: int | None = None, remaining_requests: int | None = None,
            quota_after: int | None | bool = False, exhausted_keys=None,
            ignore_accept_encoding: bool | None = None) -> "FakeOpenAI":
        """Change how later requests are answered (arguments left out stay as they are).

        quota_after: once this many requests were served, every later one gets insufficient_quota
        (as an account running dry under load); exhausted_keys: API keys answered with
        insufficient_quota whatever the mode (other keys are served normally);
        ignore_accept_encoding: compress with the codec set even for a client that did not ask
        (as gateways and CDNs do)."""
        if mode is not None:
            if mode not in MODES:
                raise ValueError(f"mode {mode!r}: one of {', '.join(MODES)}")
            self.mode = mode
        if compression is not False:
            if compression not in (None, "auto", *CODECS):
                raise ValueError(f"compression {compression!r}: None, 'auto' or one of {', '.join(CODECS)}")
            self.compression = compression
        if chunked is not None:
            self.chunked = chunked
        if rate_limit_times is not None:
            self.rate_limit_times = rate_limit_times
        if remaining_requests is not None:
            self.remaining_requests = remaining_requests
        if quota_after is not False:
            self.quota_after = quota_after
        if exhausted_keys is not None:
            self.exhausted_keys = set(exhausted_keys)
        if ignore_accept_encoding is not None:
            self.ignore_accept_encoding = ignore_accept_encoding
        return self

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "FakeOpenAI":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def new_id(self, prefix: str) -> str:
        with self.bill.lock:
            self._ids += 1
            return f"{prefix}_{self._ids:06d}"

    def _ratelimit_headers(self) -> dict:
        with self.bill.lock:
            self.remaining_requests = max(0, self.remaining_requests - 1)
            rem = self.remaining_requests
        return {"x-ratelimit-limit-requests": "100", "x-ratelimit-remaining-requests": str(rem),
                "x-ratelimit-reset-requests": "6m0s", "x-ratelimit-limit-tokens": "30000",
                "x-ratelimit-remaining-tokens": "29000", "x-ratelimit-reset-tokens": "2s",
                "x-request-id": "req_" + str(time.monotonic_ns()), "openai-processing-ms": "12",
                "openai-poll-after-ms": "5"}

    def _handle(self, h, method: str) -> None:
        arrived = time.monotonic_ns()
        x = Exchange(self, h, method)
        bill = self.bill
        delay = int(h.headers.get("x-fake-delay-ms") or 0)  # a slow answer (it is sent afterwards)
        if delay:
            time.sleep(delay / 1000)
        key = h.headers.get("authorization", "").removeprefix("Bearer ")
        if organization.answer(self, x):  # the Usage/Costs API: not model traffic, never billed
            return
        bill.serving(key, h.headers.get("openai-project") or "proj_default", x.body.get("model", "gpt-4o-mini"))
        with bill.lock:
            bill.requests += 1
            bill.keys[key] = bill.keys.get(key, 0) + 1
            bill.hosts.append((h.headers.get("openai-organization"), h.headers.get("openai-project"), x.path))
            if self.quota_after is not None and bill.requests > self.quota_after:
                x.mode = "quota"
            if key in self.exhausted_keys:
                x.mode = "quota"
            route = f"{method} {re.sub(r'/(?:[a-z]+_|file-)[0-9a-z]+', '/{id}', x.path)}"
            bill.by_path[route] = bill.by_path.get(route, 0) + 1
            limited = self.rate_limit_times > 0
            if limited:
                self.rate_limit_times -= 1
            if "model" in x.body:
                bill.models.append(x.body["model"])
        status = 200
        try:
            if x.mode in ("quota", "quota2023"):
                status = 429
                with bill.lock:
                    if not bill.first_quota_ns:
                        bill.first_quota_ns = time.monotonic_ns()
                x.send(429, QUOTA_BODY if x.mode == "quota" else QUOTA_BODY_2023)
            elif limited or x.mode == "rate_limit":
                status = 429
                retry_ms = h.headers.get("x-fake-retry-after-ms", "20")
                x.send(429, RATE_BODY, extra={"retry-after-ms": retry_ms, "retry-after": str(max(1, int(retry_ms) // 1000))})
            elif x.mode == "server_error":
                status = 500
                x.send(500, SERVER_ERROR_BODY)
            else:
                status = routes.answer(self, x)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with bill.lock:
                bill.arrivals.append((arrived, int(h.headers.get("x-sent-ns") or 0), status, key))
