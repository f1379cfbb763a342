"""What the sanitizer and fuzz runs cover, read from ctest's own listing of this build (issue 20):
a label or an environment variable dropped from tests/**/CMakeLists.txt fails here, where
otherwise the suite would just quietly check less.

- the ASan+UBSan run (`ctest --preset asan`, which excludes the label its filter names) includes
  tracker_python (the package's tests, with the runtime preloaded) and fixtures_clang;
- the TSan test runs every tracker unit test (QG_TSAN_ALL=1), not only the thread test;
- each tracker fuzz target replays its corpus as a test of this build.

Usage: suite_coverage.py SOURCE_DIR BUILD_DIR
"""

import json
import subprocess
import sys
from pathlib import Path

MUST_RUN_UNDER_ASAN = ("tracker_python", "fixtures_clang")
TRACKER_FUZZ_TARGETS = ("tracker_extract", "tracker_config", "pricing")


def main() -> int:
    source, build = Path(sys.argv[1]), Path(sys.argv[2])
    listing = subprocess.run(["ctest", "--test-dir", str(build), "--show-only=json-v1"],
                             capture_output=True, text=True, check=True).stdout
    tests = {t["name"]: {p["name"]: p["value"] for p in t.get("properties", [])}
             for t in json.loads(listing)["tests"]}
    presets = json.loads((source / "CMakePresets.json").read_text())
    asan = next(p for p in presets["testPresets"] if p["name"] == "asan")
    excluded = asan["filter"]["exclude"]["label"]

    problems = []
    for name in MUST_RUN_UNDER_ASAN:
        if name not in tests:
            problems.append(f"{name}: no such test in {build}")
        elif excluded in tests[name].get("LABELS", []):
            problems.append(f"{name}: labelled {excluded!r}, so the ASan run (ctest --preset asan) leaves it out")
    tsan_env = tests.get("tracker_threads_tsan", {}).get("ENVIRONMENT", [])
    if "QG_TSAN_ALL=1" not in tsan_env:
        problems.append(f"tracker_threads_tsan: runs without QG_TSAN_ALL=1 (environment {tsan_env}), "
                        "so TSan sees the thread test alone")
    for target in TRACKER_FUZZ_TARGETS:
        if f"fuzz_replay_{target}" not in tests:
            problems.append(f"fuzz_replay_{target}: the fuzz target's corpus is not replayed by any test")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
