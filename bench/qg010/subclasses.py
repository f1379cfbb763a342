"""Classes a codebase derives from a constructor in rules/python/library-clients/, and the
calls of each by name anywhere in the codebase: clients built by a subclass, which the table
may need to list (a library's own subclass, imported by users under its own name) or the
scanner must follow (a project's subclass). For reading by hand.

Usage: subclasses.py [--rules RULES.toml|DIR] DIR
"""
import argparse
import ast
import os
import sys

from candidates import RULES, dotted, load_entries, parse, python_files, qualified


def imported_from(tree):
    names = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
            for a in n.names:
                names[a.asname or a.name] = n.module + "." + a.name
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", default=RULES)
    ap.add_argument("dir")
    args = ap.parse_args()
    entries, _ = load_entries(args.rules)
    constructors = {q for q, e in entries.items() if not e.gated}
    trees = {p: t for p in python_files(args.dir) if (t := parse(p)) is not None}
    subclasses = {}  # class name -> (file, base)
    for path, tree in trees.items():
        names = imported_from(tree)
        for n in ast.walk(tree):
            if isinstance(n, ast.ClassDef):
                for b in n.bases:
                    if (q := qualified(b, names)) in constructors:
                        subclasses[n.name] = (os.path.relpath(path, args.dir), q)
    for name, (defined_in, base) in sorted(subclasses.items()):
        calls = [f"{os.path.relpath(p, args.dir)}:{c.lineno}" for p, t in trees.items() for c in ast.walk(t)
                 if isinstance(c, ast.Call) and (d := dotted(c.func)) and d[-1] == name]
        print(f"class {name}({base}) in {defined_in}: {len(calls)} calls {' '.join(calls[:4])}")


if __name__ == "__main__":
    sys.exit(main())
