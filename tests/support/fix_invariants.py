"""What `quotaguard fix` promises about one file, checked from its bytes before and after:
- what compiled still compiles (CPython's compiler, as py_compile);
- no byte changes outside the places a fix may touch: a rewritten site (a call, rewritten in
  place without new lines, except QG010's, which gains arguments on lines of their own), an
  import statement (only deletions: names, commas, the statement with its line, or the statement
  turned into `pass`), and new `from M import N` / `import M` lines where a person would put them
  (after the docstring or the imports, before the first statement, beside an import, at the
  end), and the one new line a startup fix adds (with a blank line before it) at the start of any
  line, where the application starts: QG009's `set_default_openai_client(...)`, QG010's
  `quotaguard.install()`.
Used by tests/cli/test_fix.py, tests/fix_at_scale and the fuzz target tests/fuzz/fix.cpp."""
import re

from python_source import Source, compiles

_IMPORT_LINE = rb"[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t][^\n]*|import[ \t]+[\w.]+(?:[ \t]+as[ \t]+\w+)?)"
_NEW_IMPORT = re.compile(_IMPORT_LINE + rb"\r?\n")  # (the file's own line ending: CRLF files get CRLF)
_IMPORT_KEYWORD = re.compile(rb"(?<![\w.])(?:from|import)(?!\w)")
# Startup fixes, once where the application starts: QG009's sets the Agents SDK's default client,
# QG010's tracks every client the process builds. Either name may carry the alias a fix gives a
# name the file already uses (`_set_default_openai_client`, `_install_`).
_NEW_STARTUP_STATEMENT = re.compile(
    rb"(?:[ \t]*\r?\n)?[ \t]*(?:[\w.]+\.)?_*(?:set_default_openai_client_*\([^\n]*\)|install_*\(\))\r?\n")
_NEW_IMPORT_OR_STATEMENT = re.compile(b"|".join(b"(?:%s)" % r.pattern for r in (_NEW_IMPORT, _NEW_STARTUP_STATEMENT)))
_NEW_IMPORT_AT_EOF = re.compile(rb"\r?\n" + _IMPORT_LINE)  # no final newline


class Hole:
    """A place in the original that a fix may rewrite, and what it may become."""

    SITE, IMPORT, ANY = "site", "import", "any"

    def __init__(self, start, end, kind, variants=(), adds_lines=False, statements=False, leads=frozenset()):
        self.start, self.end, self.kind, self.adds_lines = start, end, kind, adds_lines
        # IMPORT: a startup statement may also appear between its lines (a file that does not
        # compile, where the fixer's parser may end the imports earlier than ours).
        self.statements = statements
        # The original text. IMPORT: it may become any subsequence of it with `pass` put at any of
        # `leads` (offsets in it where a statement starts: each statement may become `pass`).
        self.variants = variants
        self.leads = leads

    def ends(self, text, p, following, last):
        """Where, in `text`, this hole may end when it starts at `p` (`following`: the literal
        after it, which must come next; `last`: nothing comes after that)."""
        if self.kind == Hole.IMPORT:
            # Names, commas, a `;`, the whole line removed, or the statement turned into `pass`:
            # only deletions from one of its variants; and between its lines (consecutive imports
            # are one hole) new import lines, as beside any import.
            new_line = _NEW_IMPORT_OR_STATEMENT if self.statements else _NEW_IMPORT
            variant, q = self.variants[0], p
            for i, byte in enumerate(variant):
                if i and q and variant[i - 1] == 10 and text[q - 1] == 10:
                    while (m := new_line.match(text, q)) and not variant.startswith(m[0], i):
                        q = m.end()
                if i in self.leads and text.startswith(b"pass", q):
                    q += 4
                if q < len(text) and text[q] == byte:
                    q += 1
            if len(variant) in self.leads and text.startswith(b"pass", q):
                q += 4
            return range(p, q + 1)
        if not following:
            return [len(text)] if last else range(p, len(text) + 1)
        out, q = [], text.find(following, p)
        while q >= 0:
            out.append(q)
            q = text.find(following, q + 1)
        if self.kind == Hole.SITE and not self.adds_lines:  # a call rewritten in place adds no line
            lines = self.variants[0].count(b"\n")
            out = [q for q in out if text.count(b"\n", p, q) <= lines]
        return out


def _holes(src: Source, sites):
    """The holes of `src` (sorted, disjoint), the offsets where new import lines may appear and
    those where a new default-client line may (every line start)."""
    data = src.data
    layout = src.layout()
    holes = [Hole(site[0], site[1], Hole.SITE, (data[site[0]:site[1]],), len(site) > 2 and site[2]) for site in sites]
    compiles_before = src.compiles()
    points = set()
    for start, end in layout.imports:
        first, last = src.line_of(start), src.line_of(max(start, end - 1))
        ls, le = src.line_span(first, last)
        # The removed last line of a file without a final newline takes the break before it.
        ls2 = max(0, ls - 2)
        text = data[ls2:le]
        # `pass` goes where the statement starts (at its `from` or `import`: a span found by
        # lines, in a file the tokenizer gave up on, starts at the line); the statement's text stays in
        # the variant, so `pass` with the statement deleted, in whole or (a parser's view of a
        # broken file being other than ours) in part, is a subsequence of it.
        # (In a broken file the fixer's parser may start the statement at its `import`, after a
        # `from` it could not read: each keyword is a place for `pass`.)
        leads = {word.start() - ls2 for word in _IMPORT_KEYWORD.finditer(data, start, end)} or {start - ls2}
        holes.append(Hole(ls2, le, Hole.IMPORT, (text,), statements=not compiles_before, leads=frozenset(leads)))
        points.update((ls, le))
    if layout.docstring:
        points.add(src.line_span(src.line_of(layout.docstring[1]), src.line_of(layout.docstring[1]))[1])
    if layout.first_statement is not None:
        points.add(src.starts[src.line_of(layout.first_statement) - 1])
    points.add(len(data))
    if not compiles_before:
        # Where a person would put an import is undefined in a file that does not compile (and a
        # parser that recovers from errors sees other statements than CPython): any line start.
        points.update(src.starts)
    merged = []
    for h in sorted(holes, key=lambda h: (h.start, h.end)):
        if not merged or h.start >= merged[-1].end:
            merged.append(h)
        elif h.kind == merged[-1].kind == Hole.IMPORT and h.end >= merged[-1].end:
            merged[-1] = _joined(merged[-1], h)  # consecutive imports share a line break
        else:  # a site inside an import (odd code): anything goes there
            last = merged[-1]
            merged[-1] = Hole(last.start, max(last.end, h.end), Hole.ANY)
    statement_points = set(src.starts)
    if data.startswith(b"\xef\xbb\xbf"):  # the first line starts after the BOM, which stays first
        for where in (points, statement_points):
            if 0 in where:
                where.add(3)
    return merged, points, statement_points


def _joined(a, b):
    """Two overlapping import holes as one: the whole text, where each statement may become `pass`."""
    overlap = a.end - b.start
    full = a.variants[0] + b.variants[0][overlap:]
    leads = a.leads | {len(a.variants[0]) - overlap + lead for lead in b.leads}
    return Hole(a.start, b.end, Hole.IMPORT, (full,), statements=a.statements or b.statements, leads=frozenset(leads))


def _template(data, holes, points, statement_points=()):
    """`data` as [literal, hole, literal, hole, ..., literal] and where each item starts in
    `data`; an insertion point is a hole that takes new import lines ("slot", "slot at eof") or
    a new default-client line ("statement slot")."""
    events = [(h.start, 1, h) for h in holes]
    # No slot inside a hole, nor right after one that takes anything anyway.
    outside = lambda p: not any(h.start < p < h.end or (p == h.end and h.kind == Hole.ANY) for h in holes)
    events += [(p, 0, "slot at eof" if p == len(data) and not data.endswith(b"\n") else "slot")
               for p in points if outside(p)]
    events += [(p, 0, "statement slot") for p in statement_points if outside(p)]
    items, offsets, pos = [], [], 0
    for start, kind, hole in sorted(events, key=lambda e: (e[0], e[1])):
        items += [data[pos:start], hole]
        offsets += [pos, start]
        pos = hole.end if kind == 1 else start
    items.append(data[pos:])
    offsets.append(pos)
    return items, offsets


def _unmatched(text, items):
    """None when `text` is the template with its holes filled, else (item index, the furthest
    position in `text` reached): every position the input can be at after each item is kept,
    so repeated lines never make an alignment choice for us."""
    positions = {0}
    for k, item in enumerate(items):
        reached = max(positions)
        if k % 2 == 0:
            positions = {p + len(item) for p in positions if text.startswith(item, p)}
        elif isinstance(item, Hole):
            positions = {q for p in positions for q in item.ends(text, p, items[k + 1], k + 2 == len(items))}
        else:
            line = {"slot at eof": _NEW_IMPORT_AT_EOF, "statement slot": _NEW_STARTUP_STATEMENT}.get(item, _NEW_IMPORT)
            grown = set()
            for p in positions:
                grown.add(p)
                while (m := line.match(text, p)) and m.end() > p:
                    p = m.end()
                    grown.add(p)
            positions = grown
        if not positions:
            return k, reached
    return None if len(text) in positions else (len(items) - 1, max(positions))


def stray_edits(before: bytes, after: bytes, sites, src=None):
    """Changes outside what a fix may touch, as messages; `sites`: byte spans of `before` that a
    fix rewrote (or may have: the fixable findings' ranges), with True third where the rewrite
    may add lines (finding_span says which). The whole file is matched against
    `before` with those places left open, so no line alignment can hide or invent a change."""
    src = src or Source(before)
    holes, points, statement_points = _holes(src, sites)
    items, offsets = _template(before, holes, points, statement_points)
    failed = _unmatched(after, items)
    if failed is None:
        return []
    k, reached = failed
    at = offsets[k] if k % 2 == 0 else offsets[k + 1]  # a hole fails when what follows it is not found
    return [f"changed outside the fixed sites and imports: the original from line {src.line_of(at)} "
            f"({before[at:at + 120]!r}) does not continue the fixed file at {after[reached:reached + 120]!r}"]


def broken(before: bytes, after: bytes, sites):
    """Every broken promise, as messages."""
    src = Source(before)
    problems = []
    if src.compiles() and not compiles(after):
        problems.append("the file compiled before the fix and no longer does")
    return problems + stray_edits(before, after, sites, src)


def finding_span(source: bytes, finding):
    """A JSON finding's range as a byte span of `source`, and whether its fix may add lines there
    (QG010's arguments, each on a line of its own in a call laid out so)."""
    src = Source(source)
    return (src.offset(finding["line"], finding["column"]), src.offset(finding["end_line"], finding["end_column"]),
            finding["rule"] == "QG010")
