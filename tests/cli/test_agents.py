"""QG009 as users meet it: Agents SDK runs in the coverage report (an `agents` family), the
explanation, the --staged view of a project-wide default, and the unsafe fix's summary."""
import json
import shutil

from conftest import REPO
from gitrepo import GitRepo

RUNS = REPO / "fixtures" / "python" / "agents_runs"


def _row(rows, key, field):
    return next(r for r in rows if r[field] == key)


def test_runs_are_call_sites_of_an_agents_family(qg):
    report, _ = qg.json(RUNS, "--exit-zero")
    family = _row(report["coverage"]["by_family"], "agents", "family")["call_sites"]
    runs = [f for f in report["findings"] if f["rule"] == "QG009"]
    unresolved = [f for f in report["findings"] if f["rule"] == "QG007"]
    # Every QG009 is an untracked run, every QG007 here an unresolved one; tracked runs have no finding.
    assert family["untracked"] == len(runs) == 26
    assert family["unresolved"] == len(unresolved) == 1
    assert family["tracked"] == 9
    apis = {r["api"] for r in report["coverage"]["by_api"]}
    assert {"agents.run", "agents.run_sync", "agents.run_streamed"} <= apis
    assert {f["api"] for f in runs} <= {"agents.run", "agents.run_sync", "agents.run_streamed"}


def test_tracked_default_makes_every_run_a_tracked_site(qg):
    report, p = qg.json(REPO / "fixtures" / "python" / "agents_installed", check_exit=0)
    assert report["findings"] == []
    assert _row(report["coverage"]["by_family"], "agents", "family")["call_sites"]["tracked"] == 1


def test_explain(qg):
    p = qg("explain", "QG009", check_exit=0)
    assert "agents-default-client" in p.stdout
    assert "set_default_openai_client" in p.stdout and "--unsafe-fixes" in p.stdout


def test_staged_run_does_not_take_an_unseen_default_for_unset(qg, tmp_path):
    """--staged reads the staged files only: the default set in an unstaged module is unseen, so
    a staged run on the default is unresolved (QG007, never failing a commit), not QG009."""
    r = GitRepo(tmp_path / "r", qg.binary)
    shutil.copytree(REPO / "fixtures" / "python" / "agents_tracked_default", r.root, dirs_exist_ok=True)
    r.git("add", ".")
    r.git("commit", "-q", "-m", "base")
    director = r.root / "app" / "agents" / "director.py"
    director.write_text(director.read_text() + "\n\nasync def again(q):\n    return await Runner.run(director, q)\n")
    r.git("add", "app/agents/director.py")
    p = r.qg("scan", "--staged", "--format", "json")
    found = sorted((f["line"], f["rule"]) for f in json.loads(p.stdout)["findings"])
    # Lines 9-11, 19 and 23 run on the default; line 14's provider builds its own client (QG009 still).
    assert found == [(9, "QG007"), (10, "QG007"), (11, "QG007"), (14, "QG009"), (19, "QG007"), (23, "QG007")]
    assert r.qg("scan", "--format", "json").returncode == 1  # the whole tree: the default is seen
    whole = json.loads(r.qg("scan", "--format", "json").stdout)["findings"]
    assert [(f["line"], f["rule"]) for f in whole] == [(14, "QG009")]


def test_safe_fix_leaves_runs_and_says_why(qg, tmp_path):
    root = tmp_path / "svc"
    shutil.copytree(REPO / "fixtures" / "fix" / "agents_service", root)
    p = qg("fix", cwd=root)
    assert "changes process-wide state" in p.stderr
    assert "2 unsafe (use --unsafe-fixes)" in p.stderr
    assert "set_default_openai_client" not in (root / "app" / "main.py").read_text()


def test_staged_scan_sees_install_in_a_file_it_was_not_given(qg, tmp_path):
    """pre-commit passes the changed files only; the one quotaguard.install() that tracks every
    library-built client is where the application starts (main.py, unchanged). A staged change to
    the module building LangChain and LiteLLM clients and running an agent is then tracked, not
    QG010/QG009; with the install() gone from main.py the same staged scan reports them."""
    r = GitRepo(tmp_path / "r", qg.binary)
    shutil.copytree(REPO / "fixtures" / "python" / "library_clients_installed", r.root, dirs_exist_ok=True)
    r.git("add", ".")
    r.git("commit", "-q", "-m", "base")
    llm = r.root / "app" / "llm.py"
    llm.write_text(llm.read_text() + "\n\nsummariser = ChatOpenAI(model=\"gpt-4o\")\n")
    r.git("add", "app/llm.py")
    staged = json.loads(r.qg("scan", "--staged", "--format", "json").stdout)
    assert staged["files"]["scanned"] == 1, staged["files"]
    assert staged["findings"] == []
    main = r.root / "main.py"
    main.write_text(main.read_text().replace("    quotaguard.install()\n", ""))
    r.git("add", "main.py")
    r.git("commit", "-q", "-m", "no install")
    llm.write_text(llm.read_text() + "\nreviewer = ChatOpenAI(model=\"gpt-4o\")\n")
    r.git("add", "app/llm.py")
    p = r.qg("scan", "--staged", "--format", "json")
    found = sorted({f["rule"] for f in json.loads(p.stdout)["findings"]})
    assert "QG010" in found and p.returncode == 1, p.stdout
