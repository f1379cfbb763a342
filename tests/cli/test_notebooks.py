"""Jupyter notebooks: code cells are scanned (magics skipped), findings are located by cell and
line in text, and by the .ipynb file's own line in SARIF (which GitHub shows); `fix` leaves them be."""
import json
import shutil

from conftest import REPO

NOTEBOOK = REPO / "fixtures" / "python" / "notebooks" / "embeddings.ipynb"


def copy(tmp_path):
    shutil.copy(NOTEBOOK, tmp_path / "nb.ipynb")
    return tmp_path


def test_text_names_the_cell_and_the_line_in_it(qg, tmp_path):
    p = qg("scan", copy(tmp_path), cwd=tmp_path, check_exit=1)
    lines = [line for line in p.stdout.splitlines() if ": QG" in line]
    assert lines == [
        "nb.ipynb:cell 3:line 1:col 10: QG001 `OpenAI` client constructed outside the tracking factory; use `quotaguard.openai_client()`",
        "nb.ipynb:cell 5:line 1:col 11: QG004 untracked `embeddings.create` on a client constructed outside the "
        "factory (nb.ipynb:cell 3:line 1)",
    ]


def test_sarif_and_json_address_the_notebook_files_lines(qg, tmp_path):
    root = copy(tmp_path)
    raw = (root / "nb.ipynb").read_text().splitlines()
    sarif = json.loads(qg("scan", "--format", "sarif", root, cwd=tmp_path, check_exit=1).stdout)
    regions = {r["ruleId"]: r["locations"][0]["physicalLocation"]["region"] for r in sarif["runs"][0]["results"]}
    # The region is the JSON line holding the cell's source line, the column is the code in it.
    qg001 = raw[regions["QG001"]["startLine"] - 1]
    assert qg001[regions["QG001"]["startColumn"] - 1:].startswith("OpenAI(api_key=")
    qg004 = raw[regions["QG004"]["startLine"] - 1]
    assert qg004[regions["QG004"]["startColumn"] - 1:].startswith("client.embeddings.create(")
    data = json.loads(qg("scan", "--format", "json", root, cwd=tmp_path, check_exit=1).stdout)
    assert [(f["rule"], f["cell"], f["fixable"]) for f in data["findings"]] == [
        ("QG001", {"index": 3, "line": 1, "column": 10}, False),
        ("QG004", {"index": 5, "line": 1, "column": 11}, False),
    ]
    assert data["coverage"]["call_sites"] == {"tracked": 0, "untracked": 1, "unresolved": 0, "percent": 0.0}


def test_fix_leaves_a_notebook_byte_identical(qg, tmp_path):
    root = copy(tmp_path)
    before = (root / "nb.ipynb").read_bytes()
    qg("fix", root, cwd=tmp_path)
    assert (root / "nb.ipynb").read_bytes() == before


def test_a_notebook_that_is_not_json_is_skipped_with_the_reason(qg, tmp_path):
    (tmp_path / "broken.ipynb").write_text('{"cells": [')
    data = json.loads(qg("scan", "--format", "json", tmp_path, cwd=tmp_path, check_exit=0).stdout)
    assert data["files"]["skipped"] == [{"path": "broken.ipynb", "reason": "not a Jupyter notebook (no `cells` list in valid JSON)"}]
