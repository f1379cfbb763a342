"""What `quotaguard fix` promises about one file, checked from its bytes before and after:
- what compiled still compiles (CPython's compiler, as py_compile);
- no byte changes outside the places a fix may touch: the rewritten sites, the import
  statements (whole lines), and new `from M import N` lines where a person would put them
  (after the docstring or the imports, before the first statement, beside an import, at the end).
Used by tests/cli/test_fix.py, tests/fix_at_scale and the fuzz target tests/fuzz/fix.cpp."""
import difflib
import re

from python_source import Source, compiles

_NEW_IMPORT = re.compile(rb"[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t][^\n]*\n")
_NEW_IMPORT_AT_EOF = re.compile(rb"\r?\n[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t][^\n]*")  # no final newline
WILD, SLOT, SLOT_AT_EOF = "wild", "slot", "slot at eof"


def _lines(data):
    return [l for l in re.split(rb"(?<=\n)", data) if l]


def _merged(spans):
    out = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _allowed(src: Source, sites):
    """Byte spans of `before` that may change, and the offsets where import lines may appear."""
    layout = src.layout()
    spans = list(sites)
    points = set()
    for start, end in layout.imports:
        first, last = src.line_of(start), src.line_of(max(start, end - 1))
        ls, le = src.line_span(first, last)
        # The removed last line of a file without a final newline takes the break before it.
        spans.append((max(0, ls - 2), le))
        points.update((ls, le))
    if layout.docstring:
        points.add(src.line_span(src.line_of(layout.docstring[1]), src.line_of(layout.docstring[1]))[1])
    if layout.first_statement is not None:
        points.add(src.starts[src.line_of(layout.first_statement) - 1])
    else:
        points.add(len(src.data))
    points.add(len(src.data))
    if not src.compiles():
        # Where a person would put an import is undefined in a file that does not compile (and a
        # parser that recovers from errors sees other statements than CPython): any line start.
        points.update(src.starts)
    return _merged(spans), points


def _template(data, spans, points):
    """`data` as [literal, op, literal, op, ..., literal]: the allowed spans become WILD (any
    bytes), the insertion points SLOT (any number of new import lines)."""
    events = [(s, 1, e) for s, e in spans] + [(p, 0, p) for p in points if not any(s <= p <= e for s, e in spans)]
    items, pos = [], 0
    for start, kind, end in sorted(events):
        items.append(data[pos:start])
        if kind == 1:
            items.append(WILD)
            pos = end
        else:
            items.append(SLOT_AT_EOF if start == len(data) and not data.endswith(b"\n") else SLOT)
            pos = start
    items.append(data[pos:])
    return items


def _matches(text, items):
    """Whether `text` is the template with its holes filled: every position the input can be
    at after each item, so repeated lines never make an alignment choice for us."""
    positions = {0}
    for k, item in enumerate(items):
        if k % 2 == 0:
            positions = {p + len(item) for p in positions if text.startswith(item, p)}
        elif item == WILD:
            start, following = min(positions), items[k + 1]
            if not following:  # the last hole: it runs to the end
                positions = {len(text)}
                continue
            positions, q = set(), text.find(following, start)
            while q >= 0:
                positions.add(q)
                q = text.find(following, q + 1)
        else:
            line = _NEW_IMPORT_AT_EOF if item == SLOT_AT_EOF else _NEW_IMPORT
            grown = set()
            for p in positions:
                grown.add(p)
                while (m := line.match(text, p)) and m.end() > p:
                    p = m.end()
                    grown.add(p)
            positions = grown
        if not positions:
            return False
    return len(text) in positions


def stray_edits(before: bytes, after: bytes, sites, src=None):
    """Changes outside what a fix may touch, as messages; `sites`: byte spans of `before` that a
    fix rewrote (or may have: the fixable findings' ranges). The whole file is matched against
    `before` with those places left open, so no line alignment can hide or invent a change."""
    src = src or Source(before)
    spans, points = _allowed(src, sites)
    if _matches(after, _template(before, spans, points)):
        return []
    # Say where, from a line diff (which may align repeated lines differently than the match).
    a, b = _lines(before), _lines(after)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            old, new = b"".join(a[i1:i2]), b"".join(b[j1:j2])
            where = f"before line {i1 + 1}" if i1 == i2 else f"lines {i1 + 1}-{i2}"
            return [f"changed outside the fixed sites and imports, first at {where}: {old[:300]!r} -> {new[:300]!r}"]
    return ["changed outside the fixed sites and imports"]


def broken(before: bytes, after: bytes, sites):
    """Every broken promise, as messages."""
    src = Source(before)
    problems = []
    if src.compiles() and not compiles(after):
        problems.append("the file compiled before the fix and no longer does")
    return problems + stray_edits(before, after, sites, src)


def finding_span(source: bytes, finding):
    """A JSON finding's range as a byte span of `source`."""
    src = Source(source)
    return (src.offset(finding["line"], finding["column"]), src.offset(finding["end_line"], finding["end_column"]))
