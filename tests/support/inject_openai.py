"""Seeded injection of OpenAI client constructions and module-client calls into real Python:
each chosen file gets a few new lines, each before a randomly chosen statement, at its
indentation, and the openai imports they need (at module level, or beside them in a function).
Only injections after which the file still compiles are kept."""
import ast
import random

# (statement, imports it needs at module level, or None: it imports for itself)
CONSTRUCTIONS = [
    ("_qg_client = OpenAI()", "from openai import OpenAI"),
    ("_qg_client = OpenAI(api_key=_qg_key, timeout=30)", "from openai import OpenAI"),
    ("_qg_async = AsyncOpenAI(base_url=\"http://llm.internal/v1\")", "from openai import AsyncOpenAI"),
    ("_qg_client = openai.OpenAI(max_retries=1)", "import openai"),
    ("_qg_azure = openai.AzureOpenAI(api_version=\"2024-06-01\", azure_endpoint=_qg_url)", "import openai"),
    ("_qg_client = _qg_oa.AsyncAzureOpenAI(api_version=\"2024-06-01\")", "import openai as _qg_oa"),
    ("openai.chat.completions.create(model=\"gpt-4o-mini\", messages=[])", "import openai"),
    ("_qg_rows = openai.embeddings.create(model=\"text-embedding-3-small\", input=\"x\")", "import openai"),
    ("from openai import OpenAI as _QgOpenAI; _qg_client = _QgOpenAI()", None),
    ("_qg_client = OpenAI(\n{indent}    api_key=_qg_key,\n{indent})", "from openai import OpenAI"),
]


def _positions(tree, lines):
    """(line, indent) before which a statement line may go: statements that start their line,
    after any `from __future__` import."""
    future_end = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            future_end = node.end_lineno
    out = []
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            for stmt in block if isinstance(block, list) else []:
                if isinstance(stmt, ast.ExceptHandler):
                    continue
                if not isinstance(stmt, ast.stmt) or stmt.lineno <= future_end:
                    continue
                if getattr(stmt, "decorator_list", None):
                    continue  # the line is the decorator's, not the statement's
                prefix = lines[stmt.lineno - 1][: stmt.col_offset]
                if prefix.strip(" \t") == "":
                    out.append((stmt.lineno, prefix))
    return sorted(set(out))


def _header_end(tree):
    """The line after the module docstring and `from __future__` imports (1-based, insert before)."""
    line = 1
    for i, node in enumerate(tree.body):
        docstring = i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        if docstring or (isinstance(node, ast.ImportFrom) and node.module == "__future__"):
            line = node.end_lineno + 1
        else:
            break
    return line


def inject(text: str, rng: random.Random, count: int):
    """`text` with up to `count` injected statements; returns (new text, injected count)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return text, 0
    lines = text.splitlines(keepends=True)
    positions = _positions(tree, [l.rstrip("\r\n") for l in lines])
    if not positions:
        return text, 0
    eol = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    chosen = sorted(rng.sample(positions, min(count, len(positions))), reverse=True)
    imports = set()
    injected = 0
    for line, indent in chosen:
        statement, needs = rng.choice(CONSTRUCTIONS)
        new = indent + statement.format(indent=indent).replace("\n", eol) + eol
        candidate = lines[: line - 1] + [new] + lines[line - 1:]
        try:
            compile("".join(candidate), "<injected>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            continue
        lines = candidate
        injected += 1
        if needs:
            imports.add(needs)
    if imports:
        at = _header_end(tree) - 1
        lines[at:at] = [i + eol for i in sorted(imports)]
    result = "".join(lines)
    try:
        compile(result, "<injected>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return text, 0
    return result, injected
