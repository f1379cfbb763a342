"""Independent truth for QG010: CPython's own `ast`, sharing no code with the scanner.

Lists every call of an entry point named in rules/python/library-clients/ (the repository's
own tables, read at run time), resolved through the file's imports (anywhere in the file), and
classifies each one:
  expect    a constructor, or a model-gated entry point given a literal OpenAI model (by its
            `model-keyword`, or argument 0 where it has none, or its `model-position`), or given no model
            (or `None`, and no `**` splat) where its `default-model` is one, unless written in a
            list handed to a `default-unless-in` keyword or as the first argument of a
            `default-unless-first` callable; handed no `tracked-by` keyword (or only a plain
            `httpx.Client()` / `httpx.AsyncClient()`)
  handed    passes a `tracked-by` keyword with anything else (not expected)
  gated     model-gated with a model that is not an OpenAI literal (a variable, another provider;
            under its `model-keys` of a dict literal where it has them), or a call not handed
            `True` or a non-empty list literal under any of its `built-when` keywords;
            a `judges` call naming, as written in its own arguments, no `judged` evaluator
            handed nothing under its keyword
  raises    a `keyword-only` table's own class handed a positional argument: a TypeError, no client
  unlisted  a call into a table's package whose last name mentions OpenAI / LLM / completion /
            embedding but that the table does not list: for reading by hand (possible data misses)
  unparsed  a file CPython cannot parse (one record per file)
A call of a project class derived (by the file's imports, directly or through another such
class) from an entry point counts as that entry point, where the file defines the class or
imports it by name from the project.

Usage: candidates.py [--rules RULES.toml|DIR] DIR  -> one JSON object per line on stdout
"""
import argparse
import ast
import json
import os
import re
import sys
import tomllib
from pathlib import Path

RULES = Path(__file__).resolve().parents[2] / "rules" / "python" / "library-clients"
PLAIN_HTTP_CLIENTS = ("httpx.Client", "httpx.AsyncClient")
SUSPECT = re.compile(r"openai|^LLM$|^LM$|completion|embedding|from_provider|init_chat_model", re.I)


class Entry:
    def __init__(self, table, gated, models, tracked_by, t=None):
        self.table, self.gated, self.models, self.tracked_by = table, gated, models, tracked_by
        t = t or {}
        self.keyword = t.get("model-keyword", "model")
        self.aliases = t.get("model-aliases", [])
        self.position = 0 if "model-keyword" not in t else t.get("model-position", -1)
        self.default = t.get("default-model", "")
        self.keys = t.get("model-keys", [])
        self.enums = t.get("model-enums", [])
        self.provider_keywords = t.get("provider-keywords", [])
        self.built_when = t.get("built-when", {})
        self.unless_in = t.get("default-unless-in", []) + ["0:" + q for q in t.get("default-unless-first", [])]


def load_entries(rules_path):
    """qualified name -> Entry, and package -> table id, from one table file or a folder of them."""
    rules_path = Path(rules_path)
    rules = {}
    for path in sorted(rules_path.glob("*.toml")) if rules_path.is_dir() else [rules_path]:
        with open(path, "rb") as f:
            rules.update(tomllib.load(f))
    entries, packages = {}, {}
    for table, t in rules.items():
        packages.setdefault(t["package"], table)
        for q in t.get("constructors", []):
            entries[q] = Entry(table, False, [], t.get("tracked-by", []))
            entries[q].keyword_only = t.get("keyword-only", False)
        # A defaults slot's `builds`: calls that build the library's default client unless handed
        # one of the slot's keywords (Haystack's evaluators, LangChain's embedding distance).
        for slot in t.get("defaults", {}).values():
            for q in slot.get("builds", []):
                entries[q] = Entry(table, False, [], slot.get("keywords", []))
        # `judges`: evaluator loaders that build what a `judged` evaluator needs, handed none.
        for judge in t.get("judges", {}).values():
            for q in judge["names"]:
                entries[q] = Entry(table, False, [], [])
                entries[q].judge = (judge, t.get("judged", {}), t.get("judged-enums", []))
        for q in t.get("model-gated", []):
            entries[q] = Entry(table, True, t.get("openai-models", []), t.get("tracked-by", []), t)
    return entries, packages


def dotted(node):
    """["a", "b", "c"] for `a.b.c`; None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id] + parts[::-1]
    return None


def imported_names(tree):
    """Local name -> qualified name, for every absolute import in the file."""
    names = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            for a in n.names:
                if a.asname:
                    names[a.asname] = a.name
                else:
                    top = a.name.split(".")[0]
                    names[top] = top
        elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
            for a in n.names:
                names[a.asname or a.name] = n.module + "." + a.name
    return names


def qualified(node, names):
    d = dotted(node)
    if not d or d[0] not in names:
        return None
    return ".".join([names[d[0]]] + d[1:])


def model_argument(call, entry):
    m = None
    for keyword in [entry.keyword] + entry.aliases:
        for k in call.keywords:
            if k.arg == keyword and m is None:
                m = k.value
    if m is None and 0 <= entry.position < len(call.args):
        m = call.args[entry.position]
    return m


def keyed_models(m, entry):
    """`model-keys`: what a dict literal holds under each dotted path (its `default-model` where
    the literal lacks a step); None where `m` is not a dict literal."""
    out = []
    for path in entry.keys:
        v = m
        for step in path.split("."):
            if not isinstance(v, ast.Dict):
                return None
            v = next((val for k, val in zip(v.keys, v.values) if isinstance(k, ast.Constant) and k.value == step), None)
            if v is None:
                v = ast.Constant(value=entry.default) if entry.default else ast.Name(id="<absent>")
                break
        out.append(v)
    return out


def builds_at_all(call, entry):
    """`built-when`: a keyword handed `True` or a non-empty list literal, not every keyword that
    would give the call what it builds."""
    if not entry.built_when:
        return True
    passed = {k.arg for k in call.keywords}
    for keyword, unless in entry.built_when.items():
        v = next((k.value for k in call.keywords if k.arg == keyword), None)
        something = (isinstance(v, ast.Constant) and v.value is True) or (
            isinstance(v, (ast.List, ast.Tuple, ast.Set)) and v.elts)
        if something and not (unless and all(u in passed for u in unless)):
            return True
    return False


def hands_no_model(call, entry):
    m = model_argument(call, entry)
    if m is not None:
        return isinstance(m, ast.Constant) and m.value is None
    return not any(k.arg is None for k in call.keywords) and not (
        entry.position >= 0 and any(isinstance(a, ast.Starred) for a in call.args[:entry.position + 1]))


def python_files(root):
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()  # a class name defined twice resolves the same way on every machine
        for f in sorted(files):
            if f.endswith(".py"):
                yield os.path.join(dirpath, f)


def parse(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return ast.parse(f.read())
    except (SyntaxError, ValueError):
        return None


def derived_classes(trees, entries):
    """Project class name -> the entry point it derives from (through project classes too)."""
    derived = {}
    for tree in trees.values():
        if tree is None:
            continue
        names = imported_names(tree)
        for n in ast.walk(tree):
            if not isinstance(n, ast.ClassDef):
                continue
            for b in n.bases:
                q = qualified(b, names)
                d = dotted(b)
                if q in entries:
                    derived[n.name] = q
                elif d and len(d) == 1 and d[0] in derived:
                    derived[n.name] = derived[d[0]]
    return derived


def plain_http_client(value, names):
    """`httpx.Client()` / `httpx.AsyncClient()` as written: handed over, but untracked."""
    return isinstance(value, ast.Call) and qualified(value.func, names) in PLAIN_HTTP_CLIENTS


def judge_builds(call, entry, names):
    """A `judges` call: whether it names a judged evaluator (a string, an enum member, a
    configuration in its list, an evaluator object or class of the library's) handed nothing
    under one of that evaluator's keywords; handed no evaluators, its `defaults`. Only what is
    written in the call itself is read."""
    judge, judged, enums = entry.judge
    position = judge.get("position", -1)
    parameters = judge.get("parameters", [])
    arg = next((k.value for k in call.keywords if k.arg == judge["evaluator"]), None)
    if arg is None and 0 <= position < len(call.args):
        arg = call.args[position]
    takes = judge.get("takes")

    def handed(call, keyword, own=False):
        if not own and takes is not None:
            keyword = takes.get(keyword)
        if not own and keyword in parameters and parameters.index(keyword) < len(call.args):
            return True
        for k in call.keywords:
            if k.arg is None or (keyword and k.arg == keyword and not (
                    isinstance(k.value, ast.Constant) and k.value.value is None)):
                return True
        return False

    def builds(name, configured=None):
        return name in judged and any(
            not (configured is not None and handed(configured, keyword, own=True)) and not handed(call, keyword)
            for keyword in judged[name][1:])

    if arg is None or (isinstance(arg, ast.Constant) and arg.value is None):
        passes = any(k.arg is None for k in call.keywords)
        return not passes and any(builds(name) for name in judge.get("defaults", []))
    items = arg.elts if judge.get("list") and isinstance(arg, (ast.List, ast.Tuple)) else [arg]
    member_of = {v[0]: name for name, v in judged.items()}

    def enum_member(node):
        q = qualified(node, names)
        prefix, _, attr = (q or "").rpartition(".")
        return member_of.get(attr) if prefix in enums else None

    for item in items:
        if isinstance(item, ast.Constant) and isinstance(item.value, str):
            if builds(item.value):
                return True
        elif isinstance(item, ast.Call):
            if isinstance(item.func, ast.Attribute) and qualified(item.func.value, names) in judge["names"] \
                    and item.func.attr in judge.get("configs", {}):
                if builds(judge["configs"][item.func.attr], item):
                    return True
            elif (name := enum_member(item.func)) and builds(name, item):
                return True
        elif (name := enum_member(item)) and builds(name):
            return True
    return False


def classify(call, entry, names, direct=True, listed=frozenset()):
    if getattr(entry, "judge", None):
        return {"kind": "expect"} if judge_builds(call, entry, names) else {"kind": "gated", "model": None}
    handed = [k for k in call.keywords if k.arg in entry.tracked_by]
    if handed and not all(plain_http_client(k.value, names) for k in handed):
        return {"kind": "handed"}
    if not builds_at_all(call, entry):
        return {"kind": "gated", "model": None}
    if not entry.gated:
        # A pydantic model handed a positional argument (`ChatOpenAI(params)`) raises TypeError.
        if getattr(entry, "keyword_only", False) and direct and any(not isinstance(a, ast.Starred) for a in call.args):
            return {"kind": "raises"}
        return {"kind": "expect"}
    # A provider named apart from the model, as a literal, decides alone ("<provider>:").
    for keyword in entry.provider_keywords:
        p = next((k.value for k in call.keywords if k.arg == keyword), None)
        if isinstance(p, ast.Constant) and isinstance(p.value, str):
            if any((p.value + ":").startswith(prefix) for prefix in entry.models):
                return {"kind": "expect"}
            return {"kind": "gated", "model": p.value + ":"}
    m = model_argument(call, entry)
    if entry.keys and m is not None and not (isinstance(m, ast.Constant) and m.value is None):
        values = keyed_models(m, entry) or []
        if any(isinstance(v, ast.Constant) and isinstance(v.value, str) and
               any(v.value.startswith(p) for p in entry.models) for v in values):
            return {"kind": "expect"}
        return {"kind": "gated", "model": ast.unparse(m)}
    if isinstance(m, ast.Constant) and isinstance(m.value, str) and any(m.value.startswith(p) for p in entry.models):
        return {"kind": "expect"}
    # `model-enums`: a member written out (`ModelPlatformType.OPENAI`) names the model by its name.
    if (isinstance(m, ast.Attribute) and qualified(m.value, names) in getattr(entry, "enums", [])
            and any(m.attr.startswith(p) for p in entry.models)):
        return {"kind": "expect"}
    if (entry.default and direct and id(call) not in listed and hands_no_model(call, entry)
            and any(entry.default.startswith(p) for p in entry.models)):
        return {"kind": "expect", "model": None}
    return {"kind": "gated", "model": ast.unparse(m) if m is not None else None}


def candidates(root, rules_path=RULES):
    entries, packages = load_entries(rules_path)
    trees = {path: parse(path) for path in python_files(root)}
    derived = derived_classes(trees, entries)
    for path, tree in trees.items():
        rel = os.path.relpath(path, root)
        if tree is None:
            yield {"file": rel, "kind": "unparsed"}
            continue
        names = imported_names(tree)
        local = {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
        # Calls written in a list or tuple handed to some call's keyword (by keyword name), or as
        # its first argument ("0:" and its qualified name).
        in_lists = {}
        for c in ast.walk(tree):
            if isinstance(c, ast.Call):
                for k in c.keywords:
                    if k.arg and isinstance(k.value, (ast.List, ast.Tuple)):
                        for e in k.value.elts:
                            in_lists.setdefault(k.arg, set()).add(id(e))
                if c.args and isinstance(c.args[0], (ast.List, ast.Tuple)):
                    q = qualified(c.func, names)
                    for e in c.args[0].elts:
                        in_lists.setdefault(f"0:{q}", set()).add(id(e))
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            d = dotted(call.func)
            direct = False
            if d and len(d) == 1 and d[0] in derived and (d[0] in local or (
                    d[0] in names and names[d[0]].endswith("." + d[0]) and names[d[0]] not in entries)):
                q = derived[d[0]]
            else:
                direct = True
                q = qualified(call.func, names)
                if q is None:
                    continue
            record = {"file": rel, "line": call.lineno, "name": q}
            if q in entries:
                record["table"] = entries[q].table
                e = entries[q]
                listed = set().union(*(in_lists.get(k, set()) for k in e.unless_in)) if e.gated else set()
                record.update(classify(call, e, names, direct, listed))
                yield record
            elif q.split(".")[0] in packages and SUSPECT.search(q.split(".")[-1]):
                record["kind"] = "unlisted"
                yield record


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", default=RULES, help="a table file or folder (default: the repository's)")
    ap.add_argument("dir")
    args = ap.parse_args()
    for record in candidates(args.dir, args.rules):
        print(json.dumps(record))


if __name__ == "__main__":
    sys.exit(main())
