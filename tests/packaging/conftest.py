"""Packaging tests: the wheel built and installed as a user does it (pip, pre-commit)."""
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "cli"))

from gitrepo import git_env  # noqa: E402


def user_env(home: Path) -> dict:
    """A clean user environment: own HOME and git config, no quotaguard on PATH, but this
    machine's ccache and npm caches (where a developer's or CI's earlier builds are)."""
    env = git_env(home)
    for var, ask in (("CCACHE_DIR", ["ccache", "-k", "cache_dir"]), ("npm_config_cache", ["npm", "config", "get", "cache"])):
        if var not in env and shutil.which(ask[0]):
            env[var] = subprocess.run(ask, capture_output=True, text=True, env=os.environ).stdout.strip()
    path = [d for d in env["PATH"].split(os.pathsep) if d and not (Path(d) / "quotaguard").exists()]
    env["PATH"] = os.pathsep.join(path)
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    assert shutil.which("quotaguard", path=env["PATH"]) is None
    return env


@pytest.fixture(scope="session")
def source(tmp_path_factory):
    """The repository's files as a checkout has them (tracked and new files, nothing ignored:
    no build/, no node_modules), in a directory of their own."""
    dst = tmp_path_factory.mktemp("checkout") / "quotaguard"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True,
                           check=True).stdout.split(b"\0")
    for rel in filter(None, files):
        src = REPO / os.fsdecode(rel)
        if src.is_file():
            (dst / os.fsdecode(rel)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / os.fsdecode(rel))
    return dst


def make_venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True).create(path)
    return path / "bin"


def run(args, *, env, cwd=None, timeout=1200):
    t0 = time.monotonic()
    p = subprocess.run([str(a) for a in args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    p.seconds = time.monotonic() - t0
    print(f"$ {' '.join(map(str, args))}  ({p.seconds:.1f} s, exit {p.returncode})")
    return p
