"""A real redis-server for the fleet tests (tests/python/test_fleet_redis.py, tests/serve/test_fleet.py):
on a free loopback port, with a password (so that AUTH is used), killed and restarted at will.

Use the `redis` fixture by importing it into the test module."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

PASSWORD = "s3cret-fleet"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """redis-server on a loopback port, appending every write to its AOF (fsync always), so that a
    SIGKILL loses nothing it acknowledged and a restart on the same directory has it all."""

    def __init__(self, tmp: Path):
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.access(exe, os.X_OK):
            pytest.fail("redis-server is not installed (scripts/setup installs it)")
        self.exe, self.dir, self.port = exe, tmp / "redis", _free_port()
        self.dir.mkdir()
        self.url = f"redis://:{PASSWORD}@127.0.0.1:{self.port}/0"
        self.proc = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen([self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
                                      "--save", "", "--appendonly", "yes", "--appendfsync", "always",
                                      "--requirepass", PASSWORD, "--daemonize", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(500):
            if self.cli("PING") == "PONG":
                return
            time.sleep(0.01)
        pytest.fail("redis-server did not answer")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def cli(self, *args: str) -> str:
        r = subprocess.run(["redis-cli", "-p", str(self.port), "-a", PASSWORD, "--no-auth-warning", *args],
                           capture_output=True, text=True, timeout=10)
        return r.stdout.strip()


@pytest.fixture
def redis(tmp_path):
    r = RedisServer(tmp_path)
    yield r
    r.kill()
