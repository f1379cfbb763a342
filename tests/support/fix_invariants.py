"""What `quotaguard fix` promises about one file, checked from its bytes before and after:
- what compiled still compiles (CPython's compiler, as py_compile);
- no byte changes outside the places a fix may touch: the rewritten sites, the import
  statements (whole lines), and new `from M import N` lines where a person would put them
  (after the docstring or the imports, before the first statement, beside an import, at the end).
Used by tests/cli/test_fix.py, tests/fix_at_scale and the fuzz target tests/fuzz/fix.cpp."""
import difflib
import re

from python_source import Source, compiles

_NEW_IMPORT = rb"[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t][^\n]*"
_SLOT = rb"(?:" + _NEW_IMPORT + rb"\n)*"
_SLOT_AT_EOF = rb"(?:\r?\n" + _NEW_IMPORT + rb")*"  # in a file without a final newline


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
    return _merged(spans), points


def _pattern(data, a0, a1, spans, points):
    """`data[a0:a1]` as a regex: allowed spans are wildcards, insertion points take import lines."""
    events = [(s, 1, e) for s, e in spans if s < a1 and e > a0]
    events += [(p, 0, p) for p in points if a0 <= p <= a1 and not any(s < p < e for s, e in spans)]
    out, pos = [], a0
    for start, kind, end in sorted(events):
        start, end = max(start, a0), min(end, a1)
        if start < pos:
            start = pos
        out.append(re.escape(data[pos:start]))
        if kind == 1:
            out.append(rb"(?s:.*?)")
            pos = max(pos, end)
        else:
            eof = start == len(data) and not data.endswith(b"\n")
            out.append(_SLOT_AT_EOF if eof else _SLOT)
            pos = start
    out.append(re.escape(data[pos:a1]))
    return re.compile(b"".join(out))


def stray_edits(before: bytes, after: bytes, sites):
    """Changes outside what a fix may touch, as messages; `sites`: byte spans of `before` that a
    fix rewrote (or may have: the fixable findings' ranges)."""
    src = Source(before)
    spans, points = _allowed(src, sites)
    a, b = _lines(before), _lines(after)
    a_starts = [0]
    for line in a:
        a_starts.append(a_starts[-1] + len(line))
    problems = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        new = b"".join(b[j1:j2])
        if not _pattern(before, a_starts[i1], a_starts[i2], spans, points).fullmatch(new):
            old = b"".join(a[i1:i2])
            where = f"before line {i1 + 1}" if i1 == i2 else f"lines {i1 + 1}-{i2}"
            problems.append(f"{where}: changed outside the fixed sites and imports: {old[:300]!r} -> {new[:300]!r}")
    return problems


def broken(before: bytes, after: bytes, sites):
    """Every broken promise, as messages."""
    problems = []
    if compiles(before) and not compiles(after):
        problems.append("the file compiled before the fix and no longer does")
    return problems + stray_edits(before, after, sites)


def finding_span(source: bytes, finding):
    """A JSON finding's range as a byte span of `source`."""
    src = Source(source)
    return (src.offset(finding["line"], finding["column"]), src.offset(finding["end_line"], finding["end_column"]))
