"""Golden output for the bundled demo service: text and JSON (timings masked).
Regenerate with QG_UPDATE_GOLDEN=1 after an intended change, and review the diff."""
import json
import os
import re
from pathlib import Path

from conftest import REPO

GOLDEN = Path(__file__).parent / "golden"


def masked_text(s):
    return re.sub(r"Elapsed: [0-9.]+ s", "Elapsed: <t> s", s)


def masked_json(s):
    data = json.loads(s)
    data["elapsed_seconds"] = "<t>"
    return json.dumps(data, indent=2) + "\n"


def compare(name, actual):
    path = GOLDEN / name
    if os.environ.get("QG_UPDATE_GOLDEN"):
        path.write_text(actual)
    assert actual == path.read_text(), f"{name} differs from the golden file (QG_UPDATE_GOLDEN=1 to regenerate)"


def test_demo_text(qg):
    p = qg("scan", "fixtures/demo", cwd=REPO, check_exit=1)
    compare("demo.txt", masked_text(p.stdout))


def test_demo_json(qg):
    p = qg("scan", "--format", "json", "fixtures/demo", cwd=REPO, check_exit=1)
    compare("demo.json", masked_json(p.stdout))


def test_demo_json_contract(qg):
    data = json.loads(qg("scan", "--format", "json", "fixtures/demo", cwd=REPO).stdout)
    assert data["version"] == 2
    f = data["findings"][0]
    assert list(f)[:10] == ["rule", "path", "line", "column", "end_line", "end_column", "message", "fixable", "api", "provenance"]
    cs = data["coverage"]["call_sites"]
    assert set(cs) == {"tracked", "untracked", "unresolved", "percent"}
    assert cs["percent"] == 100.0 * cs["tracked"] / (cs["tracked"] + cs["untracked"])
    # Version 2: a row with nothing under its percentage says null, never 100.
    empty = [r for r in data["coverage"]["by_file"] if r["call_sites"]["tracked"] + r["call_sites"]["untracked"] == 0]
    assert empty and all(r["call_sites"]["percent"] is None for r in empty)
    assert {"scanned", "parsed", "skipped", "parse_errors"} <= set(data["files"])
