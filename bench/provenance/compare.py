"""Compare candidates.py's independent list with `quotaguard scan`'s provenance findings, per codebase.

For each directory under ROOT (one codebase each, as bench/qg010/fetch.sh leaves them), the
findings (and vendored findings) of `quotaguard scan --format json --exit-zero` against the
candidates, rule by rule:
  QG001  construct candidates   vs QG001 findings        matched by (file, line)
  QG002  module (+module-bound) vs QG002 findings        matched by (file, line, api)
  QG003  legacy candidates      vs QG003 findings        matched by (file, line)
  API    api (+bound) candidates vs QG004 + QG007        matched by (file, line, api); hits are
         split by the rule that found them (QG007 = found, origin unresolved)
Every MISS (a candidate no finding matches) and FP (a finding no candidate matches) is a
disagreement to read by hand, not yet a verdict: the script keeps no data flow, so a call on a
receiver that is not an OpenAI client (`self.llm.chat.completions.create` on another SDK) is a
candidate, and a client built in a tracking factory is one too. A MISS line names the other
rules the scanner reported on that line, if any.

Usage: compare.py --quotaguard BIN [--json] ROOT
"""
import argparse
import json
import os
import sys
from collections import Counter, defaultdict

from candidates import candidates

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from scan_findings import scan_findings  # noqa: E402

RULES = {  # rule group -> (candidate kinds, finding rules, match on api too)
    "QG001": (("construct",), ("QG001",), False),
    "QG002": (("module", "module-bound"), ("QG002",), True),
    "QG003": (("legacy",), ("QG003",), False),
    "API": (("api", "bound"), ("QG004", "QG007"), True),
}


def match(cands, finds, with_api):
    """Pairs (candidate, finding), candidates unmatched, findings unmatched: (file, line) and, when
    asked, the api must agree; each finding matches at most one candidate."""
    key = (lambda r, f, l, a: (r[f], r[l], r[a])) if with_api else (lambda r, f, l, a: (r[f], r[l]))
    pool = defaultdict(list)
    for f in finds:
        pool[key(f, "path", "line", "api")].append(f)
    pairs, miss = [], []
    for c in cands:
        k = key(c, "file", "line", "api")
        if pool[k]:
            pairs.append((c, pool[k].pop(0)))
        else:
            miss.append(c)
    return pairs, miss, [f for fs in pool.values() for f in fs]


def compare(quotaguard, directory):
    listed = list(candidates(directory))
    findings = scan_findings(quotaguard, directory)
    at_line = defaultdict(list)
    for f in findings:
        at_line[(f["path"], f["line"])].append(f["rule"])
    row = {"codebase": os.path.basename(directory),
           "py": sum(1 for _, _, files in os.walk(directory) for f in files if f.endswith(".py")),
           "unparsed": sum(1 for c in listed if c["kind"] == "unparsed"), "rules": {}}
    for group, (kinds, rules, with_api) in RULES.items():
        cands = [c for c in listed if c["kind"] in kinds]
        finds = [f for f in findings if f["rule"] in rules]
        pairs, miss, fp = match(cands, finds, with_api)
        by_rule = Counter(f["rule"] for _, f in pairs)
        row["rules"][group] = {
            "candidates": len(cands), "findings": len(finds), "hit": len(pairs),
            **({f"hit_{r}": by_rule[r] for r in rules} if len(rules) > 1 else {}),
            **({"bound": sum(1 for c in cands if c["kind"] == kinds[1]),
                "distinctive": sum(1 for c in cands if c.get("distinctive"))} if len(kinds) > 1 else {}),
            "miss": [{"file": c["file"], "line": c["line"], "kind": c["kind"], "api": c["api"], "receiver": c["receiver"],
                      "distinctive": c.get("distinctive"), "other": at_line.get((c["file"], c["line"]), [])}
                     for c in miss],
            "fp": [{"file": f["path"], "line": f["line"], "rule": f["rule"], "api": f["api"]} for f in fp],
        }
    return row


def print_text(row):
    print(f"## {row['codebase']}: py={row['py']} unparsed={row['unparsed']}")
    for group, r in row["rules"].items():
        counts = " ".join(f"{k}={v}" for k, v in r.items() if k not in ("miss", "fp"))
        print(f"  {group}: {counts} miss={len(r['miss'])} fp={len(r['fp'])}")
        for m in r["miss"]:
            other = f" [scanner: {','.join(m['other'])}]" if m["other"] else ""
            generic = "" if m["distinctive"] in (None, True) else " (generic)"
            bound = " (bound)" if m["kind"].endswith("bound") else ""
            print(f"    MISS {m['file']}:{m['line']} {m['api']} on {m['receiver']}{bound}{generic}{other}")
        for f in r["fp"]:
            print(f"    FP   {f['file']}:{f['line']} {f['rule']} {f['api'] or ''}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quotaguard", required=True, help="the quotaguard binary")
    ap.add_argument("--json", action="store_true", help="one JSON object per codebase")
    ap.add_argument("root")
    args = ap.parse_args()
    total = defaultdict(Counter)
    for name in sorted(os.listdir(args.root)):
        directory = os.path.join(args.root, name)
        if name.startswith(".") or not os.path.isdir(directory):
            continue
        row = compare(args.quotaguard, directory)
        for group, r in row["rules"].items():
            total[group].update({k: v for k, v in r.items() if isinstance(v, int)} | {"miss": len(r["miss"]), "fp": len(r["fp"])})
        total["files"].update(py=row["py"], unparsed=row["unparsed"])
        if args.json:
            print(json.dumps(row))
        else:
            print_text(row)
    if not args.json:
        print("## total: " + " ".join(f"{k}={v}" for k, v in total["files"].items()))
        for group in RULES:
            print(f"  {group}: " + " ".join(f"{k}={v}" for k, v in total[group].items()))


if __name__ == "__main__":
    sys.exit(main())
