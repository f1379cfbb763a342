"""A config that names nothing real is an error (exit 2, `file:line`), and every path a message
names is relative to the same directory as the finding's (or config file's) own path: the scan
started at the project root, at a parent folder, or with `--config` in another folder."""
import json

import pytest

FACTORY = "from openai import OpenAI\n\ndef get_openai_client():\n    return OpenAI()\n"
DIRECT = "from openai import OpenAI\n\nclient = OpenAI()\n\ndef go():\n    return client.chat.completions.create(model='m', messages=[])\n"


@pytest.fixture
def proj(project, tmp_path):
    def make(config):
        return project({"proj/quotaguard.toml": config, "proj/utils/f.py": FACTORY, "proj/app/views.py": DIRECT})
    return make


def test_a_second_factory_in_a_missing_module_is_named_at_its_line(qg, proj, tmp_path):
    proj('[factory]\nsync = [\n  "utils.f:get_openai_client",\n  "utils.g:get_client",\n]\n')
    p = qg("scan", "proj", cwd=tmp_path, check_exit=2)
    assert "proj/quotaguard.toml:4: `factory.sync` names `utils.g:get_client`, but no module `utils.g`" in p.stderr
    assert "looked for proj/utils/g.py, proj/utils/g/__init__.py" in p.stderr
    p = qg("scan", cwd=tmp_path / "proj", check_exit=2)
    assert "config error: quotaguard.toml:4:" in p.stderr and "looked for utils/g.py," in p.stderr


def test_a_factory_function_the_module_does_not_define(qg, proj, tmp_path):
    proj('[factory]\nsync = "utils.f:get_client"\n')
    p = qg("scan", "proj", cwd=tmp_path, check_exit=2)
    assert "proj/quotaguard.toml:2: `factory.sync` names `utils.f:get_client`, but proj/utils/f.py defines no `get_client`" in p.stderr


def test_a_module_that_may_provide_the_name_is_not_held_against_the_config(qg, proj, project, tmp_path):
    root = proj('[factory]\nsync = "utils.h:get_openai_client"\n') / "proj"
    project({"utils/h.py": "from utils.f import *\n"}, root=root)
    qg("scan", "proj", cwd=tmp_path, check_exit=1)
    # A dotted suffix names the module as the scanner matches it: `f` is `utils.f`.
    (root / "quotaguard.toml").write_text('[factory]\nsync = "f:get_openai_client"\n')
    qg("scan", "proj", cwd=tmp_path, check_exit=1)


def test_a_src_folder_that_does_not_exist(qg, proj, tmp_path):
    proj('src = [".", "scr"]\n')
    p = qg("scan", "proj", cwd=tmp_path, check_exit=2)
    assert "proj/quotaguard.toml:1: `src` entry `scr` is not a folder of the project (no proj/scr)" in p.stderr


def test_config_elsewhere_is_named_as_given(qg, proj, project, tmp_path):
    proj("")
    project({"conf/q.toml": '[factory]\nsync = "utils.f:nothing"\n'})
    p = qg("scan", "--config", "conf/q.toml", "proj", cwd=tmp_path, check_exit=2)
    assert "config error: conf/q.toml:2: `factory.sync` names `utils.f:nothing`" in p.stderr


def test_the_origin_in_a_message_is_shown_like_the_findings_path(qg, proj, tmp_path):
    proj("")
    p = qg("scan", "proj", cwd=tmp_path, check_exit=1)
    assert ("proj/app/views.py:6:12: QG004 untracked `chat.completions.create` on a client constructed "
            "outside the factory (proj/app/views.py:3)") in p.stdout
    p = qg("scan", cwd=tmp_path / "proj", check_exit=1)
    assert "app/views.py:6:12: QG004 untracked `chat.completions.create` on a client constructed outside the factory (app/views.py:3)" in p.stdout

    data = json.loads(qg("scan", "--format", "json", "proj", cwd=tmp_path, check_exit=1).stdout)
    [qg004] = [f for f in data["findings"] if f["rule"] == "QG004"]
    assert qg004["path"] == "app/views.py" and qg004["origin"] == {"path": "app/views.py", "line": 3}
    assert qg004["message"].endswith("(app/views.py:3)")

    sarif = json.loads(qg("scan", "--format", "sarif", "proj", cwd=tmp_path, check_exit=1).stdout)
    [result] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "QG004"]
    assert result["message"]["text"].endswith("(proj/app/views.py:3)")
    [related] = result["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "proj/app/views.py"
    assert related["physicalLocation"]["region"] == {"startLine": 3}
