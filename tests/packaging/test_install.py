"""`pip install` of a checkout into a fresh venv, as a user does it: one wheel gives the
`quotaguard` command on PATH and `import quotaguard` with its C++ core; `pip install -e` too."""
import json
import os
import sys

from conftest import REPO, make_venv, run, user_env

SCRIPT = """
import json, sys
import quotaguard, quotaguard._core
print(json.dumps({"file": quotaguard.__file__, "core": quotaguard._core.__file__,
                  "requests": quotaguard.usage()["total"]["requests"], "status": quotaguard.status(),
                  "openai": "openai" in sys.modules}))
"""


def _check_installed(bin_dir, env, expect_under):
    env = dict(env, PATH=f"{bin_dir}{os.pathsep}{env['PATH']}")
    p = run(["quotaguard", "--version"], env=env)
    assert p.returncode == 0 and p.stdout.strip() == "quotaguard 0.1.0", p.stdout + p.stderr
    p = run([bin_dir / "python", "-c", SCRIPT], env=env, cwd=bin_dir.parent)
    assert p.returncode == 0, p.stderr
    info = json.loads(p.stdout)
    assert info["file"].startswith(str(expect_under)), info
    assert info["core"].startswith(str(bin_dir.parent)), info  # the compiled core is installed
    assert (info["requests"], info["status"], info["openai"]) == (0, "normal", False)  # openai is optional
    # QUOTAGUARD_AUTO=1: the wheel's .pth runs quotaguard.install() at interpreter start, which
    # waits for openai to be imported (tests/python/test_install.py drives it with the SDK).
    auto = "import sys; print(['quotaguard' in sys.modules, 'openai' in sys.modules, " \
           "'quotaguard' in sys.modules and sys.modules['quotaguard'].installed()])"
    for value, expect in (("1", "[True, False, True]"), ("0", "[False, False, False]")):
        p = run([bin_dir / "python", "-c", auto], env=dict(env, QUOTAGUARD_AUTO=value), cwd=bin_dir.parent)
        assert p.returncode == 0 and p.stdout.strip() == expect, (value, p.stdout, p.stderr)
    # The CLI from the wheel scans with the rules compiled in (the demo has 9 findings).
    p = run(["quotaguard", "scan", "--format", "json", REPO / "fixtures" / "demo"], env=env)
    assert p.returncode == 1 and len(json.loads(p.stdout)["findings"]) == 9, p.stderr


def test_pip_install_gives_the_cli_and_the_package(source, tmp_path):
    env = user_env(tmp_path)
    bin_dir = make_venv(tmp_path / "venv")
    p = run([bin_dir / "pip", "install", "--disable-pip-version-check", source], env=env)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    site = tmp_path / "venv" / "lib"
    _check_installed(bin_dir, env, site)
    # The wheel holds the package, its core and the CLI, and no test program.
    record = next(site.glob("python*/site-packages/quotaguard-*.dist-info/RECORD")).read_text()
    names = sorted(line.split(",")[0] for line in record.splitlines())
    assert "quotaguard/_realtime.py" in names and any(n.startswith("quotaguard/_core.") for n in names)
    assert "quotaguard-auto.pth" in names  # at site-packages' top, where site.py reads .pth files
    assert any(n.endswith("/bin/quotaguard") for n in names)
    assert not [n for n in names if "test" in n or "bench" in n], names


def test_pip_install_editable(source, tmp_path):
    """For development: the package is read from the checkout, the core and CLI are built."""
    env = user_env(tmp_path)
    bin_dir = make_venv(tmp_path / "venv")
    p = run([bin_dir / "pip", "install", "--disable-pip-version-check", "-e", source], env=env)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    _check_installed(bin_dir, env, source / "python" / "quotaguard")
