"""`quotaguard fix` on before/after pairs: fixtures/fix/NAME.py -> NAME.fixed.py (absent when
the safe fix leaves the file as it is; NAME.toml as the project's quotaguard.toml when present,
beside the factory package it names (from fixtures/fix/factories: a config naming no real factory
is an error), and NAME.unsafe.fixed.py for the --unsafe-fixes result when it differs), and whole
projects, fixtures/fix/NAME/ -> NAME.fixed/ and NAME.unsafe.fixed/ (the files the fix changes, as
they become; for fixes that edit another file than the finding's, as QG009's does). Every case,
and a copy of the demo app, must also keep these properties: the promises of
tests/support/fix_invariants.py (what compiled still compiles; no byte changes outside the fixed
sites, the imports and new import lines); a rescan finds exactly the fixable findings the summary
says were left; a second run changes nothing; `--diff` piped to `patch -p1` gives the same bytes.
Regenerate expected files with QG_UPDATE_FIX=1 after an intended change, and review the diff."""
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import REPO
from fix_invariants import broken, finding_span

CASES = REPO / "fixtures" / "fix"
FACTORIES = CASES / "factories"
NAMES = sorted(p.name[:-3] for p in CASES.glob("*.py") if not p.name.endswith(".fixed.py"))
PROJECTS = sorted(p.name for p in CASES.iterdir() if p.is_dir() and "." not in p.name and p != FACTORIES)
LEFT_FIXABLE = re.compile(r"(\d+) (?:unsafe|without a configured factory|overlapping another fix|in skipped files)")


def snapshot(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def left_fixable(summary):
    return sum(int(n) for n in LEFT_FIXABLE.findall(summary))


def check_properties(qg, root, unsafe=()):
    """Runs fix on the project at `root` and checks every property; returns the fix's stderr."""
    before = snapshot(root)
    scan, _ = qg.json(cwd=root)
    findings = {}
    for f in scan["findings"]:
        findings.setdefault(f["path"], []).append(f)

    # Bytes, not text: a CRLF file's diff keeps its CRs.
    diff = subprocess.run([qg.binary, "fix", *unsafe, "--diff"], cwd=root, capture_output=True)
    assert diff.returncode in (0, 1), diff.stderr
    assert snapshot(root) == before, "--diff wrote files"
    check = qg("fix", *unsafe, "--check", cwd=root)
    assert snapshot(root) == before, "--check wrote files"
    assert check.returncode == (1 if diff.stdout else 0)

    run = qg("fix", *unsafe, cwd=root)
    assert run.returncode in (0, 1), run.stderr
    after = snapshot(root)
    for rel, data in before.items():
        if rel.endswith(".py"):
            sites = [finding_span(data, f) for f in findings.get(rel, []) if f["fixable"]]
            problems = broken(data, after[rel], sites)
            assert not problems, f"{rel}: {problems}\n{after[rel].decode(errors='replace')}"

    rescan, _ = qg.json(cwd=root)
    still_fixable = [f for f in rescan["findings"] if f["fixable"]]
    assert len(still_fixable) == left_fixable(run.stderr), (still_fixable, run.stderr)
    # Like scan, fix fails on findings left, except info-level ones (QG007) alone.
    blocking = [f for f in rescan["findings"] if f["rule"] != "QG007"]
    assert (run.returncode == 0) == (not blocking)

    again = qg("fix", *unsafe, cwd=root)
    assert snapshot(root) == after, "a second fix changed files"
    assert "Nothing fixed." in again.stderr

    patched = root.parent / "patched"
    shutil.rmtree(patched, ignore_errors=True)
    shutil.copytree(root, patched)
    for rel, data in before.items():
        (patched / rel).write_bytes(data)
    p = subprocess.run(["patch", "-p1", "--quiet", "--binary"], cwd=patched, input=diff.stdout, capture_output=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert snapshot(patched) == after, "--diff | patch -p1 differs from what fix wrote"
    return run.stderr


def run_case(qg, tmp_path, name, unsafe):
    root = tmp_path / "case"
    root.mkdir()
    target = root / f"{name}.py"
    target.write_bytes((CASES / f"{name}.py").read_bytes())
    target.chmod(0o640)
    if (CASES / f"{name}.toml").exists():
        shutil.copy(CASES / f"{name}.toml", root / "quotaguard.toml")
        config = (CASES / f"{name}.toml").read_text()
        for package in FACTORIES.iterdir():
            if f'"{package.name}.' in config:
                shutil.copytree(package, root / package.name)
    summary = check_properties(qg, root, ("--unsafe-fixes",) if unsafe else ())
    assert stat.S_IMODE(target.stat().st_mode) == 0o640, "the file mode changed"
    return target.read_bytes(), summary


def expect(path, actual, unchanged=None):
    """`unchanged`: the input, which an absent `path` stands for."""
    if os.environ.get("QG_UPDATE_FIX"):
        if actual == unchanged:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(actual)
    want = path.read_bytes() if unchanged is None or path.exists() else unchanged
    assert actual == want, f"{path.name} differs (QG_UPDATE_FIX=1 to regenerate)"


def test_there_are_enough_cases():
    assert len(NAMES) >= 40


@pytest.mark.parametrize("name", NAMES)
def test_fix_case(qg, tmp_path, name):
    fixed, _ = run_case(qg, tmp_path, name, unsafe=False)
    expect(CASES / f"{name}.fixed.py", fixed, unchanged=(CASES / f"{name}.py").read_bytes())


@pytest.mark.parametrize("name", [n for n in NAMES if (CASES / f"{n}.unsafe.fixed.py").exists()])
def test_fix_case_unsafe(qg, tmp_path, name):
    fixed, _ = run_case(qg, tmp_path, name, unsafe=True)
    expect(CASES / f"{name}.unsafe.fixed.py", fixed)


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("name", PROJECTS)
def test_fix_project(qg, tmp_path, name, unsafe):
    root = tmp_path / "case"
    shutil.copytree(CASES / name, root)
    check_properties(qg, root, ("--unsafe-fixes",) if unsafe else ())
    expected = CASES / f"{name}{'.unsafe' if unsafe else ''}.fixed"
    before, after = snapshot(CASES / name), snapshot(root)
    changed = {path: text for path, text in after.items() if before.get(path) != text}
    if os.environ.get("QG_UPDATE_FIX"):
        shutil.rmtree(expected, ignore_errors=True)
        for path, text in changed.items():
            (expected / path).parent.mkdir(parents=True, exist_ok=True)
            (expected / path).write_bytes(text)
    assert after.keys() == before.keys(), "fix added or removed files"
    assert changed == snapshot(expected), f"{expected.name} differs (QG_UPDATE_FIX=1 to regenerate)"


def test_unsafe_fix_says_what_would_be_lost(qg, tmp_path):
    _, summary = run_case(qg, tmp_path, "unsafe_base_url", unsafe=False)
    assert 'would drop base_url="https://gateway.example.com/v1"' in summary
    assert "1 unsafe (use --unsafe-fixes)" in summary


def test_demo_app(qg, tmp_path):
    root = tmp_path / "demo"
    shutil.copytree(REPO / "fixtures" / "demo", root)
    gateway = (root / "app/services/partner_gateway.py").read_bytes()
    summary = check_properties(qg, root)
    assert (root / "app/services/partner_gateway.py").read_bytes() == gateway
    assert "would drop base_url=settings.partner_gateway_url" in summary
    voice = (root / "app/services/voice_notes.py").read_text()
    assert "_client = get_openai_client()\n" in voice and "from openai import" not in voice


@pytest.mark.parametrize("name, says", [
    ("library_langchain", "would pass http_client=quotaguard.instrument_http_client(httpx.Client()), "
                          "http_async_client=quotaguard.instrument_http_client(httpx.AsyncClient())"),
    ("library_langchain_proxy", "calls `quotaguard.install()` in library_langchain_proxy.py"),
])
def test_library_client_fix_says_what_it_would_do(qg, tmp_path, name, says):
    _, summary = run_case(qg, tmp_path, name, unsafe=False)
    assert says in summary and "unsafe (use --unsafe-fixes)" in summary


def test_explain_library_client_shows_both_fixes(qg):
    out = qg("explain", "QG010", check_exit=0).stdout
    assert "Fixable by `quotaguard fix`: yes." in out
    assert "http_async_client=quotaguard.instrument_http_client(httpx.AsyncClient())" in out
    assert "quotaguard.install()" in out and "--unsafe-fixes" in out
