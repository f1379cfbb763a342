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


def make_certificates(d: Path) -> None:
    """A throwaway CA, a server certificate for 127.0.0.1 and a client certificate it signed
    (openssl CLI): ca.pem, server.pem/server.key, client.pem/client.key in d."""
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=quotaguard test CA",
            "-keyout", "ca.key", "-out", "ca.pem")
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for who in ("server", "client"):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={who}", "-keyout", f"{who}.key", "-out", f"{who}.csr")
        openssl("x509", "-req", "-in", f"{who}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                "-extfile", "san.ext", "-out", f"{who}.pem")


class RedisServer:
    """redis-server on a loopback port, appending every write to its AOF (fsync always), so that a
    SIGKILL loses nothing it acknowledged and a restart on the same directory has it all. With
    tls, it listens only for TLS (redis' own, with a throwaway CA; clients must show a certificate
    when tls == "mutual"), and `url` is the rediss:// URL that trusts that CA."""

    def __init__(self, tmp: Path, tls: str | None = None):
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.access(exe, os.X_OK):
            pytest.fail("redis-server is not installed (scripts/setup installs it)")
        self.exe, self.dir, self.port, self.tls = exe, tmp / "redis", _free_port(), tls
        self.dir.mkdir()
        if tls:
            self.certs = tmp / "certs"
            self.certs.mkdir()
            make_certificates(self.certs)
            options = f"ssl_ca_certs={self.certs / 'ca.pem'}"
            if tls == "mutual":
                options += f"&ssl_certfile={self.certs / 'client.pem'}&ssl_keyfile={self.certs / 'client.key'}"
            self.url = f"rediss://:{PASSWORD}@127.0.0.1:{self.port}/0?{options}"
        else:
            self.url = f"redis://:{PASSWORD}@127.0.0.1:{self.port}/0"
        self.proc = None
        self.start()

    def _listen(self) -> list[str]:
        if not self.tls:
            return ["--port", str(self.port)]
        c = self.certs
        return ["--port", "0", "--tls-port", str(self.port), "--tls-cert-file", str(c / "server.pem"),
                "--tls-key-file", str(c / "server.key"), "--tls-ca-cert-file", str(c / "ca.pem"),
                "--tls-auth-clients", "yes" if self.tls == "mutual" else "no"]

    def start(self) -> None:
        self.proc = subprocess.Popen([self.exe, *self._listen(), "--bind", "127.0.0.1", "--dir", str(self.dir),
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
        tls = []
        if self.tls:
            tls = ["--tls", "--cacert", str(self.certs / "ca.pem"), "--cert", str(self.certs / "client.pem"),
                   "--key", str(self.certs / "client.key")]
        r = subprocess.run(["redis-cli", "-p", str(self.port), *tls, "-a", PASSWORD, "--no-auth-warning", *args],
                           capture_output=True, text=True, timeout=10)
        return r.stdout.strip()


@pytest.fixture(params=["plain", "tls"])
def redis(request, tmp_path):
    """Each fleet test twice: over plain TCP, and over TLS with client certificates (redis-server's
    own TLS; the tracker's hiredis 0.14 has none, so the tracker carries it: src/tracker/redis_tls.h)."""
    r = RedisServer(tmp_path, tls="mutual" if request.param == "tls" else None)
    yield r
    r.kill()
