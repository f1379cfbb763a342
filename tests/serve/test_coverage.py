"""The static side beside the traffic: `serve --coverage report.json` shows what the latest
`quotaguard scan --format json` report says the code can bypass (GET /api/v1/coverage, the
dashboard's coverage section); read on every request, so a CI job may replace the file."""
import json
import os
import subprocess

import openapi_check
from conftest import HERE


def _scan_report(quotaguard_cli, tmp_path):
    """A real scan of the bundled demo service (its untracked calls are the findings)."""
    report = tmp_path / "report.json"
    subprocess.run([quotaguard_cli, "scan", os.path.join(HERE, "..", "..", "fixtures", "demo"), "--format", "json",
                    "-o", str(report), "--exit-zero"], check=True, capture_output=True)
    return report, json.loads(report.read_text())


def test_coverage_is_the_scan_reports_and_follows_the_file(workers, serve, quotaguard_cli, tmp_path):
    workers.run(calls=1)
    report, scanned = _scan_report(quotaguard_cli, tmp_path)
    s = serve("--db", workers.db, "--coverage", report)
    api = openapi_check.load(s)
    body = s.json("/api/v1/coverage")
    api.validate("/api/v1/coverage", 200, body)
    assert body["call_sites"] == scanned["coverage"]["call_sites"] and body["clients"] == scanned["coverage"]["clients"]
    assert body["call_sites"]["untracked"] > 0  # the demo has bypasses: this is not an empty report
    assert body["by_family"] == scanned["coverage"]["by_family"]
    assert body["findings_total"] == len(scanned["findings"]) == sum(body["by_rule"].values())
    assert [(f["rule"], f["path"], f["line"]) for f in body["findings"]] == \
        [(f["rule"], f["path"], f["line"]) for f in scanned["findings"]]

    report.write_text("{ not json")  # a CI job half-way through writing it, or a wrong file
    code, _, raw = s.get("/api/v1/coverage")
    err = json.loads(raw)
    assert code == 503 and str(report) in err["error"]["message"] and "not JSON" in err["error"]["message"]
    api.validate("/api/v1/coverage", 503, err)
    report.write_text(json.dumps({"version": 2, "findings": []}))
    code, _, raw = s.get("/api/v1/coverage")
    assert code == 503 and "scan --format json" in json.loads(raw)["error"]["message"]

    scanned["coverage"]["call_sites"]["untracked"] = 0  # the next scan, after the fixes
    report.write_text(json.dumps(scanned))
    assert s.json("/api/v1/coverage")["call_sites"]["untracked"] == 0


def test_without_a_report_the_route_says_how_to_give_one(workers, serve):
    workers.run(calls=1)
    s = serve("--db", workers.db)
    code, _, raw = s.get("/api/v1/coverage")
    err = json.loads(raw)
    assert code == 404 and err["error"]["code"] == "not_configured" and "--coverage" in err["error"]["message"]
    openapi_check.load(s).validate("/api/v1/coverage", 404, err)
