"""A loopback webhook receiver for the alert tests: it keeps every POST (headers and body) and
answers each with the next status of `statuses` (then the last one again), after `delay`;
`hold`: each POST waits, unanswered, until the test sets that event."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, delay=0.0, status=200, hold=None, statuses=None):
        self.got = []        # (content-type, body) of the POSTs answered 2xx, in order
        self.posts = []      # (headers, raw body, status answered) of every POST
        self.event = threading.Event()
        self.arrived = threading.Event()  # a POST reached the receiver (answered or not)
        self._statuses = list(statuses or [status])
        self._lock = threading.Lock()
        rec = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers["content-length"]))
                rec.arrived.set()
                if hold is not None:
                    hold.wait(120)
                time.sleep(delay)
                with rec._lock:
                    code = rec._statuses.pop(0) if len(rec._statuses) > 1 else rec._statuses[0]
                    rec.posts.append((dict(self.headers), raw, code))
                    if 200 <= code < 300:
                        rec.got.append((self.headers.get("content-type"), json.loads(raw)))
                rec.event.set()
                self.send_response(code)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/quota"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait_for(self, predicate, seconds=20.0) -> bool:
        """Until predicate(self.got) holds (a generous bound: only a failure waits it out)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self._lock:
                if predicate(list(self.got)):
                    return True
            self.event.wait(0.05)
            self.event.clear()
        return False

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
