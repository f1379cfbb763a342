"""Fixtures of the `quotaguard serve` tests: the loopback fake API, tracked traffic through the
real openai SDK (quotaguard's factory) in worker processes, and the real `quotaguard serve` binary
started on a free loopback port against the history that traffic wrote."""
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))  # the fake API (tests/python/fake_openai)

from fake_openai import FakeOpenAI  # noqa: E402


def _python_tests_conftest():
    """tests/python/conftest.py under another name (this file is a `conftest` too)."""
    spec = importlib.util.spec_from_file_location("qg_python_tests_conftest", os.path.join(os.path.dirname(HERE), "python", "conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


quotaguard_cli = _python_tests_conftest().quotaguard_cli  # the binary ctest names in QG_QUOTAGUARD


@pytest.fixture
def fake():
    s = FakeOpenAI()
    yield s
    s.close()


class Workers:
    """Worker processes sending chat completions through quotaguard.openai_client (the real SDK)."""

    def __init__(self, db, base_url, tmp_path):
        self.db, self.base_url, self.tmp_path, self.procs = db, base_url, tmp_path, []

    def start(self, *, workspace="acme", model="gpt-4o", calls=5, flush_ms=50, config=None, until_killed=False):
        cmd = [sys.executable, os.path.join(HERE, "worker.py"), "--db", str(self.db), "--base-url", self.base_url,
               "--workspace", workspace, "--model", model, "--calls", str(-1 if until_killed else calls),
               "--flush-ms", str(flush_ms)]
        if config:
            cmd += ["--config", str(config)]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        return p

    def run(self, **kw):
        """One worker to completion; returns its summary (what it sent and what came back)."""
        p = self.start(**kw)
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        return json.loads(out.strip().splitlines()[-1])

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()


@pytest.fixture
def workers(tmp_path, fake):
    w = Workers(tmp_path / "history.db", fake.base_url, tmp_path)
    yield w
    w.stop_all()


class Serve:
    """A running `quotaguard serve`."""

    def __init__(self, cli, args, env=None):
        self.proc = subprocess.Popen([cli, "serve", "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        line = self.proc.stderr.readline()
        if "listening on " not in line:
            self.proc.kill()
            raise AssertionError("serve did not start: " + line + self.proc.stderr.read())
        self.url = line.split("listening on ")[1].split()[0].rstrip("/")
        assert self.url.startswith("http://127.0.0.1:"), self.url
        self.ws_url = line.split("WebSocket ")[1].split()[0].removesuffix("/api/v1/ws")  # ws://host:port

    def get(self, path, headers=None):
        """(status, headers, body bytes) of a GET; errors are answers too."""
        req = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def json(self, path, status=200):
        code, headers, body = self.get(path)
        assert code == status, (path, code, body[:500])
        assert headers["Content-Type"].startswith("application/json"), headers
        return json.loads(body)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("serve did not stop on SIGTERM")
        err = self.proc.stderr.read()
        assert self.proc.returncode == 0, err
        assert "ERROR: AddressSanitizer" not in err and "runtime error:" not in err, err


@pytest.fixture
def serve(quotaguard_cli):
    started = []

    def start(*args, env=None):
        s = Serve(quotaguard_cli, [str(a) for a in args], env=env)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def wait_for(predicate, timeout=20.0, interval=0.02):
    """Polls until predicate() is truthy (returns it); fails after timeout (a bound, not a measurement)."""
    end = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"not true within {timeout} s: {predicate}")
        time.sleep(interval)
