"""End-to-end tests of the quotaguard CLI: real files in temp dirs, the real binary."""
import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def pytest_addoption(parser):
    parser.addoption("--quotaguard", default=str(REPO / "build" / "quotaguard"))


class Runner:
    def __init__(self, binary):
        self.binary = binary

    def __call__(self, *args, cwd=None, env=None, check_exit=None):
        e = dict(os.environ)
        e.pop("NO_COLOR", None)
        if env:
            e.update(env)
        p = subprocess.run([self.binary, *map(str, args)], cwd=cwd, env=e, capture_output=True, text=True, timeout=120)
        if check_exit is not None:
            assert p.returncode == check_exit, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
        return p

    def json(self, *args, cwd=None, check_exit=None):
        p = self("scan", "--format", "json", *args, cwd=cwd, check_exit=check_exit)
        return json.loads(p.stdout), p


@pytest.fixture(scope="session")
def qg(pytestconfig):
    return Runner(pytestconfig.getoption("--quotaguard"))


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
