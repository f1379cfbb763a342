"""uvicorn serving tests/python/fastapi_app.py with several worker processes, as the assessed
codebase ran, sharing one quotaguard config and history db; stopped as a deployment stops it
(SIGTERM to the manager: each worker shuts down and flushes)."""
from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
SUMS = ("requests", "input_tokens", "output_tokens", "cached_tokens")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class UvicornApp:
    def __init__(self, tmp: Path, fake_base_url: str, workers: int = 3, config: str = ""):
        self.db = tmp / "history.db"
        self.config = tmp / "quotaguard.toml"
        self.config.write_text(f'[tracker]\ndb = "{self.db}"\nledger = true\nflush_interval_ms = 200\n{config}')
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, QUOTAGUARD_CONFIG=str(self.config), QG_FAKE_BASE_URL=fake_base_url,
                   PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH", "")])))
        self.log = open(tmp / "uvicorn.log", "w+")
        self.proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "fastapi_app:app", "--host", "127.0.0.1",
                                      "--port", str(self.port), "--workers", str(workers), "--log-level", "warning"],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.workers = workers
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60):
        """Until every worker answers (each has its own pid), or the manager dies."""
        deadline = time.monotonic() + timeout
        seen: set[int] = set()
        with httpx.Client(timeout=2) as c:
            while len(seen) < self.workers:
                assert self.proc.poll() is None, self.output()
                assert time.monotonic() < deadline, f"workers answering: {seen}\n{self.output()}"
                try:
                    seen.add(c.get(self.url + "/health", headers={"connection": "close"}).json()["pid"])
                except httpx.TransportError:
                    time.sleep(0.1)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, as systemd or Kubernetes does: uvicorn stops its workers gracefully."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def history(self) -> dict:
        """The shared history: totals over every worker's rows, and the ledger's row count."""
        with sqlite3.connect(self.db) as db:
            row = db.execute(f"SELECT {', '.join(f'COALESCE(SUM({c}), 0)' for c in SUMS)} FROM usage_minute").fetchone()
            totals = dict(zip(SUMS, row))
            totals["ledger_rows"] = db.execute("SELECT COUNT(*) FROM ledger").fetchone()[0]
            totals["by_workspace"] = dict(db.execute("SELECT workspace, SUM(requests) FROM usage_minute GROUP BY workspace"))
        return totals
