"""One live state for the worker processes of a host (issue 17, docs/shared-state.md): real
processes, each with the real openai SDK on a quotaguard client, sharing one config and history
db, against the loopback fake. Each test also runs the same traffic with
`tracker.share = "process"` (each worker on its own, as before) where that must break the
promise, so the test is seen to be able to fail."""
from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from conftest import PINNED_INSTANT, iso_ms

HERE = Path(__file__).resolve().parent
WORKER = HERE / "shared_worker.py"


class Workers:
    """Worker processes (shared_worker.py) started together, released at once by a go file."""

    _made = itertools.count()

    def __init__(self, tmp: Path, base_url: str, config: Path):
        self.tmp, self.base_url, self.config = tmp, base_url, config
        self.procs: dict[str, subprocess.Popen] = {}
        self.go = tmp / f"go-{next(Workers._made)}"

    def start(self, key: str, calls: int, workspace: str = "default", gated: bool = True) -> subprocess.Popen:
        env = dict(os.environ, QG_WORKSPACE=workspace, QG_TEST_CLOCK_MS=str(iso_ms(PINNED_INSTANT)))
        args = [sys.executable, str(WORKER), str(self.config), self.base_url, key, str(calls)]
        p = subprocess.Popen(args + ([str(self.go)] if gated else []), env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        ready = p.stdout.readline()
        assert ready.startswith('{"ready"'), ready + p.stderr.read()
        self.procs[key] = p
        return p

    def release(self) -> None:
        self.go.touch()

    def finish(self, key: str) -> dict:
        """The worker's last counts, once it exited 0."""
        p = self.procs.pop(key)
        # Not communicate(): it reads the pipe itself, missing lines that start()'s readline()
        # already buffered (a worker that is not gated may be done by then).
        out = p.stdout.read()
        err = p.stderr.read()
        assert p.wait(timeout=120) == 0, err
        return json.loads(out.strip().splitlines()[-1])

    def finish_all(self) -> dict[str, dict]:
        return {k: self.finish(k) for k in list(self.procs)}

    def kill_all(self) -> None:
        for p in self.procs.values():
            p.kill()
            p.wait()


def write_config(tmp: Path, share: str, extra: str = "") -> Path:
    cfg = tmp / "quotaguard.toml"
    cfg.write_text(f'[tracker]\ndb = "{tmp / "history.db"}"\nshare = "{share}"\nflush_interval_ms = 100\n'
                   f'[alerts]\njsonl = "{tmp / "alerts.jsonl"}"\n{extra}')
    return cfg


# The workers' clocks start at PINNED_INSTANT (23:58 UTC) and each test ends well within its day.
STATUS_NOW = "2024-02-29T23:59:30Z"


def status_json(cli: str, tmp: Path) -> tuple[int, dict]:
    r = subprocess.run([cli, "status", "--db", str(tmp / "history.db"), "--format", "json", "--now", STATUS_NOW],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, json.loads(r.stdout)


def alerts(tmp: Path, status: str) -> Counter:
    """Status alerts that announced `status`, counted per workspace ("*": everything), from the
    alerts JSONL every worker appends to."""
    path = tmp / "alerts.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return Counter(a["workspace"] for a in map(json.loads, lines) if a["kind"] == "status" and a["status"] == status)


def one_alert_each(tmp: Path, status: str) -> bool:
    """One alert per entity for the host, not one per worker."""
    seen = alerts(tmp, status)
    return seen["*"] == 1 and set(seen.values()) == {1}


WORKERS, BUDGET, CALLS = 4, 60, 40  # 4 x 40 calls against a day budget of 60


@pytest.mark.parametrize("share", ["host", "process"])
def test_fleet_budget_holds_across_worker_processes(tmp_path, server, quotaguard_cli, share):
    """Four workers at once against one day budget: the host lets through at most the budget plus
    the calls in flight when it is crossed (one per other worker: each sends one at a time)."""
    cfg = write_config(tmp_path, share, f"[budgets.global]\nrequests_per_day = {BUDGET}\n")
    w = Workers(tmp_path, server.base_url, cfg)
    for i in range(WORKERS):
        w.start(f"sk-worker-{i}", CALLS)
    w.release()
    counts = w.finish_all()
    sent = server.bill.requests
    assert sum(c["ok"] for c in counts.values()) == sent
    if share == "process":  # each worker has its own 60: every call goes out
        assert sent == WORKERS * CALLS
        return
    assert BUDGET <= sent <= BUDGET + WORKERS - 1, counts
    assert sum(c["blocked"] for c in counts.values()) == WORKERS * CALLS - sent
    code, st = status_json(quotaguard_cli, tmp_path)
    assert code == 1 and st["source"] == "shared"
    everything = next(e for e in st["workspaces"] if e["workspace"] == "*")
    assert everything["status"] == "exhausted" and everything["budget_exhausted"] == "requests_per_day"
    assert everything["used"]["day"]["requests"] == sent  # every answered call counted once
    assert one_alert_each(tmp_path, "exhausted"), alerts(tmp_path, "exhausted")


@pytest.mark.parametrize("share", ["host", "process"])
def test_quota_error_seen_by_one_worker_blocks_every_worker(tmp_path, server, quotaguard_cli, share):
    """One worker meets the first insufficient_quota; the others (already running) and a worker
    started afterwards send nothing more; a restart keeps it; one alert for the host."""
    cfg = write_config(tmp_path, share)
    server.set(quota_after=5)
    first = Workers(tmp_path, server.base_url, cfg)
    first.start("sk-first", 6, gated=False)
    assert first.finish("sk-first") == {"ok": 5, "blocked": 0, "quota": 1, "other": 0}
    seen = server.bill.requests

    others = Workers(tmp_path, server.base_url, cfg)
    for i in range(3):
        others.start(f"sk-other-{i}", 3)
    others.release()
    counts = others.finish_all()
    late = Workers(tmp_path, server.base_url, cfg)  # started after the exhaustion (a restart too)
    late.start("sk-late", 2, gated=False)
    counts["sk-late"] = late.finish("sk-late")
    if share == "process":  # each worker learns it from its own 429
        assert server.bill.requests == seen + 4
        return
    assert server.bill.requests == seen, counts  # not one more request reached the API
    assert all(c["ok"] == c["quota"] == c["other"] == 0 for c in counts.values()), counts
    assert sum(c["blocked"] for c in counts.values()) == 3 * 3 + 2
    code, st = status_json(quotaguard_cli, tmp_path)
    assert code == 1
    by_name = {e["workspace"]: e for e in st["workspaces"]}
    assert by_name["account:primary"]["status"] == "exhausted"
    assert by_name["account:primary"]["api"]["code"] == "insufficient_quota"
    # Announced by the worker that met it, or by an evaluation of another that took it in: the
    # reason is the API's error either way.
    assert by_name["*"]["status"] == "exhausted" and by_name["*"]["reason"] == "insufficient_quota"
    assert one_alert_each(tmp_path, "exhausted"), alerts(tmp_path, "exhausted")


def test_quota_error_under_concurrent_traffic(tmp_path, server, quotaguard_cli):
    """Four workers at once when the account runs dry: each may have one call in flight when the
    first 429 is answered, or send one before the worker that got it has flipped the host's
    state; after that, nothing more reaches the API. The figures are printed."""
    cfg = write_config(tmp_path, "host")
    server.set(quota_after=30)
    w = Workers(tmp_path, server.base_url, cfg)
    for i in range(WORKERS):
        w.start(f"sk-worker-{i}", 25)
    w.release()
    counts = w.finish_all()
    quota_answers = sum(c["quota"] for c in counts.values())
    first = server.bill.first_quota_ns
    after = [sent for arrived, sent, *_ in server.bill.arrivals if arrived > first]
    sent_after = sum(1 for sent in after if sent > first)
    print(f"\nquota answers after the account ran dry, {WORKERS} workers on one host: {quota_answers}; "
          f"requests that reached the API after its first quota error: {len(after)}, "
          f"{len(after) - sent_after} sent before it (in flight), {sent_after} after it")
    assert server.bill.requests == 30 + quota_answers
    assert 1 <= quota_answers <= WORKERS  # at most the calls already in flight: one per worker
    assert all(sent > 0 for sent in after)  # (every request says when it left)
    # Sent after the fake answered its first quota error, before the worker that got it had read
    # it and flipped the host's state (a few hundred µs on a loaded machine): at most one from
    # each other worker, whose own 429 then blocks it. (5 runs, 2 shared cores: 2, 2, 0, 2, 1.)
    assert sent_after <= WORKERS - 1
    assert one_alert_each(tmp_path, "exhausted"), alerts(tmp_path, "exhausted")


def test_kill_9_leaves_the_others_exact_and_the_state_usable(tmp_path, server, quotaguard_cli):
    """A worker killed with SIGKILL in the middle of its traffic: the survivors' counts in the
    shared state equal what the API billed them, to the request; the state takes new work."""
    cfg = write_config(tmp_path, "host")
    w = Workers(tmp_path, server.base_url, cfg)
    victim = w.start("sk-victim", -1, workspace="victim")
    for i in range(2):
        w.start(f"sk-steady-{i}", 60, workspace=f"steady{i}")
    w.release()
    for _ in range(20):  # well into its traffic
        assert victim.stdout.readline()
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    w.procs.pop("sk-victim")
    counts = w.finish_all()
    bill = dict(server.bill.keys)
    assert {k: c["ok"] for k, c in counts.items()} == {k: bill[k] for k in counts}

    again = Workers(tmp_path, server.base_url, cfg)
    again.start("sk-after", 5, workspace="steady0", gated=False)
    assert again.finish("sk-after")["ok"] == 5
    code, st = status_json(quotaguard_cli, tmp_path)
    assert code == 0
    used = {e["workspace"]: e["used"]["day"]["requests"] for e in st["workspaces"]}
    assert used["steady0"] == bill["sk-steady-0"] + 5
    assert used["steady1"] == bill["sk-steady-1"]
    # The victim's last call may have been answered and never recorded (killed in between).
    assert bill["sk-victim"] - 1 <= used["victim"] <= bill["sk-victim"]


def test_status_db_reads_the_live_state(tmp_path, server, quotaguard_cli):
    """`status --db` answers from the shared state while workers run (not whichever wrote last),
    and from the history's status table when the tracker keeps per-process state."""
    cfg = write_config(tmp_path, "host", "[budgets.workspace]\nrequests_per_day = 1000\n")
    w = Workers(tmp_path, server.base_url, cfg)
    w.start("sk-a", 3, workspace="acme", gated=False)
    w.finish("sk-a")
    code, st = status_json(quotaguard_cli, tmp_path)
    assert code == 0 and st["source"] == "shared"
    assert st["shared_state"] == str(tmp_path / "history.db") + ".state"
    acme = next(e for e in st["workspaces"] if e["workspace"] == "acme")
    assert acme["status"] == "normal" and acme["used"]["day"]["requests"] == 3
    assert acme["used"]["day"]["tokens"] > 0 and acme["used"]["month"]["requests"] == 3

    per_process = tmp_path / "solo"
    per_process.mkdir()
    cfg2 = write_config(per_process, "process")
    w2 = Workers(per_process, server.base_url, cfg2)
    w2.start("sk-b", 2, gated=False)
    w2.finish("sk-b")
    assert not (per_process / "history.db.state").exists()
    code, st = status_json(quotaguard_cli, per_process)
    assert code == 0 and st["source"] == "history"
