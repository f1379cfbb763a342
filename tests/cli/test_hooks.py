"""The pre-commit hook end to end: real repositories, real `git commit`, the installed hook."""
import os
import stat

import pytest
import yaml

from conftest import REPO
from gitrepo import GitRepo

BYPASS = "from openai import OpenAI\n\nclient = OpenAI()\n"
CLEAN = "import os\n\nprint(os.getcwd())\n"


@pytest.fixture
def repo(tmp_path, qg):
    r = GitRepo(tmp_path / "repo", qg.binary)
    r.write("README.md", "demo\n")
    r.write("app/__init__.py", "")
    r.git("add", ".")
    assert r.commit("init").returncode == 0
    p = r.qg("hook", "install")
    assert p.returncode == 0, p.stderr
    return r


def hook_file(r):
    return r.root / ".git" / "hooks" / "pre-commit"


def test_staged_bypass_is_refused(repo):
    before = repo.head()
    repo.write("app/ai.py", BYPASS)
    repo.git("add", "app/ai.py")
    p = repo.commit("add a bypass")
    assert p.returncode != 0
    assert repo.head() == before
    out = p.stdout + p.stderr
    assert "app/ai.py:3:10: QG001" in out
    # The two ways forward.
    assert "quotaguard fix app/ai.py" in out
    assert "# quotaguard: ignore[QG001]" in out
    assert "commit refused" in out


def test_bypass_only_in_the_working_tree_does_not_block(repo):
    repo.write("app/ai.py", CLEAN)
    repo.git("add", "app/ai.py")
    repo.write("app/ai.py", BYPASS)  # dirty, unstaged
    p = repo.commit("clean staged version")
    assert p.returncode == 0, p.stdout + p.stderr
    assert repo.git("show", "HEAD:app/ai.py").stdout == CLEAN


def test_staged_bypass_fixed_only_in_the_working_tree_is_still_caught(repo):
    repo.write("app/ai.py", BYPASS)
    repo.git("add", "app/ai.py")
    repo.write("app/ai.py", CLEAN)  # "fixed", but not staged
    p = repo.commit("sneaky")
    assert p.returncode != 0
    assert "QG001" in p.stdout + p.stderr


def test_clean_commit_passes_quietly(repo):
    repo.write("app/util.py", CLEAN)
    repo.git("add", "app/util.py")
    p = repo.commit("clean")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "QG0" not in p.stdout + p.stderr


def test_commit_all_and_partial_commits_check_what_is_committed(repo):
    repo.write("app/ai.py", CLEAN)
    repo.git("add", "app/ai.py")
    assert repo.commit("clean").returncode == 0
    repo.write("app/ai.py", BYPASS)
    # `commit -a` and `commit PATH` run the hook on a temporary index (GIT_INDEX_FILE).
    assert repo.commit("all", "-a").returncode != 0
    assert repo.commit("partial", "app/ai.py").returncode != 0
    assert repo.git("show", "HEAD:app/ai.py").stdout == CLEAN


def test_suppressed_bypass_commits(repo):
    repo.write("app/ai.py", BYPASS.replace("OpenAI()\n", "OpenAI()  # quotaguard: ignore[QG001] test double\n"))
    repo.git("add", "app/ai.py")
    assert repo.commit("deliberate").returncode == 0


def test_first_commit_on_an_unborn_branch(tmp_path, qg):
    r = GitRepo(tmp_path / "fresh", qg.binary)
    assert r.qg("hook", "install").returncode == 0
    r.write("ai.py", BYPASS)
    r.git("add", "ai.py")
    assert r.commit("first").returncode != 0
    assert r.head() is None


def test_install_twice_is_idempotent(repo):
    first = hook_file(repo).read_bytes()
    p = repo.qg("hook", "install")
    assert p.returncode == 0 and "already installed" in p.stdout
    assert hook_file(repo).read_bytes() == first
    assert hook_file(repo).stat().st_mode & stat.S_IXUSR
    # Still exactly one working hook: a bypass is refused once, not twice or never.
    repo.write("app/ai.py", BYPASS)
    repo.git("add", "app/ai.py")
    p = repo.commit("bypass")
    assert p.returncode != 0 and (p.stdout + p.stderr).count("commit refused") == 1


def test_hook_runs_the_installing_binary_by_absolute_path(repo, qg):
    text = hook_file(repo).read_text()
    assert text.startswith("#!/bin/sh\n# quotaguard-managed pre-commit hook")
    assert f"qg='{os.path.realpath(qg.binary)}'" in text
    assert "scan --staged" in text


def test_foreign_hook_is_not_clobbered_and_uninstall_removes_only_ours(tmp_path, qg):
    r = GitRepo(tmp_path / "r", qg.binary)
    foreign = "#!/bin/sh\necho foreign hook\n"
    hook = r.root / ".git" / "hooks" / "pre-commit"
    hook.write_text(foreign)
    p = r.qg("hook", "install")
    assert p.returncode == 1 and "--force" in p.stderr
    assert hook.read_text() == foreign
    p = r.qg("hook", "uninstall")
    assert p.returncode == 1 and hook.read_text() == foreign
    # --force keeps the foreign hook aside, and uninstall puts it back.
    assert r.qg("hook", "install", "--force").returncode == 0
    assert "quotaguard-managed" in hook.read_text()
    assert (hook.parent / "pre-commit.pre-quotaguard").read_text() == foreign
    assert r.qg("hook", "uninstall").returncode == 0
    assert hook.read_text() == foreign
    # Nothing installed: nothing to do.
    hook.unlink()
    p = r.qg("hook", "uninstall")
    assert p.returncode == 0 and not hook.exists()


def test_core_hooks_path_is_honoured(tmp_path, qg):
    r = GitRepo(tmp_path / "r", qg.binary)
    r.git("config", "core.hooksPath", ".githooks")
    sub = r.root / "app"
    sub.mkdir()
    p = r.qg("hook", "install", cwd=sub)  # from a subdirectory, too
    assert p.returncode == 0, p.stderr
    assert (r.root / ".githooks" / "pre-commit").exists()
    assert not (r.root / ".git" / "hooks" / "pre-commit").exists()
    r.write("ai.py", BYPASS)
    r.git("add", "ai.py")
    assert r.commit("bypass").returncode != 0
    assert r.qg("hook", "uninstall").returncode == 0
    assert not (r.root / ".githooks" / "pre-commit").exists()


def test_outside_a_repository_is_a_usage_error(tmp_path, qg):
    p = qg("hook", "install", cwd=tmp_path)
    assert p.returncode == 2 and "not a git repository" in p.stderr
    p = qg("scan", "--staged", cwd=tmp_path)
    assert p.returncode == 2 and "not a git repository" in p.stderr


def test_pre_commit_framework_manifest():
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"quotaguard", "quotaguard-fix"}
    for h in hooks.values():
        assert {"id", "name", "entry", "language"} <= set(h)
        assert set(h["types_or"]) == {"python", "pyi", "c", "c++"}
        assert h["require_serial"] is True
        assert h["language"] == "python"  # pre-commit installs quotaguard (tests/packaging)
    assert hooks["quotaguard"]["entry"].startswith("quotaguard scan")
    assert hooks["quotaguard-fix"]["entry"].startswith("quotaguard fix")


def test_ci_examples_are_documented_verbatim_and_parse():
    doc = (REPO / "docs" / "ci.md").read_text()
    for name in ("github-workflow.yml", "gitlab-ci.yml"):
        text = (REPO / "docs" / "examples" / name).read_text()
        assert text.rstrip() in doc, f"docs/ci.md does not embed docs/examples/{name}"
        yaml.safe_load(text)
    workflow = yaml.safe_load((REPO / "docs" / "examples" / "github-workflow.yml").read_text())
    steps = workflow["jobs"]["quotaguard"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    runs = " ".join(s.get("run", "") for s in steps)
    assert any(u.startswith("github/codeql-action/upload-sarif") for u in uses)
    assert "--format sarif" in runs and "--min-coverage" in runs and "GITHUB_STEP_SUMMARY" in runs
