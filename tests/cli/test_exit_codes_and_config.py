"""Exit codes (0 clean, 1 findings, 2 usage/config error) and config discovery/validation."""
import json
import resource
import signal
import subprocess

import pytest

from conftest import REPO

DIRECT = "from openai import OpenAI\nclient = OpenAI()\nclient.embeddings.create(model='m', input='x')\n"


def test_clean_tree_exits_0(qg, project):
    root = project({"app.py": "import os\nprint(os.getcwd())\n"})
    p = qg("scan", root, check_exit=0)
    assert "No findings." in p.stdout


def test_findings_exit_1_and_exit_zero(qg, project):
    root = project({"app.py": DIRECT})
    p = qg("scan", root, check_exit=1)
    assert "app.py:2:10: QG001 [*]" in p.stdout
    assert "app.py:3:1: QG004" in p.stdout
    qg("scan", "--exit-zero", root, check_exit=0)


# Rule ids are case-insensitive on the command line.
@pytest.mark.parametrize("qg004, ignored, unknown", [("QG004", "QG001,QG004", "QG999"), ("qg004", "qg001, Qg00", "qg999")])
def test_select_and_ignore(qg, project, qg004, ignored, unknown):
    root = project({"app.py": DIRECT})
    data, _ = qg.json("--select", qg004, root, check_exit=1)
    assert [f["rule"] for f in data["findings"]] == ["QG004"]
    data, _ = qg.json("--ignore", ignored, root, check_exit=0)
    assert data["findings"] == []
    # Coverage is a measurement: selecting rules does not change it.
    assert data["coverage"]["call_sites"]["untracked"] == 1
    p = qg("scan", "--select", unknown, root, check_exit=2)
    assert "unknown rule selector: QG999" in p.stderr


def test_explain_takes_ids_and_names_in_any_case(qg):
    assert qg("explain", "qg004", check_exit=0).stdout.startswith("# QG004 (untracked-api-call)")
    assert qg("explain", "Untracked-API-Call", check_exit=0).stdout.startswith("# QG004")


def test_usage_errors_exit_2(qg, project, tmp_path):
    p = qg("scan", tmp_path / "missing", check_exit=2)
    assert "no such file or directory" in p.stderr
    # An unknown option exits 2 too: the message must name the option and the refused value.
    for option, bad in [("--format", "yaml"), ("--jobs", "0")]:
        p = qg("scan", option, bad, tmp_path, check_exit=2)
        assert option in p.stderr and bad in p.stderr and "not expected" not in p.stderr, p.stderr
    assert "frobnicate" in qg("frobnicate", check_exit=2).stderr
    p = qg("explain", "QG123", check_exit=2)
    assert "unknown rule" in p.stderr


def test_unknown_config_key_reports_file_and_line(qg, project):
    root = project({"quotaguard.toml": 'src = ["."]\n\n[factory]\nsnyc = "a.b:c"\n', "a.py": DIRECT})
    p = qg("scan", root, check_exit=2)
    assert "quotaguard.toml:4:" in p.stderr and "snyc" in p.stderr


def test_bad_factory_spec_is_a_config_error(qg, project):
    root = project({"quotaguard.toml": '[factory]\nsync = "no_colon_here"\n', "a.py": "x = 1\n"})
    p = qg("scan", root, check_exit=2)
    assert "quotaguard.toml:2:" in p.stderr


def test_toml_syntax_error(qg, project):
    root = project({"quotaguard.toml": 'src = [".",\n', "a.py": "x = 1\n"})
    p = qg("scan", root, check_exit=2)
    assert "quotaguard.toml:" in p.stderr


def test_config_found_upward_and_pyproject(qg, project):
    root = project({
        "pyproject.toml": '[project]\nname = "x"\n\n[tool.quotaguard]\n[tool.quotaguard.factory]\nsync = "lib.ai:make"\n',
        "lib/ai.py": "from openai import OpenAI\n\ndef make():\n    return OpenAI()\n",
        "app/views.py": "from lib.ai import make\nmake().chat.completions.create(model='m', messages=[])\n",
    })
    data, _ = qg.json(root / "app", check_exit=0)
    # Paths are relative to the project root (the config's directory), not the scan path.
    assert data["coverage"]["call_sites"]["tracked"] == 1
    assert data["coverage"]["by_file"][0]["path"] == "app/views.py"


def test_explicit_config_overrides_discovery(qg, project, tmp_path):
    root = project({"quotaguard.toml": "bogus = 1\n", "a.py": DIRECT})
    other = tmp_path / "elsewhere.toml"
    other.write_text('ignore = ["QG004"]\n')
    data, _ = qg.json("--config", other, root, check_exit=1)
    assert {f["rule"] for f in data["findings"]} == {"QG001"}


def test_rules_explain_version(qg):
    p = qg("rules", check_exit=0)
    for rule in ["QG001", "QG002", "QG003", "QG004", "QG005", "QG006", "QG007", "QG008"]:
        assert rule in p.stdout
    p = qg("explain", "QG001", check_exit=0)
    for section in ["What it finds", "Why it matters", "How to fix", "Example"]:
        assert section in p.stdout
    assert qg("explain", "untracked-api-call", check_exit=0).stdout.startswith("# QG004")
    assert qg("--version", check_exit=0).stdout.startswith("quotaguard ")


def test_output_file(qg, project, tmp_path):
    root = project({"a.py": DIRECT})
    out = tmp_path / "report.json"
    p = qg("scan", "--format", "json", "--output", out, root, check_exit=1)
    assert p.stdout == ""
    assert json.loads(out.read_text())["version"] == 2


def test_quiet_prints_the_findings_only(qg, project):
    root = project({"a.py": DIRECT, "clean.py": "x = 1\n"})
    loud = qg("scan", root, check_exit=1).stdout
    for flag in ("-q", "--quiet"):
        quiet = qg("scan", flag, root, check_exit=1).stdout
        assert quiet.splitlines() == [l for l in loud.splitlines() if ": QG00" in l] and len(quiet.splitlines()) == 2
    assert qg("scan", "-q", root / "clean.py", check_exit=0).stdout == ""


def test_output_keeps_the_old_file_when_writing_fails(qg, project, tmp_path):
    # A file-size limit (which stops root too) makes the write fail part-way, as a full disk does.
    root = project({"a.py": DIRECT})
    out = tmp_path / "out" / "report.json"
    out.parent.mkdir()
    out.write_text("the previous report\n")

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a signal

    p = subprocess.run([qg.binary, "scan", "--format", "json", "-o", out, root], capture_output=True, text=True,
                       env=qg.environment({}), preexec_fn=limit_file_size, timeout=120)
    assert p.returncode == 2 and str(out) in p.stderr, p.stderr
    assert out.read_text() == "the previous report\n"
    assert [f.name for f in out.parent.iterdir()] == ["report.json"], "a temporary file was left behind"


def test_colour_on_a_terminal_unless_refused(qg, project, tmp_path):
    root = project({"a.py": DIRECT})
    colour = "\x1b["
    assert colour in qg.on_terminal("scan", root)
    assert colour not in qg.on_terminal("scan", "--no-color", root)
    assert colour not in qg.on_terminal("scan", root, env={"NO_COLOR": "1"})
    assert colour in qg.on_terminal("scan", root, env={"NO_COLOR": ""})  # no-color.org: empty is unset
    # Not a terminal: never colour, whatever the flags; nor in a file written with -o.
    assert colour not in qg("scan", root).stdout
    qg.on_terminal("scan", "-o", tmp_path / "report.txt", root)
    assert colour not in (tmp_path / "report.txt").read_text()


def test_jobs_do_not_change_results(qg, project):
    files = {f"pkg/m{i}.py": DIRECT for i in range(40)}
    root = project(files)
    one, _ = qg.json("--jobs", "1", root)
    many, _ = qg.json("--jobs", "4", root)
    assert one["findings"] == many["findings"]
    assert len(one["findings"]) == 80


def test_info_findings_alone_do_not_fail(qg, project):
    # QG007 (unresolved origin) is reported and counted, but never refuses a commit on its own.
    root = project({"svc.py": "import openai\n\ndef summarize(client, text):\n"
                              "    return client.chat.completions.create(model='m', messages=[])\n"})
    data, p = qg.json(root, check_exit=0)
    assert [f["rule"] for f in data["findings"]] == ["QG007"]
    assert data["coverage"]["call_sites"]["unresolved"] == 1
    # ...but it still fails a coverage gate that counts unresolved sites as untracked; counted
    # apart, as the summary counts them, there is nothing to measure.
    p = qg("scan", "--min-coverage", "100", "--unresolved", "count", root, check_exit=1)
    assert "call-site coverage 0.0% is below --min-coverage 100% (0 of 1 call site tracked" in p.stderr
    p = qg("scan", "--min-coverage", "100", root, check_exit=0)
    assert "coverage gate passed: call-site coverage n/a" in p.stderr


def test_whole_program_values_do_not_depend_on_jobs(qg):
    # Values cross modules (parameters take what callers pass, fixtures, import roots) and each
    # worker memoises its own: the order files are checked in must not change a finding.
    root = REPO / "fixtures" / "python"
    one, _ = qg.json("--jobs", "1", root)
    assert sum(f["rule"] == "QG004" and "across_functions" in f["path"] for f in one["findings"]) >= 20
    for _ in range(3):
        many, _ = qg.json("--jobs", "4", root)
        assert many["findings"] == one["findings"]
