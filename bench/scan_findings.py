"""The findings `quotaguard scan` reports on a directory, read as a user's CI would: its JSON report.

Shared by the measurements under bench/ that hold the scanner against an independent list.
"""
import json
import subprocess
import sys


def scan_findings(quotaguard, directory):
    """Findings and vendored findings of `quotaguard scan --format json --exit-zero DIRECTORY`;
    exits the measurement if the scan itself fails."""
    run = subprocess.run([quotaguard, "scan", "--format", "json", "--exit-zero", directory],
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"quotaguard scan {directory} failed ({run.returncode}): {run.stderr.strip()}")
    report = json.loads(run.stdout)
    return report["findings"] + report.get("vendored_findings", [])
