"""The hooks manifest as the pre-commit framework uses it, from a clean environment: a fresh
PRE_COMMIT_HOME and no quotaguard on PATH, so pre-commit itself installs quotaguard from this
repository (`language: python`: the wheel is built from source)."""
import sys

from conftest import REPO, run, user_env

BYPASS = "from openai import OpenAI\n\nclient = OpenAI()\n"
CLEAN = "import os\n\nprint(os.getcwd())\n"


def test_pre_commit_try_repo_installs_and_runs_the_hooks(tmp_path):
    env = dict(user_env(tmp_path), PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    sample = tmp_path / "sample"
    sample.mkdir()
    for name, text in {"a.py": BYPASS, "ok.py": CLEAN, "notes.txt": "OpenAI()\n"}.items():
        (sample / name).write_text(text)
    assert run(["git", "init", "-q", "-b", "main"], env=env, cwd=sample).returncode == 0
    assert run(["git", "add", "."], env=env, cwd=sample).returncode == 0

    def try_repo(hook, *files):
        return run([sys.executable, "-m", "pre_commit", "try-repo", REPO, hook, "--files", *files], env=env, cwd=sample)

    first = try_repo("quotaguard", "a.py", "ok.py")  # installs the hook environment: one wheel build
    assert first.returncode == 1 and "a.py:3:10: QG001" in first.stdout, first.stdout + first.stderr
    assert "ok.py" not in first.stdout.split("QG001")[1]
    assert try_repo("quotaguard", "ok.py").returncode == 0
    p = try_repo("quotaguard", "notes.txt")  # types_or keeps non-source files away
    assert p.returncode == 0 and "no files to check" in p.stdout
    # The fix hook, from the same environment: rewrites the construction, then fails once.
    (sample / "quotaguard.toml").write_text('[factory]\nsync = "factory:get_client"\n')
    (sample / "factory.py").write_text("from openai import OpenAI\n\n\ndef get_client():\n    return OpenAI()\n")
    run(["git", "add", "."], env=env, cwd=sample)
    p = try_repo("quotaguard-fix", "a.py")
    assert p.returncode == 1 and "get_client()" in (sample / "a.py").read_text(), p.stdout + p.stderr
    envs = list((tmp_path / "pre-commit-home").glob("repo*/py_env-*/bin/quotaguard"))
    assert len(envs) == 1, envs  # built once, used by both hooks
    print(f"first try-repo (hook environment built): {first.seconds:.1f} s")
