"""The dashboard in a real browser: Debian's chromium driven by Playwright (never a downloaded
browser) against `quotaguard serve` while worker processes send traffic through the real SDK.
The page shows the usage the API counts; when the fake starts answering 429 insufficient_quota
the banner turns red, and an SSE client and a webhook receiver get the event. The delays from the
fake's first 429 are measured (monotonic clock of this process) and printed, not asserted."""
import http.server
import json
import os
import threading
import time

import pytest
from playwright.sync_api import sync_playwright

from conftest import wait_for
from sse_client import SseClient

CHROMIUM = "/usr/bin/chromium"


class WebhookReceiver:
    def __init__(self):
        self.received = []  # (monotonic_ns, body)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                outer.received.append((time.monotonic_ns(), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: scripts/setup installs Debian's chromium")
    # The browser must not inherit a sanitizer preload meant for the Python module.
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], env=env)
        yield b
        b.close()


def _shots_dir(tmp_path):
    return os.environ.get("QG_SERVE_SCREENSHOTS") or str(tmp_path)


def test_dashboard_turns_red_with_the_api_and_shows_the_usage(fake, workers, serve, browser, tmp_path):
    hook = WebhookReceiver()
    config = tmp_path / "tracker.toml"
    config.write_text(f'[budgets.workspaces.acme]\nrequests_per_day = 400\n[budgets.global]\nusd_per_day = 2\n'
                      f'[alerts]\nwebhook = "{hook.url}"\n')
    try:
        workers.run(workspace="acme", calls=1, config=config)
        s = serve("--db", workers.db, "--config", config, "--poll-ms", "50", "--heartbeat-ms", "500")
        for ws, model in (("acme", "gpt-4o"), ("beta", "gpt-4o-mini"), ("acme", "gpt-4o-mini")):
            workers.start(workspace=ws, model=model, config=config, until_killed=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(s.url + "/")
        page.wait_for_selector('#connection[data-state="open"]')
        page.wait_for_selector('.banner[data-workspace="*"][data-status="normal"]')
        page.wait_for_selector('#usage-model tr[data-key="gpt-4o-mini"]')
        page.wait_for_selector('#budgets tr[data-workspace="acme"]')
        wait_for(lambda: page.locator("#rate rect").count() > 0)
        page.screenshot(path=os.path.join(_shots_dir(tmp_path), "serve-dashboard.png"), full_page=True)

        sse = SseClient(s.url + "/api/v1/events")
        wait_for(lambda: sse.of("hello"))
        fake.set(mode="quota")
        page.wait_for_selector('.banner[data-workspace="*"][data-status="exhausted"]', timeout=20000)
        banner_ns = time.monotonic_ns()
        first = fake.bill.first_quota_ns
        assert first, "the fake never answered insufficient_quota"
        sse_event = wait_for(lambda: [e for e in sse.of("status") if e["data"]["workspace"] == "*"
                                      and e["data"]["status"] == "exhausted"])[0]
        webhook = wait_for(lambda: [r for r in hook.received if "insufficient_quota" in json.dumps(r[1])])[0]
        sse.close()
        assert page.locator('.banner[data-workspace="*"] .why').inner_text() != ""
        wait_for(lambda: page.locator('#alerts li[data-kind="status"]').count() > 0)
        figures = {"banner_red_ms": (banner_ns - first) / 1e6, "sse_status_ms": (sse_event["received_ns"] - first) / 1e6,
                   "webhook_ms": (webhook[0] - first) / 1e6}
        print("\nfrom the fake's first insufficient_quota:", json.dumps(figures))
        assert min(figures.values()) > 0  # each came after the 429 it reports (one clock)
        page.screenshot(path=os.path.join(_shots_dir(tmp_path), "serve-dashboard-exhausted.png"), full_page=True)

        workers.stop_all()
        # What the page shows is what the API counts, which is what the fake billed.
        total = wait_for(lambda: (u := s.json("/api/v1/quota/usage?by=model&since=today"))["total"]["requests"]
                         == fake.bill.snapshot()["requests"] and u)
        for row in total["rows"]:
            cell = page.locator(f'#usage-model tr[data-key="{row["key"]}"] td.requests')
            wait_for(lambda: cell.inner_text().replace(",", "") == str(int(row["requests"])))
        # And by API key: the workers' one key, by its label (never the key).
        by_key = page.locator('#usage-key tr[data-key="sk-serve-...(short)"] td.requests')
        wait_for(lambda: by_key.inner_text().replace(",", "") == str(int(total["total"]["requests"])))
        assert "SECRET" not in page.content()
    finally:
        hook.close()


def test_the_page_shows_what_the_code_can_bypass_beside_the_traffic(workers, serve, browser, quotaguard_cli, tmp_path):
    """serve --coverage: the scan report's coverage on the page, next to the live usage."""
    from test_coverage import _scan_report

    report, scanned = _scan_report(quotaguard_cli, tmp_path)
    workers.run(workspace="acme", calls=2)
    s = serve("--db", workers.db, "--coverage", report)
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    page.goto(s.url + "/")
    page.wait_for_selector("#coverage:not([hidden]) #coverage-summary[data-percent]")
    summary = page.locator("#coverage-summary")
    assert float(summary.get_attribute("data-percent")) == scanned["coverage"]["call_sites"]["percent"]
    assert f"{len(scanned['findings'])} findings" in summary.inner_text()
    assert page.locator("#coverage-findings tbody tr").count() == len(scanned["findings"])
    untracked = [f["family"] for f in scanned["coverage"]["by_family"] if f["call_sites"]["untracked"]]
    for family in untracked:
        assert page.locator(f'#coverage-family tr[data-family="{family}"]').get_attribute("data-untracked") != "0"
    page.wait_for_selector('#usage-model tr[data-key="gpt-4o"]')  # the traffic on the same screen
    page.screenshot(path=os.path.join(_shots_dir(tmp_path), "serve-dashboard-coverage.png"), full_page=True)
    # Without a report the section stays hidden.
    plain = serve("--db", workers.db)
    page.goto(plain.url + "/")
    page.wait_for_selector('#usage-model tr[data-key="gpt-4o"]')
    assert page.locator("#coverage").is_hidden()


def test_the_page_shows_dark_traffic_beside_the_tracked(fake, workers, serve, browser, tmp_path):
    """serve --reconcile: the billed tokens no tracked client sent, on the page, named by key."""
    from test_reconcile import UNTRACKED_KEY, _reconcile, _untracked_traffic

    fake.key_names[UNTRACKED_KEY] = "batch-jobs"
    workers.run(workspace="acme", model="gpt-4o", calls=2)
    s = _reconcile(serve, workers, fake, "--dark-traffic-tokens", "1")
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    page.goto(s.url + "/")
    page.wait_for_selector('#reconciliation:not([hidden]) #reconciliation-summary[data-state="ok"]')
    untracked = _untracked_traffic(fake)
    # The dark-traffic alert makes the page re-read the reconciliation.
    page.wait_for_selector('#alerts li[data-kind="dark_traffic"]', timeout=20000)
    summary = page.locator("#reconciliation-summary")
    wait_for(lambda: summary.get_attribute("data-untracked") == str(sum(untracked.values())))
    assert summary.get_attribute("data-state") == "dark" and "Runtime coverage" in summary.inner_text()
    row = page.locator('#reconciliation-models tr[data-model="gpt-4o"]')
    assert row.get_attribute("data-untracked") == str(untracked["gpt-4o"])
    assert "batch-jobs (sk-...CRET)" in row.inner_text()  # the key by the name a person gave it
    page.screenshot(path=os.path.join(_shots_dir(tmp_path), "serve-dashboard-dark-traffic.png"), full_page=True)
    # Without --reconcile the section stays hidden.
    plain = serve("--db", workers.db)
    page.goto(plain.url + "/")
    page.wait_for_selector('#usage-model tr[data-key="gpt-4o"]')
    assert page.locator("#reconciliation").is_hidden()
