"""Gates: --min-coverage, baselines that survive shifted lines, --changed-since, composition."""
import json

from conftest import REPO
from gitrepo import GitRepo

SERVICE = (
    "from openai import OpenAI\n"
    "from quotaguard import openai_client\n"
    "\n"
    "direct = OpenAI()\n"
    "direct.embeddings.create(model='m', input='x')\n"
    "openai_client().chat.completions.create(model='m', messages=[])\n"
)


def test_min_coverage_100_fails_where_coverage_is_low(qg):
    p = qg("scan", "--exit-zero", "--min-coverage", "100", "fixtures/demo", cwd=REPO)
    assert p.returncode == 1
    lines = [l for l in p.stderr.splitlines() if "coverage gate failed" in l]
    assert len(lines) == 1
    # By default the gate measures what the summary shows: the unresolved site apart (13 of 18).
    assert "72.2% is below --min-coverage 100%" in lines[0] and "13 of 18" in lines[0]
    assert "Coverage: call sites 72.2% tracked" in p.stdout


def test_min_coverage_threshold_and_unresolved_policy(qg):
    p = qg("scan", "--exit-zero", "--min-coverage", "70", "fixtures/demo", cwd=REPO)
    assert p.returncode == 0, p.stderr
    assert "coverage gate passed: call-site coverage 72.2% is at or above --min-coverage 70%" in p.stderr
    p = qg("scan", "--exit-zero", "--min-coverage", "72.23", "fixtures/demo", cwd=REPO)
    assert p.returncode == 1 and "72.2% is below --min-coverage 72.23%" in p.stderr
    assert qg("scan", "--exit-zero", "--min-coverage", "70", "--unresolved", "ignore", "fixtures/demo",
              cwd=REPO).returncode == 0
    # Counting the unresolved site as untracked: 13 of 19 = 68.4%, and the summary's figure beside it.
    assert qg("scan", "--exit-zero", "--min-coverage", "68", "--unresolved", "count", "fixtures/demo",
              cwd=REPO).returncode == 0
    p = qg("scan", "--exit-zero", "--min-coverage", "70", "--unresolved", "count", "fixtures/demo", cwd=REPO)
    assert p.returncode == 1
    assert "68.4% is below --min-coverage 70% (13 of 19 call sites tracked" in p.stderr
    assert "the summary's 72.2% counts them apart" in p.stderr


def test_min_coverage_usage_errors(qg, tmp_path):
    # Exit 2 alone would pass with the option gone (an unknown option exits 2 too): the message
    # must name the option and the value it refused.
    for option, bad in [("--min-coverage", "101"), ("--min-coverage", "abc"), ("--unresolved", "maybe")]:
        p = qg("scan", option, bad, tmp_path, check_exit=2)
        assert option in p.stderr and bad in p.stderr and "not expected" not in p.stderr, p.stderr


def test_nothing_to_cover_passes(qg, project):
    root = project({"a.py": "x = 1\n"})
    assert qg("scan", "--min-coverage", "100", root).returncode == 0


def make_baseline(qg, root, out):
    p = qg("baseline", root, "-o", out)
    assert p.returncode == 0, p.stderr
    return json.loads(out.read_text())


def test_baseline_survives_lines_inserted_above(qg, project, tmp_path):
    root = project({"quotaguard.toml": "", "svc/a.py": SERVICE, "svc/b.py": SERVICE})
    base = tmp_path / "baseline.json"
    data = make_baseline(qg, root, base)
    assert len(data["findings"]) == 4  # QG001 + QG004 in each file
    assert all("line" not in e for e in data["findings"])
    assert qg("scan", "--baseline", base, root).returncode == 0
    # Lines inserted above, and the construction reformatted: still the same findings.
    (root / "svc/a.py").write_text("import logging\n\n# a comment\n\n\n" + SERVICE.replace("= OpenAI()", "=  OpenAI(\n)"))
    out, p = qg.json("--baseline", base, root)
    assert p.returncode == 0, p.stdout
    assert out["findings"] == []
    assert "4 findings matched (not reported), 0 new" in p.stderr


def test_one_new_bypass_is_exactly_one_new_finding(qg, project, tmp_path):
    root = project({"svc/a.py": SERVICE})
    base = tmp_path / "baseline.json"
    make_baseline(qg, root, base)
    # The same code again above the old one: occurrence indices make it one new finding, not zero.
    (root / "svc/a.py").write_text(SERVICE.replace("direct = OpenAI()\n", "other = OpenAI()\ndirect = OpenAI()\n"))
    out, p = qg.json("--baseline", base, root)
    assert p.returncode == 1
    assert [f["rule"] for f in out["findings"]] == ["QG001"]


def test_gone_entries_are_listed_and_update_only_drops(qg, project, tmp_path):
    root = project({"quotaguard.toml": "", "svc/a.py": SERVICE, "svc/b.py": SERVICE})
    base = tmp_path / "baseline.json"
    make_baseline(qg, root, base)
    (root / "svc/b.py").write_text("x = 1\n")  # fixed
    (root / "svc/c.py").write_text("from openai import OpenAI\nOpenAI()\n")  # new
    p = qg("scan", "--baseline", base, root)
    assert p.returncode == 1
    assert "2 baseline entries are no longer found" in p.stderr
    assert "svc/b.py QG001 `OpenAI()`" in p.stderr
    # Scanning one folder says nothing about entries of files it did not see.
    p = qg("scan", "--baseline", base, root / "svc" / "a.py")
    assert p.returncode == 0 and "no longer found" not in p.stderr
    p = qg("baseline", "--update", "-o", base, root)
    assert p.returncode == 0, p.stderr
    assert "Dropped 2 entries" in p.stdout and "1 finding not in the baseline was not added" in p.stdout
    assert {e["path"] for e in json.loads(base.read_text())["findings"]} == {"svc/a.py"}
    # The file is stable: the same findings write the same bytes.
    again = tmp_path / "again.json"
    (root / "svc/c.py").unlink()
    make_baseline(qg, root, again)
    assert again.read_bytes() == base.read_bytes()


def test_missing_or_malformed_baseline_is_a_usage_error(qg, project, tmp_path):
    root = project({"a.py": SERVICE})
    p = qg("scan", "--baseline", tmp_path / "nope.json", root)
    assert p.returncode == 2 and "nope.json" in p.stderr
    for text, why in [("{", "invalid JSON"), ('{"version": 9, "findings": []}', "version"),
                      ('{"version": 1, "findings": [{"fingerprint": "xyz"}]}', "16 lowercase hex"),
                      ('[]', "not a quotaguard baseline")]:
        bad = tmp_path / "bad.json"
        bad.write_text(text)
        p = qg("scan", "--baseline", bad, root)
        assert p.returncode == 2 and why in p.stderr, p.stderr
    assert qg("baseline", "--update", "-o", tmp_path / "nope.json", root).returncode == 2


def test_gates_compose(qg, project, tmp_path):
    root = project({"a.py": SERVICE})
    base = tmp_path / "b.json"
    make_baseline(qg, root, base)
    assert qg("scan", "--baseline", base, root).returncode == 0
    p = qg("scan", "--baseline", base, "--min-coverage", "90", root)
    assert p.returncode == 1 and "coverage gate failed" in p.stderr
    assert qg("scan", "--baseline", base, "--min-coverage", "50", root).returncode == 0
    # --exit-zero waives the findings gate, never an explicit coverage gate.
    assert qg("scan", "--exit-zero", "--min-coverage", "90", root).returncode == 1


def test_baseline_fingerprints_match_json_and_sarif(qg, project, tmp_path):
    root = project({"a.py": SERVICE})
    base = make_baseline(qg, root, tmp_path / "b.json")
    out, _ = qg.json(root)
    sarif = json.loads(qg("scan", "--format", "sarif", root).stdout)
    fps = {f["fingerprint"] for f in out["findings"]}
    assert fps == {e["fingerprint"] for e in base["findings"]}
    assert fps == {r["partialFingerprints"]["quotaguard/v1"] for r in sarif["runs"][0]["results"]}


def test_changed_since_scans_only_the_branch_files(tmp_path, qg):
    r = GitRepo(tmp_path / "r", qg.binary)
    r.write("old.py", "from openai import OpenAI\nOpenAI()\n")
    r.write("lib.py", "x = 1\n")
    r.git("add", ".")
    r.git("commit", "-q", "-m", "base")
    r.git("checkout", "-q", "-b", "feature")
    r.write("lib.py", "from openai import OpenAI\nclient = OpenAI()\n")
    r.write("new.py", "from openai import AsyncOpenAI\nAsyncOpenAI()\n")
    r.write("notes.md", "text\n")
    r.git("add", ".")
    r.git("commit", "-q", "-m", "feature")
    r.write("old.py", "x = 2\n")  # an uncommitted change counts too
    p = r.qg("scan", "--format", "json", "--changed-since", "main")
    data = json.loads(p.stdout)
    assert p.returncode == 1
    assert sorted({f["path"] for f in data["findings"]}) == ["lib.py", "new.py"]
    assert data["files"]["scanned"] == 3
    p = r.qg("scan", "--changed-since", "no-such-branch")
    assert p.returncode == 2 and "no-such-branch" in p.stderr
    assert r.qg("scan", "--staged", "--changed-since", "main").returncode == 2


def test_staged_keeps_excludes_and_root_relative_paths(tmp_path, qg):
    r = GitRepo(tmp_path / "r", qg.binary)
    r.write("quotaguard.toml", 'extend-exclude = ["generated/"]\n')
    r.write("generated/client.py", "from openai import OpenAI\nOpenAI()\n")
    r.write("pkg/mod.py", "from openai import OpenAI\nOpenAI()\n")
    r.write("pkg/data.txt", "OpenAI()\n")
    r.git("add", ".")
    p = r.qg("scan", "--staged", "--format", "json", cwd=r.root / "pkg")
    data = json.loads(p.stdout)
    assert [f["path"] for f in data["findings"]] == ["pkg/mod.py"]
    # A baseline written from the tree matches the staged scan: same paths, same fingerprints.
    assert r.qg("baseline", "-o", "b.json").returncode == 0
    assert r.qg("scan", "--staged", "--baseline", "b.json").returncode == 0
