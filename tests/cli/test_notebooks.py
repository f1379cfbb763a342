"""Jupyter notebooks: code cells are scanned (magics skipped), findings are located by cell and
line in text, and by the .ipynb file's own line in SARIF (which GitHub shows); `fix` rewrites the
code cells' sources and nothing else (the before/after pair is fixtures/fix/notebook, which
test_fix.py runs as a project)."""
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
        "nb.ipynb:cell 3:line 1:col 10: QG001 [*] `OpenAI` client constructed outside the tracking factory; use `quotaguard.openai_client()`",
        # A %%time cell runs its body as Python; the %%bash cell after it is not Python.
        "nb.ipynb:cell 4:line 2:col 9: QG001 [*] `OpenAI` client constructed outside the tracking factory; use `quotaguard.openai_client()`",
        "nb.ipynb:cell 4:line 3:col 1: QG004 untracked `embeddings.create` on a client constructed outside the "
        "factory (nb.ipynb:cell 4:line 2)",
        "nb.ipynb:cell 6:line 1:col 11: QG004 untracked `embeddings.create` on a client constructed outside the "
        "factory (nb.ipynb:cell 3:line 1)",
    ]


def test_sarif_and_json_address_the_notebook_files_lines(qg, tmp_path):
    root = copy(tmp_path)
    raw = (root / "nb.ipynb").read_text().splitlines()
    sarif = json.loads(qg("scan", "--format", "sarif", root, cwd=tmp_path, check_exit=1).stdout)
    # The region is the JSON line holding the cell's source line, the column is the code in it.
    starts = [(r["ruleId"], raw[r["locations"][0]["physicalLocation"]["region"]["startLine"] - 1]
               [r["locations"][0]["physicalLocation"]["region"]["startColumn"] - 1:][:26])
              for r in sarif["runs"][0]["results"]]
    assert starts == [("QG001", "OpenAI(api_key=os.environ["), ("QG001", "OpenAI()  # expect: QG001\\"),
                      ("QG004", "timed.embeddings.create(mo"), ("QG004", "client.embeddings.create( ")]
    # No SARIF fix: its regions would address the cells' Python, not the .ipynb's bytes.
    assert not any("fixes" in r for r in sarif["runs"][0]["results"])
    data = json.loads(qg("scan", "--format", "json", root, cwd=tmp_path, check_exit=1).stdout)
    assert [(f["rule"], f["cell"], f["fixable"]) for f in data["findings"]] == [
        ("QG001", {"index": 3, "line": 1, "column": 10}, True),
        ("QG001", {"index": 4, "line": 2, "column": 9}, True),
        ("QG004", {"index": 4, "line": 3, "column": 1}, False),
        ("QG004", {"index": 6, "line": 1, "column": 11}, False),
    ]
    assert data["coverage"]["call_sites"] == {"tracked": 0, "untracked": 2, "unresolved": 0, "percent": 0.0}


def python_of(cell):
    """A code cell's source as Python: IPython lines (and other languages' cell magics) blanked."""
    lines = "".join(cell["source"]).split("\n")
    if lines and lines[0].startswith("%%") and lines[0].split()[0] not in ("%%time", "%%timeit", "%%capture"):
        return ""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def test_fix_rewrites_only_code_cells_sources(qg, tmp_path):
    root = tmp_path / "nb"
    shutil.copytree(REPO / "fixtures" / "fix" / "notebook", root)
    before = json.loads((root / "analysis.ipynb").read_text())
    qg("fix", root, cwd=tmp_path)
    after = json.loads((root / "analysis.ipynb").read_text())
    assert len(after["cells"]) == len(before["cells"])
    changed = 0
    for old, new in zip(before["cells"], after["cells"]):
        # Outputs, metadata, ids, execution counts and non-code cells: untouched.
        assert {k: v for k, v in new.items() if k != "source"} == {k: v for k, v in old.items() if k != "source"}
        if old["cell_type"] != "code":
            assert new["source"] == old["source"]
        elif new["source"] != old["source"]:
            changed += 1
            compile(python_of(new), "cell", "exec")
            # Magics and shell escapes stay as they were, on their own lines.
            assert [x for x in "".join(new["source"]).split("\n") if x.startswith(("%", "!"))] == \
                   [x for x in "".join(old["source"]).split("\n") if x.startswith(("%", "!"))]
    assert changed == 4
    assert {k: v for k, v in after.items() if k != "cells"} == {k: v for k, v in before.items() if k != "cells"}
    # The whole notebook's Python still runs its imports before their uses.
    compile("\n".join(python_of(c) for c in after["cells"] if c["cell_type"] == "code"), "nb", "exec")


def test_fix_keeps_a_notebooks_own_layout(qg, tmp_path):
    """A notebook not written by nbformat (keys unsorted, two-space indent, one-string sources):
    only the fixed source values change, in the shape each already had."""
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
          "cells": [{"source": "from openai import OpenAI\nclient = OpenAI()\n", "cell_type": "code", "metadata": {},
                     "outputs": [], "execution_count": None}]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb, indent=2))
    qg("fix", tmp_path, cwd=tmp_path)
    nb["cells"][0]["source"] = "from quotaguard import openai_client\nclient = openai_client()\n"
    assert path.read_text() == json.dumps(nb, indent=2)


def test_a_notebook_that_is_not_json_is_skipped_with_the_reason(qg, tmp_path):
    (tmp_path / "broken.ipynb").write_text('{"cells": [')
    data = json.loads(qg("scan", "--format", "json", tmp_path, cwd=tmp_path, check_exit=0).stdout)
    assert data["files"]["skipped"] == [{"path": "broken.ipynb", "reason": "not a Jupyter notebook (no `cells` list in valid JSON)"}]
