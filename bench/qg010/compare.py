"""Compare candidates.py's independent list with `quotaguard scan`'s QG010 findings, per codebase.

For each directory under ROOT (one codebase each, as fetch.sh leaves them): the QG010 findings
(findings and vendored findings of `quotaguard scan --format json --exit-zero`) against the
calls candidates.py expects. Every MISS (expected, not reported) and FP (reported, not
expected) is a disagreement to read by hand: the script is a second opinion, not the truth
(it cannot read a file CPython cannot parse, nor follow a class through a function).

Usage: compare.py --quotaguard BIN [--rules RULES.toml|DIR] [-v] [--json] ROOT
  -v      also list the gated, handed and unlisted calls (for reading by hand)
  --json  one JSON object per codebase instead of text
"""
import argparse
import json
import os
import sys
from collections import Counter

from candidates import RULES, candidates

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from scan_findings import scan_findings  # noqa: E402

KINDS = ("expect", "gated", "handed", "unlisted", "unparsed")


def qg010_findings(quotaguard, directory):
    return {(f["path"], f["line"]) for f in scan_findings(quotaguard, directory) if f["rule"] == "QG010"}


def compare(quotaguard, directory, rules):
    listed = list(candidates(directory, rules))
    found = qg010_findings(quotaguard, directory)
    expected = {(c["file"], c["line"]): c for c in listed if c["kind"] == "expect"}
    others = {(c["file"], c.get("line")): c for c in listed if c["kind"] != "expect"}
    counts = Counter(c["kind"] for c in listed)
    return {
        "codebase": os.path.basename(directory),
        "py": sum(1 for _, _, files in os.walk(directory) for f in files if f.endswith(".py")),
        "candidates": len(expected),
        "qg010": len(found),
        "hit": len(found & expected.keys()),
        **{k: counts[k] for k in KINDS if k != "expect"},
        "miss": [[*at, expected[at]["name"]] for at in sorted(expected.keys() - found)],
        "fp": [[*at, others.get(at, {}).get("kind"), others.get(at, {}).get("name")] for at in sorted(found - expected.keys())],
        "listed": [c for c in listed if c["kind"] in ("gated", "handed", "unlisted")],
    }


def print_text(row, verbose):
    print(f"## {row['codebase']}: py={row['py']} candidates={row['candidates']} qg010={row['qg010']} hit={row['hit']} "
          + " ".join(f"{k}={row[k]}" for k in KINDS if k != "expect"))
    for path, line, name in row["miss"]:
        print(f"  MISS {path}:{line} {name}")
    for path, line, kind, name in row["fp"]:
        print(f"  FP   {path}:{line} {kind or ''} {name or ''}")
    if verbose:
        for c in row["listed"]:
            print(f"    {c['kind']} {c['file']}:{c.get('line')} {c.get('name')} {c.get('model') or ''}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quotaguard", required=True, help="the quotaguard binary")
    ap.add_argument("--rules", default=RULES, help="the table (default: the repository's)")
    ap.add_argument("-v", action="store_true", dest="verbose")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("root")
    args = ap.parse_args()
    total = Counter()
    for name in sorted(os.listdir(args.root)):
        directory = os.path.join(args.root, name)
        if name.startswith(".") or not os.path.isdir(directory):
            continue
        row = compare(args.quotaguard, directory, args.rules)
        total.update({k: row[k] for k in ("py", "candidates", "qg010", "hit")} | {"miss": len(row["miss"]), "fp": len(row["fp"])})
        if args.json:
            print(json.dumps(row))
        else:
            print_text(row, args.verbose)
    if not args.json:
        print("## total: " + " ".join(f"{k}={total[k]}" for k in ("py", "candidates", "qg010", "hit", "miss", "fp")))


if __name__ == "__main__":
    sys.exit(main())
