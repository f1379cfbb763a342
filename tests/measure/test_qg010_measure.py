"""bench/qg010 (how QG010 is measured on public codebases) keeps working: its scripts run on the
synthetic tree bench/qg010/testdata against this build's quotaguard, read the repository's own
rules/python/library-clients/, report a miss when the scanner stops reporting, and fetch.sh
takes only the .py files of a commit. Run by ctest qg010_measure."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench" / "qg010"
sys.path.insert(0, str(BENCH))
import candidates  # noqa: E402


def compare(quotaguard, root, *extra):
    run = subprocess.run([sys.executable, str(BENCH / "compare.py"), "--quotaguard", quotaguard, "--json", *extra, str(root)],
                         capture_output=True, text=True, check=True)
    return {row["codebase"]: row for row in map(json.loads, run.stdout.splitlines())}


def test_the_rules_read_are_the_repositorys():
    assert candidates.RULES == REPO / "rules" / "python" / "library-clients"


def test_the_synthetic_tree_measures_as_read_by_hand(quotaguard):
    rows = compare(quotaguard, BENCH / "testdata")
    shop = rows["shop"]
    assert {k: shop[k] for k in ("py", "candidates", "qg010", "hit", "gated", "handed", "unlisted", "unparsed")} == \
        {"py": 3, "candidates": 4, "qg010": 4, "hit": 4, "gated": 1, "handed": 1, "unlisted": 1, "unparsed": 0}
    assert shop["miss"] == [] and shop["fp"] == []
    # A default model, a team's members, a model by argument 0 or its own keyword.
    team = rows["team"]
    assert {k: team[k] for k in ("candidates", "qg010", "hit", "gated", "handed", "unlisted")} == \
        {"candidates": 2, "qg010": 2, "hit": 2, "gated": 3, "handed": 0, "unlisted": 0}
    assert team["miss"] == [] and team["fp"] == []
    # The scanner reads on where CPython cannot: a disagreement the script reports, not hides.
    notebook = rows["notebook"]
    assert notebook["unparsed"] == 1 and notebook["fp"] == [["cell.py", 5, None, None]]


def test_a_client_the_scanner_stops_reporting_is_a_miss(quotaguard, tmp_path):
    shutil.copytree(BENCH / "testdata" / "shop", tmp_path / "shop")
    # With install() the calls count as tracked: no QG010, so every expected call is a MISS.
    (tmp_path / "shop" / "startup.py").write_text("import quotaguard\n\nquotaguard.install()\n")
    shop = compare(quotaguard, tmp_path)["shop"]
    assert shop["qg010"] == 0 and len(shop["miss"]) == shop["candidates"] == 4


def test_another_table_changes_what_is_expected(quotaguard, tmp_path):
    shutil.copytree(REPO / "rules" / "python" / "library-clients", tmp_path / "rules")
    (tmp_path / "rules" / "litellm.toml").unlink()
    shop = compare(quotaguard, BENCH / "testdata", "--rules", str(tmp_path / "rules"))["shop"]
    assert shop["candidates"] == 3 and shop["gated"] == 0
    assert [fp[:2] for fp in shop["fp"]] == [["app.py", 13]]  # the scanner's own table still has it


def test_fetch_takes_the_python_files_of_the_commit(tmp_path):
    origin = tmp_path / "mirrors" / "someone+app" / "repo"
    work = tmp_path / "work"
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    (work / "pkg").mkdir()
    (work / "pkg" / "app.py").write_text("x = 1\n")
    (work / "README.md").write_text("not Python\n")
    subprocess.run([*git, "-C", str(work), "add", "."], check=True)
    subprocess.run([*git, "-C", str(work), "commit", "-qm", "one"], check=True)
    commit = subprocess.run(["git", "-C", str(work), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    (work / "pkg" / "app.py").write_text("x = 2\n")
    subprocess.run([*git, "-C", str(work), "commit", "-qam", "two"], check=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(origin)], check=True)
    (tmp_path / "list.txt").write_text(f"# a comment\nsomeone/app {commit}\n")
    out = tmp_path / "out"
    subprocess.run(["bash", str(BENCH / "fetch.sh"), str(out), str(tmp_path / "mirrors"), str(tmp_path / "list.txt")],
                   check=True, capture_output=True)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == ["someone+app/pkg/app.py"]
    assert (out / "someone+app" / "pkg" / "app.py").read_text() == "x = 1\n"
