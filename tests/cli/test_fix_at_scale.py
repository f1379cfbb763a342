"""`quotaguard fix --unsafe-fixes` on real code at scale: this machine's Python standard library
(of the interpreter running the tests) with OpenAI constructions and module-client calls
injected at random statement positions by a seeded generator (tests/support/inject_openai.py),
plus every Python fixture. Every file must keep the promises of tests/support/fix_invariants.py
(what compiled still compiles; no byte changes outside the fixed sites and the imports), and a
second run must change nothing. Its own ctest (fix_at_scale); excluded from `cli`."""
import os
import random
import shutil
import sysconfig
from pathlib import Path

from conftest import REPO
from fix_invariants import broken, finding_span
from inject_openai import inject

SEED = 19
PER_FILE = 3
# The sanitizer pass (CMakePresets.json's asan test preset) takes every SHARE-th standard-library
# file: the same checks on a third of the files, since ASan at -O1 makes each run six times slower.
SHARE = int(os.environ.get("QG_FIX_AT_SCALE_SHARE", "1"))
CONFIG = """[factory]
sync = "app.factory:get_openai_client"
async = "app.factory:get_async_openai_client"
azure = "app.factory:get_azure_client"
async-azure = "app.factory:get_async_azure_client"
pass-arguments = false
"""
# The module the config names (scan refuses a config naming a factory the project lacks).
FACTORY = """from openai import AsyncAzureOpenAI, AsyncOpenAI, AzureOpenAI, OpenAI


def get_openai_client():
    return OpenAI()


def get_async_openai_client():
    return AsyncOpenAI()


def get_azure_client():
    return AzureOpenAI()


def get_async_azure_client():
    return AsyncAzureOpenAI()
"""


def snapshot(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def build_corpus(root):
    """Returns (files, bytes, injected statements)."""
    rng = random.Random(SEED)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    injected = 0
    for i, src in enumerate(sorted(stdlib.rglob("*.py"))):
        rel = src.relative_to(stdlib)
        if rel.parts[0] in ("site-packages", "dist-packages") or i % SHARE:
            continue
        data = src.read_bytes()
        try:
            text, n = inject(data.decode("utf-8"), rng, PER_FILE)
            data, injected = text.encode("utf-8"), injected + n
        except UnicodeDecodeError:
            pass
        (root / "stdlib" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "stdlib" / rel).write_bytes(data)
    for src in sorted((REPO / "fixtures").rglob("*.py")):
        if not src.name.endswith(".fixed.py"):
            dest = root / "fixtures" / src.relative_to(REPO / "fixtures")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
    (root / "quotaguard.toml").write_text(CONFIG)
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "factory.py").write_text(FACTORY)
    files = list(root.rglob("*.py"))
    return len(files), sum(f.stat().st_size for f in files), injected


def test_fix_keeps_its_promises_on_the_standard_library(qg, tmp_path, capsys):
    root = tmp_path / "corpus"
    files, size, injected = build_corpus(root)
    assert injected > 1000 // SHARE, "the generator injected too little to mean anything"
    before = snapshot(root)
    # ~1,300 files: under ASan, on a shared 2-core machine, a run takes minutes.
    scan, _ = qg.json(root, timeout=600)
    sites = {}
    for f in scan["findings"]:
        if f["fixable"]:
            sites.setdefault(f["path"], []).append(finding_span(before[f["path"]], f))

    run = qg("fix", "--unsafe-fixes", root, timeout=600)
    assert run.returncode in (0, 1), run.stderr
    after = snapshot(root)
    assert after.keys() == before.keys()
    changed = [rel for rel in before if before[rel] != after[rel]]
    problems = {}
    for rel in changed:
        if found := broken(before[rel], after[rel], sites.get(rel, [])):
            problems[rel] = found
    assert not problems, f"{len(problems)} files broke a promise; the first: {next(iter(problems.items()))}"
    assert len(changed) > 500 // SHARE

    again = qg("fix", "--unsafe-fixes", root, timeout=600)
    assert "Nothing fixed." in again.stderr, again.stderr
    assert snapshot(root) == after, "a second fix changed files"
    with capsys.disabled():
        print(f"\nfix at scale: {files} files, {size // 1024} KiB, {injected} injected statements, "
              f"{sum(len(s) for s in sites.values())} fixable findings, {len(changed)} files fixed; "
              f"{run.stderr.strip().splitlines()[0]}")
