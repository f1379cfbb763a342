"""Small projects whose coverage numbers and exit codes were computed by hand (in the comments),
checked against what `quotaguard scan` reports in every format that shows them."""
import json
import re
import xml.etree.ElementTree as ET

import pytest

FACTORY = """\
from openai import OpenAI


def get_openai_client():
    return OpenAI()
"""

# A factory that wraps chat.completions.create only (tracked-methods): every other method a
# factory client calls is QG008 and sends untracked.
WRAPPING_FACTORY = {
    "quotaguard.toml": """\
[factory]
sync = "llm.factory:get_openai_client"
tracked-methods = ["chat.completions.create"]
""",
    "llm/__init__.py": "",
    "llm/factory.py": FACTORY,
    # 2 tracked (chat.completions.create), 1 untracked (QG008 embeddings); 1 factory client.
    "app/chat.py": """\
from llm.factory import get_openai_client

client = get_openai_client()
client.chat.completions.create(model="m", messages=[])
client.chat.completions.create(model="m", messages=[])
client.embeddings.create(model="e", input="x")
""",
    # 0 tracked, 2 untracked (QG008 images, audio.transcriptions); 1 factory client.
    "app/media.py": """\
from llm.factory import get_openai_client

media = get_openai_client()
media.images.generate(prompt="x")
media.audio.transcriptions.create(model="whisper-1", file=b"")
""",
    # No call site: call coverage n/a; 1 factory client.
    "app/holder.py": """\
from llm.factory import get_openai_client

held = get_openai_client()
""",
    # 1 unresolved (QG007, a parameter): call coverage n/a (nothing tracked or untracked); no client: n/a.
    "tools/script.py": """\
def embed(client):
    return client.embeddings.create(model="e", input="x")
""",
}
# Totals: 2 tracked, 3 untracked, 1 unresolved -> 2/5 = 40.0% (2/6 = 33.3% counting unresolved
# as untracked); clients 3 factory, 0 direct -> 100.0%.


def rows(data, section, key):
    return {r[key]: r for r in data["coverage"][section]}


def test_qg008_sites_count_as_untracked_per_file_folder_and_family(qg, project):
    root = project(WRAPPING_FACTORY)
    data, p = qg.json(cwd=root, check_exit=1)  # QG008 findings fail the scan
    assert sorted((f["path"], f["line"], f["rule"]) for f in data["findings"]) == [
        ("app/chat.py", 6, "QG008"), ("app/media.py", 4, "QG008"), ("app/media.py", 5, "QG008"),
        ("tools/script.py", 2, "QG007")]
    assert data["coverage"]["call_sites"] == {"tracked": 2, "untracked": 3, "unresolved": 1, "percent": 40.0}
    assert data["coverage"]["clients"] == {"factory": 3, "direct": 0, "percent": 100.0}

    files = rows(data, "by_file", "path")
    assert files["app/chat.py"]["call_sites"] == {"tracked": 2, "untracked": 1, "unresolved": 0,
                                                   "percent": pytest.approx(200 / 3)}
    assert files["app/media.py"]["call_sites"] == {"tracked": 0, "untracked": 2, "unresolved": 0, "percent": 0.0}
    folders = rows(data, "by_folder", "folder")
    assert folders["app"]["call_sites"] == {"tracked": 2, "untracked": 3, "unresolved": 0, "percent": 40.0}
    families = rows(data, "by_family", "family")
    assert families["chat.completions"]["call_sites"]["percent"] == 100.0
    # 1 untracked (QG008) in app/chat.py + 1 unresolved in tools/script.py: 0 of 1.
    assert families["embeddings"]["call_sites"] == {"tracked": 0, "untracked": 1, "unresolved": 1, "percent": 0.0}
    assert families["images"]["call_sites"] == {"tracked": 0, "untracked": 1, "unresolved": 0, "percent": 0.0}
    assert families["audio.transcriptions"]["call_sites"]["percent"] == 0.0

    text = qg("scan", cwd=root, check_exit=1).stdout
    assert "Coverage: call sites 40.0% tracked (2 tracked, 3 untracked, 1 unresolved)" in text
    assert "clients 100.0% from the factory (3 factory, 0 direct)" in text
    assert "1 call site of unresolved origin (QG007), counted apart (33.3% counting them as untracked)" in text


def test_a_percentage_with_nothing_under_it_is_null_in_json(qg, project):
    root = project(WRAPPING_FACTORY)
    data, _ = qg.json(cwd=root)
    files = rows(data, "by_file", "path")
    # A file with a client and no call: nothing to divide by.
    assert files["app/holder.py"]["call_sites"] == {"tracked": 0, "untracked": 0, "unresolved": 0, "percent": None}
    assert files["app/holder.py"]["clients"] == {"factory": 1, "direct": 0, "percent": 100.0}
    # Only a call of unresolved origin: still nothing tracked or untracked; and no client.
    assert files["tools/script.py"]["call_sites"]["percent"] is None
    assert files["tools/script.py"]["clients"] == {"factory": 0, "direct": 0, "percent": None}
    assert rows(data, "by_folder", "folder")["tools"]["call_sites"]["percent"] is None
    assert data["version"] == 2


# No API call and no client anywhere: every percentage is n/a, in every format.
NOTHING_TO_MEASURE = {
    "app/types.py": "from openai import OpenAI\n\n\ndef describe(client: OpenAI) -> str:\n    return repr(client)\n",
}


def test_no_call_sites_is_na_in_every_format(qg, project, tmp_path):
    root = project(NOTHING_TO_MEASURE)
    text = qg("scan", cwd=root, check_exit=0).stdout
    assert "Coverage: call sites n/a (0 tracked, 0 untracked, 0 unresolved)" in text
    assert "clients n/a (0 factory, 0 direct)" in text
    assert "100" not in text

    data, _ = qg.json(cwd=root)
    assert data["coverage"]["call_sites"]["percent"] is None
    assert data["coverage"]["clients"]["percent"] is None

    sarif = json.loads(qg("scan", "--format", "sarif", cwd=root).stdout)
    cov = sarif["runs"][0]["properties"]["coverage"]
    assert cov["callSites"]["percent"] is None and cov["clients"]["percent"] is None

    md = qg("scan", "--format", "markdown", cwd=root).stdout
    assert "call-site coverage n/a" in md and "**Call sites:** n/a" in md and "**Clients:** n/a" in md
    assert "100" not in md

    github = qg("scan", "--format", "github", cwd=root).stdout
    assert "call-site coverage n/a" in github and "clients n/a from the factory" in github

    junit = ET.fromstring(qg("scan", "--format", "junit", cwd=root).stdout)
    props = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert props["call_site_coverage"] == "n/a"

    html = qg("scan", "--format", "html", cwd=root).stdout
    card = re.search(r'id="call-coverage">([^<]*)<', html).group(1)
    assert card == "n/a"
    assert "100.0%" not in html


def test_min_coverage_with_nothing_to_measure_passes_and_says_so(qg, project):
    root = project(NOTHING_TO_MEASURE)
    p = qg("scan", "--min-coverage", "90", cwd=root, check_exit=0)
    assert "coverage gate passed: call-site coverage n/a" in p.stderr
