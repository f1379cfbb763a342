"""The live events over a WebSocket (`/api/v1/ws`, src/serve/websocket.h), read with the
`websockets` client library: the same events, ids and data as the SSE stream, a reconnecting
client that misses nothing, heartbeats and keep-alive pings, the token, and clear refusals."""
import json
import threading

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from conftest import wait_for
from sse_client import SseClient

SERVE_ARGS = ("--poll-ms", "50", "--heartbeat-ms", "300")
KEYED = ("status", "alert", "usage")


class WsClient:
    """Collects every message on a thread of its own, as SseClient does for the SSE stream."""

    def __init__(self, url, **kw):
        self.conn = connect(url, open_timeout=20, **kw)
        self.messages, self._lock = [], threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            for raw in self.conn:
                with self._lock:
                    self.messages.append(json.loads(raw))
        except Exception:  # closed
            pass

    def snapshot(self):
        with self._lock:
            return list(self.messages)

    def of(self, event):
        return [m for m in self.snapshot() if m["event"] == event]

    def close(self):
        self.conn.close()
        self.thread.join(10)


def _ws_url(s):
    return s.ws_url + "/api/v1/ws"


def test_the_websocket_carries_what_the_sse_stream_carries(fake, workers, serve):
    workers.run(calls=1)
    s = serve("--db", workers.db, *SERVE_ARGS)
    sse = SseClient(s.url + "/api/v1/events")
    ws = WsClient(_ws_url(s))
    try:
        start = int(wait_for(lambda: ws.of("hello"))[0]["id"])
        assert ws.of("hello")[0]["data"] == {"last_event_id": start}
        wait_for(lambda: sse.of("hello"))
        workers.run(workspace="acme", calls=3)
        fake.set(mode="quota")
        workers.run(workspace="beta", calls=2)
        wait_for(lambda: [m for m in ws.of("status") if m["data"]["workspace"] == "*" and m["data"]["error_code"]])
        wait_for(lambda: [m for m in ws.of("alert") if m["data"]["code"] == "insufficient_quota"])

        def keyed(events, after):
            return [(e["id"], e["event"], e["data"]) for e in events if e["event"] in KEYED and int(e["id"]) > after]
        # Both streams, once each has everything up to the newest id either has seen.
        newest = max(int(m["id"]) for m in ws.snapshot() if m["event"] in KEYED)
        wait_for(lambda: any(int(e["id"]) >= newest for e in sse.snapshot() if e["event"] in KEYED))
        sse_start = int(sse.of("hello")[0]["id"])
        common = max(start, sse_start)
        assert keyed(ws.snapshot(), common)[: len(keyed(sse.snapshot(), common))] == keyed(sse.snapshot(), common)
        # 3 calls, then the one the fake refused (the next never left: blocked, not a call).
        wait_for(lambda: sum(m["data"]["calls"] for m in ws.of("usage")) == 4)
        wait_for(lambda: sum(m["data"]["blocked"] for m in ws.of("usage")) == 1)
    finally:
        ws.close()
        sse.close()


def test_a_reconnecting_websocket_client_misses_nothing(fake, workers, serve):
    workers.run(calls=1)
    s = serve("--db", workers.db, *SERVE_ARGS)
    steady, first = WsClient(_ws_url(s)), WsClient(_ws_url(s))
    try:
        start = int(wait_for(lambda: first.of("hello"))[0]["id"])
        wait_for(lambda: steady.of("hello"))
        workers.run(workspace="acme", calls=3)
        wait_for(lambda: [m for m in first.snapshot() if m["event"] in KEYED])
        first.close()
        before = [m for m in first.snapshot() if m["event"] in KEYED]
        workers.run(workspace="beta", calls=2)
        fake.set(mode="quota")
        workers.run(workspace="acme", calls=2)
        wait_for(lambda: [m for m in steady.of("status") if m["data"]["workspace"] == "*"])
        again = WsClient(_ws_url(s) + "?last_event_id=" + before[-1]["id"])
        try:
            want = [(m["id"], m["event"], m["data"]) for m in steady.snapshot() if m["event"] in KEYED and int(m["id"]) > start]
            wait_for(lambda: len([m for m in again.snapshot() if m["event"] in KEYED]) + len(before) >= len(want))
            after = [m for m in again.snapshot() if m["event"] in KEYED]
            assert again.of("hello") == [] and again.of("reset") == []
            assert [(m["id"], m["event"], m["data"]) for m in before + after] == want
        finally:
            again.close()
    finally:
        steady.close()


def test_heartbeats_pings_stale_ids_and_client_count(workers, serve):
    workers.run(calls=1)
    s = serve("--db", workers.db, *SERVE_ARGS)
    idle = WsClient(_ws_url(s))
    stale = WsClient(_ws_url(s) + "?last_event_id=5")
    try:
        wait_for(lambda: len(idle.of("heartbeat")) >= 3)
        assert [m["event"] for m in stale.snapshot()][:1] == ["reset"]
        assert s.json("/api/v1/health")["events"]["clients"] == 2
        # The server pings an idle client (keep-alive): the library answers, the session lives on.
        idle.conn.ping().wait(10)
        wait_for(lambda: len(idle.of("heartbeat")) >= 6)
    finally:
        idle.close()
        stale.close()
    wait_for(lambda: s.json("/api/v1/health")["events"]["clients"] == 0)


@pytest.mark.parametrize("suffix,status,code", [
    ("?last_event_id=abc", 400, "bad_parameter"),
    ("?since=1", 400, "bad_parameter"),
])
def test_bad_requests_are_refused_with_a_json_error(workers, serve, suffix, status, code):
    workers.run(calls=1)
    s = serve("--db", workers.db, *SERVE_ARGS)
    with pytest.raises(InvalidStatus) as e:
        connect(_ws_url(s) + suffix, open_timeout=20)
    assert e.value.response.status_code == status
    assert json.loads(e.value.response.body)["error"]["code"] == code


def test_the_token_is_needed_when_the_server_has_one(workers, serve):
    workers.run(calls=1)
    s = serve("--db", workers.db, "--token", "t0ken", *SERVE_ARGS)
    with pytest.raises(InvalidStatus) as e:
        connect(_ws_url(s), open_timeout=20)
    assert e.value.response.status_code == 401
    ws = WsClient(_ws_url(s), additional_headers={"Authorization": "Bearer t0ken"})
    try:
        assert wait_for(lambda: ws.of("hello"))
    finally:
        ws.close()


def _upgrade_request(path="/api/v1/ws"):
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()


def _read_head(sock):
    head = b""
    while b"\r\n\r\n" not in head:
        piece = sock.recv(4096)
        if not piece:
            break
        head += piece
    return head


def test_the_websocket_is_on_the_http_port(fake, workers, serve):
    """One origin, as a UI that polls the API and subscribes to the events expects: the URL serve
    prints is its HTTP port, and the page's own origin upgrades."""
    workers.run(calls=1)
    s = serve("--db", workers.db, *SERVE_ARGS)
    assert s.ws_url.removeprefix("ws://") == s.url.removeprefix("http://")
    ws = WsClient(s.url.replace("http://", "ws://") + "/api/v1/ws")
    try:
        assert wait_for(lambda: ws.of("hello"))
        workers.run(workspace="acme", calls=2)
        wait_for(lambda: sum(m["data"]["calls"] for m in ws.of("usage")) == 2)
        status, _, body = s.get("/api/v1/health")  # the API answers beside it
        assert status == 200, body
    finally:
        ws.close()


def test_an_upgrade_after_a_request_on_the_same_connection_is_handed_over(fake, workers, serve):
    """A keep-alive connection that first asks the API, then upgrades: each request on it is
    looked at, not only the first; and a request line that arrives a byte at a time too."""
    import socket
    import time

    workers.run(calls=1)
    s = serve("--db", workers.db, *SERVE_ARGS)
    host, port = s.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as c:
        c.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        head = _read_head(c)
        assert head.startswith(b"HTTP/1.1 200"), head
        length = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")][0].split(b":")[1])
        rest = head.split(b"\r\n\r\n", 1)[1]
        while len(rest) < length:
            rest += c.recv(4096)
        c.sendall(_upgrade_request())
        assert _read_head(c).startswith(b"HTTP/1.1 101"), "the second request was not upgraded"
    with socket.create_connection((host, int(port)), timeout=20) as c:
        for byte in _upgrade_request()[:20]:
            c.sendall(bytes([byte]))
            time.sleep(0.01)
        c.sendall(_upgrade_request()[20:])
        assert _read_head(c).startswith(b"HTTP/1.1 101"), "a slow request line was not upgraded"
    with socket.create_connection((host, int(port)), timeout=20) as c:  # a near miss is the API's
        c.sendall(_upgrade_request("/api/v1/wsx"))
        head = _read_head(c)
        assert head.startswith(b"HTTP/1.1 404") and b"application/json" in head, head


def test_ws_port_adds_a_port_of_its_own(fake, workers, serve):
    workers.run(calls=1)
    s = serve("--db", workers.db, "--ws-port", "0", *SERVE_ARGS)
    line = s.proc.stderr.readline()
    assert "WebSocket also on ws://127.0.0.1:" in line, line
    other = line.split("also on ")[1].split()[0]
    assert other != s.ws_url + "/api/v1/ws"
    for url in (other, _ws_url(s)):
        ws = WsClient(url)
        try:
            assert wait_for(lambda: ws.of("hello"))
        finally:
            ws.close()
