"""What gets scanned: .gitignore, excludes, vendored trees."""
import subprocess

DIRECT = "from openai import OpenAI\nOpenAI()\n"


def test_gitignore_is_honoured(qg, project):
    root = project({".gitignore": "generated/\n*_pb2.py\n", "generated/x.py": DIRECT, "api_pb2.py": DIRECT, "app.py": DIRECT})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    data, _ = qg.json(root, check_exit=1)
    assert [f["path"] for f in data["findings"]] == ["app.py"]


def test_vendored_trees_skipped_and_reported_apart(qg, project):
    root = project({"app.py": DIRECT, "venv/lib/x.py": DIRECT, "node_modules/y.py": DIRECT,
                    "myenv/pyvenv.cfg": "home = /usr\n", "myenv/lib/z.py": DIRECT})
    data, _ = qg.json(root, check_exit=1)
    assert [f["path"] for f in data["findings"]] == ["app.py"]
    reasons = {s["path"]: s["reason"] for s in data["files"]["skipped"]}
    assert all("vendored" in reasons[p] for p in ["venv", "node_modules", "myenv"])
    data, _ = qg.json("--include-vendored", root, check_exit=1)
    assert [f["path"] for f in data["findings"]] == ["app.py"]
    assert sorted(f["path"] for f in data["vendored_findings"]) == ["myenv/lib/z.py", "node_modules/y.py", "venv/lib/x.py"]
    # Vendored code never counts towards the project's coverage.
    assert data["coverage"]["clients"]["direct"] == 1


def test_extend_exclude(qg, project):
    root = project({"quotaguard.toml": 'extend-exclude = ["legacy/"]\n', "legacy/old.py": DIRECT, "new.py": DIRECT})
    data, _ = qg.json(root, check_exit=1)
    assert [f["path"] for f in data["findings"]] == ["new.py"]


def test_force_exclude_applies_excludes_to_named_files(qg, project):
    # Pre-commit names each staged file: an excluded one is scanned unless --force-exclude.
    root = project({"quotaguard.toml": 'extend-exclude = ["legacy/"]\n', "legacy/old.py": DIRECT, "new.py": DIRECT})
    named = [root / "legacy/old.py", root / "new.py"]
    data, _ = qg.json(*named, check_exit=1)
    assert [f["path"] for f in data["findings"]] == ["legacy/old.py", "new.py"]
    data, _ = qg.json("--force-exclude", *named, check_exit=1)
    assert [f["path"] for f in data["findings"]] == ["new.py"]
