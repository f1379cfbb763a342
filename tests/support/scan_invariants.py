"""What `quotaguard scan` promises about suppressions, checked against CPython's tokenizer: a
finding is never reported when a `quotaguard: ignore` comment on its first or last line covers
its rule. Only for modules that compile, where the tokenizer's comments are the parser's.
Used by the fuzz target tests/fuzz/python_scan.cpp."""
import tokenize

from python_source import Source, compiles

_WHITESPACE = " \t\n\r\f\v"  # what C's isspace() accepts


def parse_suppression(comment):
    """None, or the set of rule ids a comment suppresses ({"*"}: every rule). README: a
    `quotaguard: ignore[QG001]` or a bare `quotaguard: ignore` (a reason may follow)."""
    at = comment.find("quotaguard:")
    if at < 0:
        return None
    rest = comment[at + len("quotaguard:"):].strip(_WHITESPACE)
    if not rest.startswith("ignore"):
        return None
    rest = rest[len("ignore"):]
    if not rest.startswith("["):
        if rest and rest[0] not in _WHITESPACE + "-:":
            return None  # `ignored`, `ignore_this`
        return {"*"}
    close = rest.find("]")
    if close < 0:
        return None
    ids = {i.strip(_WHITESPACE) for i in rest[1:close].split(",")} - {""}
    return ids or {"*"}


def suppressed_but_reported(source: bytes, findings):
    """`findings`: (rule, line, end_line) as reported. Returns those a comment suppresses."""
    if not compiles(source):
        return []
    comments = Source(source).comments()
    problems = []
    for rule, line, end_line in findings:
        for at in {line, end_line}:
            for comment in comments.get(at, []):
                covered = parse_suppression(comment)
                if covered and ("*" in covered or rule in covered):
                    problems.append(f"{rule} reported on line {line}-{end_line} although line {at} says {comment!r}")
    return problems


def comment_slot(source: bytes, line):
    """The byte offset where a comment can be added at the end of `line` (before its line break),
    or -1: the module must compile, and the line must end outside a string, a continuation and
    a comment."""
    if not compiles(source):
        return -1
    src = Source(source)
    if line > len(src.lines):
        return -1
    text = src.lines[line - 1]
    body = text[:-1] if text.endswith(b"\r") else text
    if body.endswith(b"\\") or b"\r" in body or b"\x0c" in body:
        return -1
    for tok in src.tokens()[0]:
        if tok.type == tokenize.COMMENT and tok.start[0] == line:
            return -1
        if tok.start[0] <= line < tok.end[0]:  # a token (a string) runs across the line break
            return -1
    return src.starts[line - 1] + len(body)
