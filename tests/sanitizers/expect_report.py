"""Fails unless a sanitizer reports a planted defect through the harness given (issue 20).

Usage: expect_report.py REPORT DEFECT -- COMMAND...

COMMAND runs twice, told the defect by the environment (QG_CANARY): first "ok", which must
exit 0 with no sanitizer report (so a harness failing for any other reason cannot pass), then
DEFECT, which must exit non-zero with REPORT in its output.
"""
import os
import subprocess
import sys


def run(cmd: list[str], defect: str) -> tuple[int, str]:
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                       env={**os.environ, "QG_CANARY": defect})
    return p.returncode, p.stdout


def main() -> int:
    args = sys.argv[1:]
    sep = args.index("--")
    (report, defect), cmd = args[:sep], args[sep + 1:]
    code, out = run(cmd, "ok")
    if code != 0 or "Sanitizer" in out:
        print(f"control run (no defect) exited {code}; it must exit 0 with no report:\n{out}", file=sys.stderr)
        return 1
    code, out = run(cmd, defect)
    if code == 0 or report not in out:
        seen = "found" if report in out else "not found"
        print(f"{defect}: the planted defect went unreported (exit {code}, {report!r} {seen}):\n{out}",
              file=sys.stderr)
        return 1
    print(f"{defect}: reported, exit {code}: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
