"""A Python source file seen from outside quotaguard: its lines as quotaguard numbers them
('\n'-separated, byte offsets into the file) and what CPython's own tokenizer finds in it.
Shared by the fix checks (tests/cli, tests/fix_at_scale) and the fuzz targets (tests/fuzz), so
that each promise has one definition."""
import re
import tokenize

BOM = b"\xef\xbb\xbf"
# In a file CPython does not compile, a line with `import` on it may hold an import statement
# to a parser that recovers from errors (`x = 1import os`, `garbage from m import n`).
_IMPORT_WORD = re.compile(rb"(?<![\w.])import(?![\w])")
_STATEMENT_END = (tokenize.NEWLINE, tokenize.ENDMARKER)
_SKIPPED = (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING)


def compiles(source: bytes) -> bool:
    """What `py_compile` checks, in memory (a coding cookie honoured, as for a file)."""
    try:
        compile(source, "<source>", "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError):
        return False


class Layout:
    """Import statements, the module docstring and the first statement, as byte spans."""

    def __init__(self):
        self.imports = []            # [(start, end)]
        self.docstring = None        # (start, end)
        self.first_statement = None  # start


class Source:
    def __init__(self, data: bytes):
        self.data = data
        self.bom = len(BOM) if data.startswith(BOM) else 0
        self.lines = data.split(b"\n")  # 0-based; without the '\n'
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)
        self._tokens = None
        self._layout = None
        self._compiles = None

    def compiles(self):
        if self._compiles is None:
            self._compiles = compiles(self.data)
        return self._compiles

    def line_of(self, offset):
        lo, hi = 0, len(self.starts)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if self.starts[mid] <= offset else (lo, mid)
        return lo + 1

    def line_span(self, first, last):
        """Bytes of the 1-based lines first..last, the last one's '\n' included."""
        end = self.starts[last] if last < len(self.starts) else len(self.data)
        return self.starts[first - 1], end

    def offset(self, line, column):
        """A 1-based line and column in code points (as quotaguard reports them) -> byte offset."""
        text = self.lines[line - 1].decode("utf-8", "surrogateescape")
        return self.starts[line - 1] + len(text[: column - 1].encode("utf-8", "surrogateescape"))

    def _byte(self, position):
        row, col = position  # the tokenizer's: 1-based row (our line), column in characters
        if row > len(self.lines):
            return len(self.data)
        line = self.lines[row - 1]
        bom = self.bom if row == 1 else 0  # the tokenizer reads the text after the BOM
        text = line[bom:].decode("utf-8", "surrogateescape")
        return self.starts[row - 1] + bom + len(text[:col].encode("utf-8", "surrogateescape"))

    def tokens(self):
        """(tokens, complete): CPython's tokens up to its first error, if any."""
        if self._tokens is None:
            text = self.data[self.bom:].decode("utf-8", "surrogateescape")
            parts = text.split("\n")  # rows of the tokenizer = our lines
            feed = iter([p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else []))
            toks, complete = [], True
            try:
                for tok in tokenize.generate_tokens(lambda: next(feed, "")):
                    toks.append(tok)
            except (tokenize.TokenError, SyntaxError):
                complete = False
            self._tokens = (toks, complete)
        return self._tokens

    def comments(self):
        """{1-based line: [comment text]}."""
        out = {}
        for tok in self.tokens()[0]:
            if tok.type == tokenize.COMMENT:
                out.setdefault(tok.start[0], []).append(tok.string)
        return out

    def layout(self):
        if self._layout is None:
            self._layout = self._find_layout()
        return self._layout

    def _find_layout(self):
        toks, complete = self.tokens()
        layout = Layout()
        depth = 0
        previous = None
        statement = None  # [kind, start] while inside an import or the docstring
        for tok in toks:
            if tok.type in _SKIPPED:
                continue
            at_start = previous is None or previous.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT) or (
                depth == 0 and previous.type == tokenize.OP and previous.string in (";", ":"))
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth = max(0, depth - 1)
            if statement is None and at_start and tok.type not in (*_STATEMENT_END, tokenize.INDENT, tokenize.DEDENT):
                first = layout.first_statement is None
                if first:
                    layout.first_statement = self._byte(tok.start)
                if tok.type == tokenize.NAME and tok.string in ("import", "from"):
                    statement = ["import", self._byte(tok.start)]
                elif first and tok.type == tokenize.STRING:
                    statement = ["docstring", self._byte(tok.start)]
            elif statement and statement[0] == "docstring" and tok.type not in (tokenize.STRING, *_STATEMENT_END):
                statement = None  # `"a" + b`: an expression, not a docstring
            if statement and (tok.type in _STATEMENT_END or (depth == 0 and tok.type == tokenize.OP and tok.string == ";")):
                span = (statement[1], self._byte(tok.start))
                if statement[0] == "import":
                    layout.imports.append(span)
                else:
                    layout.docstring = span
                statement = None
            previous = tok
        if statement and statement[0] == "import":  # the tokenizer gave up inside it
            row = toks[-1].start[0]
            layout.imports.append((statement[1], self.line_span(row, row)[1]))
        if not complete or not self.compiles():
            # Where CPython does not follow (an unclosed bracket swallows what comes after it),
            # a parser that recovers from errors may: a line that mentions import counts.
            line = 1
            while line <= len(self.lines):
                if _IMPORT_WORD.search(self.lines[line - 1]):
                    last = self._continued(line)
                    layout.imports.append(self.line_span(line, last))
                    line = last
                line += 1
        return layout

    def _continued(self, line):
        """The last line of a statement starting on `line`: through open parentheses and
        backslash continuations (a heuristic for where the tokenizer gave up)."""
        depth = 0
        while line <= len(self.lines):
            text = self.lines[line - 1]
            depth += text.count(b"(") - text.count(b")")
            if depth <= 0 and not text.rstrip(b"\r").endswith(b"\\"):
                return line
            line += 1
        return len(self.lines)
