"""End-to-end tests of the quotaguard CLI: real files in temp dirs, the real binary."""
import atexit
import json
import os
import pty
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "support"))  # checks shared with the fuzz targets


def pytest_addoption(parser):
    parser.addoption("--quotaguard", default=str(REPO / "build" / "quotaguard"))


class Runner:
    def __init__(self, binary):
        self.binary = binary
        self._binary_for_nobody = None

    def binary_for_nobody(self):
        """The binary where nobody can run it: a checkout may sit in a directory only root may
        enter (mktemp -d makes it 0700), so unprivileged runs use a copy in an open temp dir."""
        if self._binary_for_nobody is None:
            d = Path(tempfile.mkdtemp(prefix="qg-bin-"))
            atexit.register(shutil.rmtree, d, ignore_errors=True)
            d.chmod(0o755)
            copy = d / "quotaguard"
            copy.write_bytes(Path(self.binary).read_bytes())
            copy.chmod(0o755)
            self._binary_for_nobody = str(copy)
        return self._binary_for_nobody

    @staticmethod
    def environment(env):
        e = dict(os.environ)
        e.pop("NO_COLOR", None)
        e.update(env or {})
        return e

    def __call__(self, *args, cwd=None, env=None, check_exit=None, unprivileged=False, timeout=120):
        """`unprivileged`: as root, run as nobody (65534), whom file permissions do stop.
        `timeout`: a hang guard (seconds), not a speed bound."""
        drop = {"user": 65534, "group": 65534, "extra_groups": []} if unprivileged and os.geteuid() == 0 else {}
        binary = self.binary_for_nobody() if drop else self.binary
        p = subprocess.run([binary, *map(str, args)], cwd=cwd, env=self.environment(env), capture_output=True,
                           text=True, timeout=timeout, **drop)
        if check_exit is not None:
            assert p.returncode == check_exit, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
        return p

    def on_terminal(self, *args, cwd=None, env=None):
        """Runs quotaguard with stdout on a pseudo-terminal (as in a shell); returns what it wrote there."""
        master, slave = pty.openpty()
        p = subprocess.Popen([self.binary, *map(str, args)], cwd=cwd, env=self.environment(env), stdout=slave,
                             stderr=subprocess.DEVNULL)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed its side
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        p.wait(timeout=120)
        return out.decode()

    def json(self, *args, cwd=None, check_exit=None, unprivileged=False, timeout=120):
        p = self("scan", "--format", "json", *args, cwd=cwd, check_exit=check_exit, unprivileged=unprivileged,
                 timeout=timeout)
        return json.loads(p.stdout), p


@pytest.fixture(scope="session")
def qg(pytestconfig):
    return Runner(pytestconfig.getoption("--quotaguard"))


@pytest.fixture
def open_tmp_path():
    """A temp dir anyone may enter, for unprivileged runs: not under pytest's, which are root's
    only and which any pytest session starting meanwhile (another ctest test) sets back to 0700."""
    d = Path(tempfile.mkdtemp(prefix="qg-open-"))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def project(tmp_path):
    """Writes files into a temp project: project({"a.py": "..."}) -> root."""

    def make(files, root=None):
        root = Path(root or tmp_path)
        for rel, content in files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                p.write_bytes(content)
            else:
                p.write_text(content)
        return root

    return make
