"""Independent truth for the provenance rules: CPython's own `ast`, sharing no code with the scanner.

Lists, per .py file under DIR, every place an OpenAI client is built or its API is called, as the
source is written (no data flow: a receiver is kept as text, for reading by hand). The data is
the repository's own, read at run time: the client classes (rules/python/clients.toml), the API
catalogue (rules/openai-api-surface.tsv), the response wrappers and distinctive resources
(rules/python/api.toml) and the 0.x module API (rules/python/legacy.toml).

kinds:
  construct  a call of an OpenAI client class, resolved through the file's imports
             (`openai.OpenAI()`, `from openai import AsyncOpenAI as A; A()`)    -> QG001
  module     `openai.<resource>.<method>(...)` on the module-level client      -> QG002
  legacy     `openai.ChatCompletion.create(...)`, the removed 0.x API          -> QG003
  api        `<anything>.<resource>.<method>(...)` for a catalogued resource path and method
             (optionally through with_raw_response / with_streaming_response); `distinctive`
             says whether the resource names only OpenAI (chat.completions, embeddings,
             beta.*, ...) or may be anything (files, models)                    -> QG004 / QG007
  bound      the same path taken as a value and not called there (`create = client.chat.completions.create`,
             `retry(client.embeddings.create, ...)`): issue 12 wants these reported where taken
  module-bound  the same on the module client (`openai.chat.completions.create` passed on)
  unparsed   a file CPython cannot parse (one record per file)
Each record: file, line, col (1-based, of the call's start), kind, api, receiver (source text).

Usage: candidates.py DIR  -> one JSON object per line on stdout
"""
import ast
import csv
import importlib.util
import json
import os
import sys
import tomllib
from pathlib import Path

RULES = Path(__file__).resolve().parents[2] / "rules"
# The file-level reading QG010's measurement already does (imports, parsing, the file walk), loaded
# by path: both directories hold a candidates.py.
_spec = importlib.util.spec_from_file_location("qg010_candidates", Path(__file__).resolve().parents[1] / "qg010" / "candidates.py")
qg010 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(qg010)
imported_names, qualified, python_files, parse = qg010.imported_names, qg010.qualified, qg010.python_files, qg010.parse
DISTINCTIVE_ROOTS = ("beta", "fine_tuning", "audio", "admin")  # whole families that name only OpenAI


class Catalogue:
    def __init__(self, rules=RULES):
        rules = Path(rules)
        with open(rules / "python" / "clients.toml", "rb") as f:
            clients = tomllib.load(f)
        self.package = clients["package"]
        self.classes = set(clients["classes"])
        with open(rules / "python" / "api.toml", "rb") as f:
            api = tomllib.load(f)
        self.wrappers = set(api["response-wrappers"])
        self.distinctive_resources = set(api["distinctive-resources"])
        with open(rules / "python" / "legacy.toml", "rb") as f:
            self.legacy = {name: set(c["methods"]) for name, c in tomllib.load(f)["classes"].items()}
        self.methods = {}  # resource path (without "client.") -> methods
        with open(rules / "openai-api-surface.tsv", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                resource = row["resource_path"].removeprefix("client.")
                self.methods.setdefault(resource, set()).add(row["method"])
        self.longest = max(r.count(".") + 1 for r in self.methods)

    def distinctive(self, resource):
        parts = resource.split(".")
        return parts[0] in DISTINCTIVE_ROOTS or any(
            ".".join(parts[:i]) in self.distinctive_resources for i in range(1, len(parts) + 1))


def chain(node):
    """(base expression, [attr, ...]) for `base.a.b.c`."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return node, parts[::-1]


def api_path(parts, cat):
    """(resource, method, receiver length) when the trailing attributes are a catalogued call."""
    if len(parts) < 2:
        return None
    method, rest = parts[-1], parts[:-1]
    if rest and rest[-1] in cat.wrappers:
        rest = rest[:-1]
    for n in range(min(cat.longest, len(rest)), 0, -1):  # the longest resource path wins
        resource = ".".join(rest[-n:])
        if method in cat.methods.get(resource, ()):
            return resource, method, len(rest) - n
    return None


def classify(call, names, cat):
    func = call.func
    q = qualified(func, names)
    if q in cat.classes:
        return {"kind": "construct", "api": q, "receiver": ast.unparse(func)}
    if not isinstance(func, ast.Attribute):
        return None
    base, parts = chain(func)
    on_module = isinstance(base, ast.Name) and names.get(base.id) == cat.package
    if q and q.startswith(cat.package + "."):
        rest = q.split(".")[1:]
        if len(rest) == 2 and rest[0] in cat.legacy and rest[1] in cat.legacy[rest[0]]:
            return {"kind": "legacy", "api": ".".join(rest), "receiver": cat.package}
    found = api_path(parts, cat)
    if not found:
        return None
    resource, method, receiver_len = found
    if on_module and receiver_len == 0:
        return {"kind": "module", "api": f"{resource}.{method}", "receiver": cat.package,
                "distinctive": cat.distinctive(resource)}
    receiver = base
    for attr in parts[:receiver_len]:
        receiver = ast.Attribute(value=receiver, attr=attr)
    return {"kind": "api", "api": f"{resource}.{method}", "receiver": ast.unparse(receiver),
            "distinctive": cat.distinctive(resource)}


def candidates(root, rules=RULES):
    cat = Catalogue(rules)
    for path in python_files(root):
        rel = os.path.relpath(path, root)
        tree = parse(path)
        if tree is None:
            yield {"file": rel, "kind": "unparsed"}
            continue
        names = imported_names(tree)
        called, inner = set(), set()  # attribute nodes that are called / that a longer chain extends
        for n in ast.walk(tree):
            if isinstance(n, ast.Call):
                called.add(id(n.func))
            elif isinstance(n, ast.Attribute):
                inner.add(id(n.value))
        for n in ast.walk(tree):
            if isinstance(n, ast.Call):
                record = classify(n, names, cat)
            elif (isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load)
                  and id(n) not in called and id(n) not in inner):
                record = classify(ast.Call(func=n, args=[], keywords=[]), names, cat)
                if record and record["kind"] in ("api", "module"):
                    record["kind"] = "bound" if record["kind"] == "api" else "module-bound"
                else:
                    record = None
            else:
                continue
            if record:
                yield {"file": rel, "line": n.lineno, "col": n.col_offset + 1, **record}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for record in sorted(candidates(sys.argv[1]), key=lambda r: (r["file"], r.get("line", 0), r.get("col", 0))):
        print(json.dumps(record))


if __name__ == "__main__":
    sys.exit(main())
