"""The hooks manifest as the pre-commit framework uses it, from a clean environment (a fresh
PRE_COMMIT_HOME, no quotaguard on PATH): pre-commit itself installs quotaguard from this
repository (`language: python`: the wheel is built from source, once per hook environment).

`try-repo` builds a new hook environment on every call (a temporary store), so one call runs
both hooks over a sample repository: one build, then each hook's verdict."""
import re
import sys

from conftest import REPO, run, user_env

BYPASS = "from openai import OpenAI\n\nclient = OpenAI()\n"
CLEAN = "import os\n\nprint(os.getcwd())\n"
FACTORY = "from openai import OpenAI\n\n\ndef get_client():\n    return OpenAI()  # quotaguard: ignore[QG001] the factory\n"


def test_pre_commit_try_repo_installs_and_runs_the_hooks(tmp_path):
    env = dict(user_env(tmp_path), PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    sample = tmp_path / "sample"
    sample.mkdir()
    files = {"a.py": BYPASS, "ok.py": CLEAN, "notes.txt": "OpenAI()\n", "factory.py": FACTORY,
             "quotaguard.toml": '[factory]\nsync = "factory:get_client"\n'}
    for name, text in files.items():
        (sample / name).write_text(text)
    assert run(["git", "init", "-q", "-b", "main"], env=env, cwd=sample).returncode == 0
    assert run(["git", "add", "."], env=env, cwd=sample).returncode == 0

    p = run([sys.executable, "-m", "pre_commit", "try-repo", REPO, "--files", "a.py", "ok.py", "notes.txt"],
            env=env, cwd=sample)
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    # The check hook: the bypass, and nothing else (ok.py is clean, notes.txt is not source).
    assert re.search(r"quotaguard \(OpenAI calls that bypass.*Failed", out), out
    findings = [line for line in p.stdout.splitlines() if re.match(r"^\S+:\d+:\d+: QG\d{3}", line)]
    assert findings and all(f.startswith("a.py:3:10: QG001") for f in findings), out
    # The fix hook, from the same environment: rewrote the construction to the factory.
    assert re.search(r"quotaguard fix .*Failed", out) and "files were modified by this hook" in out, out
    assert (sample / "a.py").read_text() == "from factory import get_client\n\nclient = get_client()\n"
    assert (sample / "ok.py").read_text() == CLEAN and (sample / "notes.txt").read_text() == "OpenAI()\n"
    print(f"try-repo, hook environment built from source: {p.seconds:.1f} s")
