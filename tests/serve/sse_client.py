"""A Server-Sent Events client on a thread (the wire format by the WHATWG spec: id, event, data,
retry, comments), recording every event it receives, in order."""
import http.client
import json
import threading
import time
import urllib.parse


class SseClient:
    def __init__(self, url: str, last_event_id: str | None = None, query: bool = False):
        u = urllib.parse.urlsplit(url)
        path = u.path + ("?" + u.query if u.query else "")
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None and query:
            path += ("&" if "?" in path else "?") + "last_event_id=" + last_event_id
        elif last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        self.conn.request("GET", path, headers=headers)
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.events: list[dict] = []  # {"id", "event", "data", "received_ns"}
        self.lock = threading.Lock()
        self._stop = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        if self.status == 200:
            self.thread.start()

    def _read(self):
        event, data, eid = None, [], None
        try:
            while not self._stop:
                raw = self.response.fp.readline()
                if not raw:
                    return
                line = raw.decode().rstrip("\n").rstrip("\r")
                if line == "":
                    if data or event:
                        with self.lock:
                            self.events.append({"id": eid, "event": event or "message", "data": json.loads("\n".join(data)),
                                                "received_ns": time.monotonic_ns()})
                    event, data, eid = None, [], None
                elif line.startswith(":"):
                    continue
                else:
                    field, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if field == "event":
                        event = value
                    elif field == "data":
                        data.append(value)
                    elif field == "id":
                        eid = value
        except (OSError, ValueError):
            return

    def of(self, kind: str) -> list[dict]:
        with self.lock:
            return [e for e in self.events if e["event"] == kind]

    def snapshot(self) -> list[dict]:
        with self.lock:
            return list(self.events)

    def close(self):
        self._stop = True
        try:
            self.conn.sock and self.conn.sock.shutdown(2)
        except OSError:
            pass
        self.conn.close()
        self.thread.join(timeout=10) if self.thread.is_alive() else None
