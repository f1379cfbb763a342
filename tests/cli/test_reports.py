"""Report formats: SARIF against the OASIS schema, JUnit through a real XML parser, GitHub
annotations, Markdown, and the HTML report rendered by headless Chromium."""
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest

from conftest import REPO

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())

# Names and code a report must escape: XML/HTML metacharacters, a quote, a pipe, a percent sign.
HOSTILE = {
    "quotaguard.toml": "",
    "svc/a&b <x>.py": (
        "from openai import OpenAI\n"
        "note = \"</script><script>document.title='pwned'</script> | 100% <b>\"\n"
        "c = OpenAI()  # é\n"
        "c.embeddings.create(model='m', input=note)\n"
    ),
    "svc/ok.py": "from quotaguard import openai_client\nopenai_client().files.list()\n",
}


def scan(qg, fmt, *args, cwd=REPO):
    p = qg("scan", "--format", fmt, *args, cwd=cwd)
    assert p.returncode in (0, 1), p.stderr
    return p.stdout


def test_sarif_demo_is_valid_with_one_result_per_finding(qg):
    sarif = json.loads(scan(qg, "sarif", "fixtures/demo"))
    jsonschema.validate(sarif, SCHEMA)
    data = json.loads(scan(qg, "json", "fixtures/demo"))
    run = sarif["runs"][0]
    results = run["results"]
    assert len(results) == len(data["findings"]) == 9
    for r, f in zip(results, data["findings"]):
        assert r["ruleId"] == f["rule"]
        assert run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == f["rule"]
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": "fixtures/demo/" + f["path"], "uriBaseId": "%SRCROOT%"}
        assert (loc["region"]["startLine"], loc["region"]["startColumn"]) == (f["line"], f["column"])
        assert r["partialFingerprints"]["quotaguard/v1"] == f["fingerprint"]
        assert ("fixes" in r) == f["fixable"]
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels["QG001"] == "error" and levels["QG007"] == "note"


def test_sarif_rules_carry_help(qg):
    driver = json.loads(scan(qg, "sarif", "fixtures/demo"))["runs"][0]["tool"]["driver"]
    assert driver["name"] == "quotaguard" and driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    assert ids == [f"QG{i:03d}" for i in range(1, 11)]
    for r in driver["rules"]:
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert r["help"]["text"] and r["help"]["markdown"]
        assert r["helpUri"].endswith("docs/rules.md#" + r["id"].lower())
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")


def test_sarif_fix_replaces_the_callee_with_the_configured_factory(qg):
    results = json.loads(scan(qg, "sarif", "fixtures/demo"))["runs"][0]["results"]
    fix = next(r for r in results if r["ruleId"] == "QG001" and "voice_notes" in
               r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])["fixes"][0]
    change = fix["artifactChanges"][0]
    callee = change["replacements"][0]
    assert callee["insertedContent"]["text"] == "get_openai_client"
    assert callee["deletedRegion"] == {"startLine": 17, "startColumn": 11, "endLine": 17, "endColumn": 17}
    # pass-arguments = false in the demo config: the arguments go too.
    assert change["replacements"][1]["insertedContent"]["text"] == "()"
    assert "from app.core.openai_factory import get_openai_client" in fix["description"]["text"]


def test_sarif_escapes_paths_and_code(qg, project):
    root = project(HOSTILE)
    sarif = json.loads(scan(qg, "sarif", root, cwd=root))
    jsonschema.validate(sarif, SCHEMA)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {"svc/a%26b%20%3Cx%3E.py"}
    assert sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")


def test_github_annotations(qg, project):
    lines = scan(qg, "github", "fixtures/demo").splitlines()
    findings = [l for l in lines if not l.startswith("::notice title=quotaguard::")]
    assert len(findings) == 9
    assert "::error file=fixtures/demo/app/services/voice_notes.py,line=17,col=11,endLine=17,endColumn=54,title=QG001::" \
           "`OpenAI` client constructed outside the tracking factory" in "\n".join(findings)
    assert any(l.startswith("::notice file=") and "title=QG007" in l for l in findings)
    assert "coverage 72.2%25" in lines[-1]  # '%' is escaped in workflow commands
    root = project(HOSTILE)
    text = scan(qg, "github", root, cwd=root)
    assert "file=svc/a&b <x>.py,line=3" in text


def test_junit_parses_with_one_testcase_per_file(qg, project):
    root = project(HOSTILE)
    xml = scan(qg, "junit", root, cwd=root)
    suites = ET.fromstring(xml)
    suite = suites.find("testsuite")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {"svc/a&b <x>.py", "svc/ok.py"}
    failures = cases["svc/a&b <x>.py"].findall("failure")
    assert [f.get("type") for f in failures] == ["QG001", "QG004"]
    assert failures[0].get("message").startswith("svc/a&b <x>.py:3:5: QG001")
    assert cases["svc/ok.py"].findall("failure") == []
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    demo = ET.fromstring(scan(qg, "junit", "fixtures/demo")).find("testsuite")
    assert sum(len(c.findall("failure")) for c in demo.findall("testcase")) == 9


def test_markdown_comment(qg, project):
    md = scan(qg, "markdown", "fixtures/demo")
    assert md.startswith("## \u274c quotaguard: 9 findings \u00b7 call-site coverage 72.2%")
    assert "### Coverage by API family" in md and "| `embeddings` | 50.0% |" in md
    assert "### Coverage by folder" in md and "| `app/services` | 73.3% |" in md
    assert "### Findings (9)" in md
    root = project(HOSTILE)
    md = scan(qg, "markdown", root, cwd=root)
    assert "`svc/a&b <x>.py:3:5`" in md


def test_markdown_caps_the_findings_list(qg, project):
    body = "from openai import OpenAI\n" + "".join(f"c{i} = OpenAI()\n" for i in range(60))
    root = project({"quotaguard.toml": "", "many.py": body})
    md = scan(qg, "markdown", root, cwd=root)
    assert md.count("| QG001") == 50
    assert "... and 10 more" in md


def test_rules_markdown_is_docs_rules_md(qg):
    p = qg("rules", "--format", "markdown", check_exit=0)
    assert p.stdout == (REPO / "docs" / "rules.md").read_text(), \
        "docs/rules.md is stale: quotaguard rules --format markdown > docs/rules.md"
    for i in range(1, 11):
        assert f"\n## QG{i:03d}\n" in p.stdout


class DomTree(HTMLParser):
    """The rendered DOM (HTML, not XML) as an ElementTree, for XPath-ish queries."""
    VOID = {"meta", "link", "br", "hr", "img", "input", "col", "area", "base", "source", "wbr"}

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.root = ET.Element("document")
        self.stack = [self.root]
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        e = ET.SubElement(self.stack[-1], tag, {k: v or "" for k, v in attrs})
        if tag not in self.VOID:
            self.stack.append(e)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data


def chromium_dom(html_file, tmp_path):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        pytest.skip("chromium is not installed (scripts/setup installs it)")
    profile = tmp_path / "profile"
    p = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", "--dump-dom", html_file.as_uri()],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_html_report_renders_in_chromium(qg, tmp_path):
    out = tmp_path / "report.html"
    qg("scan", "--format", "html", "-o", out, "fixtures/demo", cwd=REPO, check_exit=1)
    html = out.read_text()
    # Self-contained: nothing is fetched from anywhere.
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", html)
    assert "url(" not in html and "@import" not in html
    dom = chromium_dom(out, tmp_path)
    root = DomTree(dom).root
    text = lambda e: "".join(e.itertext())
    headline = root.find(".//*[@id='headline']")
    assert "72.2%" in text(root.find(".//*[@id='call-coverage']"))
    assert text(root.find(".//*[@id='finding-count']")) == "9"
    assert "Call-site coverage" in text(headline)
    rows = root.findall(".//table[@id='files']/tbody/tr")
    assert len(rows) == 9
    cells = [text(td) for td in rows[0].findall("td")]
    assert cells[0] == "fixtures/demo/app/jobs/nightly.py" and cells[1].startswith("66.7%")
    assert len(root.findall(".//*[@id='findings']/*[@class='finding error']")) == 8
    assert len(root.findall(".//svg")) == 2


def test_html_escapes_everything(qg, project, tmp_path):
    root = project(HOSTILE)
    out = tmp_path / "r.html"
    qg("scan", "--format", "html", "-o", out, root, cwd=root)
    dom = chromium_dom(out, tmp_path)
    assert "pwned" not in re.search(r"<title>(.*?)</title>", dom).group(1)
    assert dom.count("<script>") == 1  # only the report's own sorting script
    assert "svc/a&amp;b &lt;x&gt;.py" in dom


def test_sarif_fixes_agree_with_quotaguard_fix(qg, project):
    """A SARIF fix applied to its line gives the line `quotaguard fix` writes (the import aside)."""
    source = ("import os\nfrom openai import OpenAI, AsyncOpenAI\nimport openai\n\n"
              "a = OpenAI(api_key=os.environ['K'])\nb = AsyncOpenAI()\nopenai.files.list()\n")
    root = project({"quotaguard.toml": "", "svc.py": source})
    results = json.loads(scan(qg, "sarif", root, cwd=root))["runs"][0]["results"]
    lines = source.splitlines()
    expected = []
    for r in results:
        if "fixes" not in r:
            continue
        (change,) = r["fixes"][0]["artifactChanges"]
        line = lines[change["replacements"][0]["deletedRegion"]["startLine"] - 1]
        for rep in sorted(change["replacements"], key=lambda x: -x["deletedRegion"]["startColumn"]):
            region = rep["deletedRegion"]
            assert region["startLine"] == region["endLine"]
            line = line[:region["startColumn"] - 1] + rep["insertedContent"]["text"] + line[region["endColumn"] - 1:]
        expected.append(line)
    assert len(expected) == 3
    qg("fix", root, cwd=root, check_exit=0)
    fixed = (root / "svc.py").read_text().splitlines()
    for line in expected:
        assert line in fixed, (line, fixed)
