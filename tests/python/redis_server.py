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


def _free_port(bus: bool = False) -> int:
    """A free loopback port; bus: one whose cluster bus port (+10000) is free too."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not bus:
            return port
        if port + 10000 <= 65535:
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port + 10000))
                    return port
                except OSError:
                    pass


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

    def __init__(self, tmp: Path, tls: str | None = None, replicaof: "RedisServer | None" = None, cluster: bool = False):
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.access(exe, os.X_OK):
            pytest.fail("redis-server is not installed (scripts/setup installs it)")
        self.exe, self.dir, self.tls, self.cluster = exe, tmp / "redis", tls, cluster
        self.port = _free_port(bus=cluster)
        self.replicaof = replicaof.port if replicaof else None
        self.dir.mkdir(parents=True)
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
                                      "--requirepass", PASSWORD, "--masterauth", PASSWORD, "--daemonize", "no",
                                      *(["--replicaof", "127.0.0.1", str(self.replicaof)] if self.replicaof else []),
                                     *(CLUSTER_OPTIONS if self.cluster else [])],
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


SENTINEL_PASSWORD = "s3cret-sentinel"
MASTER_NAME = "mymaster"


class Sentinel:
    """`redis-server sentinel.conf --sentinel` on a loopback port (with its own password), watching
    `master` as MASTER_NAME and quick to act (down after 500 ms, failover timeout 2 s). Returns once
    it knows the master's replicas, linked and ready to be promoted."""

    def __init__(self, tmp: Path, master: RedisServer, replicas: int = 1):
        self.port, self.dir = _free_port(), tmp / "sentinel"
        self.dir.mkdir(parents=True)
        conf = self.dir / "sentinel.conf"  # sentinel rewrites it: its own file
        conf.write_text(f"port {self.port}\nbind 127.0.0.1\ndir {self.dir}\nrequirepass {SENTINEL_PASSWORD}\n"
                        f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master.port} 1\n"
                        f"sentinel auth-pass {MASTER_NAME} {PASSWORD}\n"
                        f"sentinel down-after-milliseconds {MASTER_NAME} 500\n"
                        f"sentinel failover-timeout {MASTER_NAME} 2000\n")
        self.proc = subprocess.Popen([master.exe, str(conf), "--sentinel"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            linked = self.cli("SENTINEL", "replicas", MASTER_NAME).count("master-link-status\nok")
            if linked >= replicas:
                return
            time.sleep(0.05)
        pytest.fail("the sentinel did not find the master's replicas")

    def cli(self, *args: str) -> str:
        r = subprocess.run(["redis-cli", "-p", str(self.port), "-a", SENTINEL_PASSWORD, "--no-auth-warning", *args],
                           capture_output=True, text=True, timeout=10)
        return r.stdout.strip()

    def master_port(self) -> int:
        """The master's port as the sentinel names it now."""
        return int(self.cli("SENTINEL", "get-master-addr-by-name", MASTER_NAME).split()[1])

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


class SentinelFleet:
    """A master, its replica and a sentinel watching them; `url` asks a closed port first (a
    sentinel that is down), then the sentinel."""

    def __init__(self, tmp: Path):
        self.servers = [RedisServer(tmp / "master")]
        self.servers.append(RedisServer(tmp / "replica", replicaof=self.servers[0]))
        self.sentinel = Sentinel(tmp, self.servers[0])
        self.url = (f"redis+sentinel://:{PASSWORD}@127.0.0.1:{_free_port()},127.0.0.1:{self.sentinel.port}/{MASTER_NAME}/0"
                    f"?sentinel_password={SENTINEL_PASSWORD}")

    def master(self) -> RedisServer:
        """The server the sentinel names master now."""
        port = self.sentinel.master_port()
        return next(s for s in self.servers if s.port == port)

    def stop(self) -> None:
        self.sentinel.kill()
        for s in self.servers:
            s.kill()


@pytest.fixture
def sentinel_fleet(tmp_path):
    f = SentinelFleet(tmp_path)
    yield f
    f.stop()


@pytest.fixture(params=["plain", "tls"])
def redis(request, tmp_path):
    """Each fleet test twice: over plain TCP, and over TLS with client certificates (redis-server's
    own TLS; the tracker's hiredis 0.14 has none, so the tracker carries it: src/tracker/redis_tls.h)."""
    r = RedisServer(tmp_path, tls="mutual" if request.param == "tls" else None)
    yield r
    r.kill()


# Quick to fail over (a node unreachable for 1 s is failing), and a replica may always take over.
CLUSTER_OPTIONS = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000",
                   "--cluster-replica-validity-factor", "0"]


class RedisCluster:
    """A Redis Cluster on loopback: 3 masters and a replica each (redis-cli --cluster create), with
    the fleet's password; `url` names a closed port first (a node that is down), then two nodes."""

    def __init__(self, tmp: Path):
        self.servers = [RedisServer(tmp / f"node{i}", cluster=True) for i in range(6)]
        r = subprocess.run(["redis-cli", "-a", PASSWORD, "--no-auth-warning", "--cluster", "create",
                            *(f"127.0.0.1:{s.port}" for s in self.servers), "--cluster-replicas", "1", "--cluster-yes"],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            pytest.fail(f"redis-cli --cluster create failed: {r.stdout}{r.stderr}")
        deadline = time.monotonic() + 30
        while not all("cluster_state:ok" in s.cli("CLUSTER", "INFO") for s in self.servers) or \
                sum("master_link_status:up" in s.cli("INFO", "replication") for s in self.servers) < 3:
            if time.monotonic() > deadline:
                pytest.fail("the cluster did not settle")
            time.sleep(0.05)
        self.url = (f"redis+cluster://:{PASSWORD}@127.0.0.1:{_free_port()},127.0.0.1:{self.servers[0].port},"
                    f"127.0.0.1:{self.servers[1].port}")

    def nodes(self) -> list[list[str]]:
        """CLUSTER NODES as a live node sees it: one list of fields per node."""
        for s in self.servers:
            if s.proc.poll() is None:
                text = s.cli("CLUSTER", "NODES")
                if text:
                    return [line.split() for line in text.splitlines()]
        return []

    def master(self, key: str = "{qgtest}") -> RedisServer:
        """The master serving the key's slot now, as a live node says (waiting while the slot has
        none: its master failing and no replica promoted yet)."""
        slot = int(next(s for s in self.servers if s.proc.poll() is None).cli("CLUSTER", "KEYSLOT", key))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for f in self.nodes():
                if "master" not in f[2] or "fail" in f[2]:
                    continue
                for r in f[8:]:
                    lo, _, hi = r.partition("-")
                    if not r.startswith("[") and int(lo) <= slot <= int(hi or lo):
                        port = int(f[1].split("@")[0].rsplit(":", 1)[1])
                        return next(s for s in self.servers if s.port == port)
            time.sleep(0.05)
        pytest.fail(f"no master serves slot {slot}")

    def replica_of(self, master: RedisServer) -> RedisServer:
        fields = self.nodes()
        mid = next(f[0] for f in fields if f[1].split("@")[0].endswith(f":{master.port}"))
        port = next(int(f[1].split("@")[0].rsplit(":", 1)[1]) for f in fields if "slave" in f[2] and f[3] == mid)
        return next(s for s in self.servers if s.port == port)

    def stop(self) -> None:
        for s in self.servers:
            s.kill()


@pytest.fixture
def redis_cluster(tmp_path):
    c = RedisCluster(tmp_path / "cluster")
    yield c
    c.stop()
