"""QG010 on LlamaIndex calls that fall back on `Settings.llm` / `Settings.embed_model`, as a
partial scan (--staged, pre-commit) sees them: the module setting the default is usually not
among the files given, so the project's other files are read for it (as for
`quotaguard.install()`), and the staged calls are decided as a whole-tree scan decides them."""
import json
import shutil

from conftest import REPO
from gitrepo import GitRepo

FIXTURES = REPO / "fixtures" / "python"


def _repo(tmp_path, qg, fixture):
    r = GitRepo(tmp_path / "r", qg.binary)
    shutil.copytree(FIXTURES / fixture, r.root, dirs_exist_ok=True)
    r.git("add", ".")
    r.git("commit", "-q", "-m", "base")
    return r


def _staged(r, relative, line):
    path = r.root / relative
    path.write_text(path.read_text() + line)
    r.git("add", relative)
    p = r.qg("scan", "--staged", "--format", "json")
    report = json.loads(p.stdout)
    assert report["files"]["scanned"] == 1, report["files"]
    return sorted((f["path"], f["line"], f["rule"]) for f in report["findings"]), p


def test_staged_calls_on_defaults_no_module_sets(qg, tmp_path):
    """No module the application imports sets `Settings.llm` (a standalone sample sets its own):
    a staged change to the application reports its calls on the defaults, as the whole tree does."""
    r = _repo(tmp_path, qg, "llama_index_settings_unset")
    found, p = _staged(r, "pits_app/conversation_engine.py", "\n# touched\n")
    engine = "pits_app/conversation_engine.py"
    assert found == [(engine, 16, "QG010"), (engine, 17, "QG010"), (engine, 19, "QG010")], p.stdout
    assert p.returncode == 1


def test_staged_calls_on_a_default_set_in_a_module_not_given(qg, tmp_path):
    """settings.py (unstaged) sets `Settings.llm` to Ollama and nothing sets the embedding model:
    the staged agent is not reported, the staged vector index still is."""
    r = _repo(tmp_path, qg, "llama_index_settings")
    found, p = _staged(r, "app.py", "\n# touched\n")
    assert found == [("app.py", 9, "QG010")], p.stdout


def test_staged_calls_on_defaults_set_to_openai_elsewhere(qg, tmp_path):
    """settings.py (unstaged) sets both defaults, the LLM to llama-index's OpenAI (its own QG010,
    reported where it is built): the staged calls taking them report nothing again."""
    r = _repo(tmp_path, qg, "llama_index_settings_openai")
    found, p = _staged(r, "app.py", "\n# touched\n")
    assert found == [] and p.returncode == 0, p.stdout


def test_staged_standalone_setting_holds_only_in_itself(qg, tmp_path):
    """A standalone sample's `Settings.llm` (staged) holds in that sample; the application's calls
    stay reported when both are staged."""
    r = _repo(tmp_path, qg, "llama_index_settings_unset")
    sample = r.root / "ch3" / "sample_customize_llm.py"
    sample.write_text(sample.read_text() + "\n# touched\n")
    r.git("add", "ch3/sample_customize_llm.py")
    p = r.qg("scan", "--staged", "--format", "json")
    report = json.loads(p.stdout)
    assert [(f["path"], f["line"]) for f in report["findings"]] == [], p.stdout
    runner = r.root / "ch8" / "sample_agentrunner.py"
    runner.write_text(runner.read_text() + "\n# touched\n")
    r.git("add", "ch8/sample_agentrunner.py")
    report = json.loads(r.qg("scan", "--staged", "--format", "json").stdout)
    assert sorted((f["path"], f["line"]) for f in report["findings"]) == [("ch8/sample_agentrunner.py", 12)]
