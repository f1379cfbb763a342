"""bench/provenance (how the provenance rules are measured on public codebases) keeps working: its
scripts run on the synthetic tree bench/provenance/testdata against this build's quotaguard, read
the repository's own rules/ data (the API catalogue in rules/openai-api-surface.tsv), and report a
miss when the scanner stops reporting. Run by ctest provenance_measure."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench" / "provenance"


def run(script, *args):
    done = subprocess.run([sys.executable, str(BENCH / script), *map(str, args)], capture_output=True, text=True, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


def compare(quotaguard, root):
    return {row["codebase"]: row for row in run("compare.py", "--quotaguard", quotaguard, "--json", root)}


def test_candidates_lists_one_of_each_kind():
    listed = run("candidates.py", BENCH / "testdata" / "app")
    assert [(c["file"], c["line"], c["kind"], c["api"], c["receiver"], c.get("distinctive")) for c in listed] == [
        ("clients.py", 4, "construct", "openai.OpenAI", "openai.OpenAI", None),
        ("clients.py", 5, "construct", "openai.AsyncOpenAI", "AO", None),
        ("clients.py", 9, "api", "chat.completions.create", "client", True),
        ("clients.py", 13, "api", "embeddings.create", "aclient", True),  # through with_raw_response
        ("clients.py", 17, "api", "files.list", "client", False),
        ("clients.py", 21, "api", "beta.threads.runs.create", "client", True),
        ("clients.py", 30, "bound", "chat.completions.create", "client", True),  # passed on, called elsewhere
        ("module_client.py", 3, "legacy", "ChatCompletion.create", "openai", None),
        ("module_client.py", 4, "module", "chat.completions.create", "openai", True),
        ("unresolved.py", 3, "api", "responses.create", "llm", True),
        ("unresolved.py", 17, "api", "files.list", "storage", False),
    ]


def test_the_synthetic_tree_measures_as_read_by_hand(quotaguard):
    rules = compare(quotaguard, BENCH / "testdata")["app"]["rules"]
    counts = {g: {k: v for k, v in r.items() if k not in ("miss", "fp")} for g, r in rules.items()}
    assert counts == {
        "QG001": {"candidates": 2, "findings": 2, "hit": 2},
        "QG002": {"candidates": 1, "findings": 1, "hit": 1, "bound": 0, "distinctive": 1},
        "QG003": {"candidates": 1, "findings": 1, "hit": 1},
        "API": {"candidates": 7, "findings": 6, "hit": 6, "hit_QG004": 5, "hit_QG007": 1, "bound": 1, "distinctive": 5},
    }
    assert all(r["fp"] == [] for r in rules.values())
    # The one disagreement, and the scanner is right: `files` on something that is not a client.
    assert [(m["file"], m["line"], m["api"]) for m in rules["API"]["miss"]] == [("unresolved.py", 17, "files.list")]


def test_a_call_the_scanner_stops_reporting_is_a_miss(quotaguard, tmp_path):
    shutil.copytree(BENCH / "testdata" / "app", tmp_path / "app")
    clients = tmp_path / "app" / "clients.py"
    # A suppression comment hides one finding from the scan: the comparison must show it missing.
    clients.write_text(clients.read_text().replace(
        'return client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id)',
        'return client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id)  # quotaguard: ignore[QG004] measured as a miss'))
    api = compare(quotaguard, tmp_path)["app"]["rules"]["API"]
    assert [(m["file"], m["line"]) for m in api["miss"]] == [("clients.py", 21), ("unresolved.py", 17)]


def test_the_catalogue_is_read_from_the_repository():
    sys.path.insert(0, str(BENCH))
    try:
        import candidates
    finally:
        sys.path.remove(str(BENCH))
    cat = candidates.Catalogue()
    assert candidates.RULES == REPO / "rules"
    assert "create" in cat.methods["beta.vector_stores.files"] and cat.distinctive("beta.vector_stores.files")
    assert not cat.distinctive("files") and not cat.distinctive("models")
