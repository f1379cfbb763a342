"""The fixtures are real code: what fixtures/*/README.md promises, checked.

- fixtures/python/**.py compiles with CPython (`compile()`, what py_compile does, without writing
  __pycache__), except fixtures/python/syntax_errors/, where every file must fail to;
- fixtures/cpp/** (sources and headers) passes `CXX -std=c++20 -nostdinc++ -fsyntax-only`
  (quotaguard's stub headers stand in for the libraries and the standard library).

A fixtures/<language>/ folder this script has no check for fails: a new language brings its own.
Usage: fixtures_compile.py FIXTURES_DIR CXX
"""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def check_python(root: Path) -> list[str]:
    problems = []
    files = sorted(root.rglob("*.py")) + sorted(root.rglob("*.pyi"))
    for path in files:
        rel = path.relative_to(root)
        broken = rel.parts[0] == "syntax_errors"
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
            if broken:
                problems.append(f"python/{rel}: compiles, but syntax_errors/ holds files CPython rejects")
        except SyntaxError as e:
            if not broken:
                problems.append(f"python/{rel}:{e.lineno}: {e.msg}")
    if not files:
        problems.append("python: no fixtures")
    return problems


def check_cpp(root: Path, cxx: str) -> list[str]:
    suffixes = {".h", ".hh", ".hpp", ".hxx", ".c", ".cc", ".cpp", ".cxx", ".ipp"}
    files = sorted(p for p in root.rglob("*") if p.suffix in suffixes)

    def one(path: Path) -> str | None:
        r = subprocess.run([cxx, "-x", "c++", "-std=c++20", "-nostdinc++", "-fsyntax-only", "-w", str(path)],
                           capture_output=True, text=True, check=False)
        return None if r.returncode == 0 else f"cpp/{path.relative_to(root)}:\n{r.stderr.strip()}"

    with ThreadPoolExecutor(max_workers=2) as pool:
        problems = [p for p in pool.map(one, files) if p]
    if not files:
        problems.append("cpp: no fixtures")
    return problems


def main() -> int:
    fixtures, cxx = Path(sys.argv[1]), sys.argv[2]
    checks = {"python": check_python, "cpp": lambda root: check_cpp(root, cxx)}
    problems = []
    for language in sorted(d.name for d in fixtures.iterdir() if d.is_dir() and d.name not in {"demo", "fix"}):
        if language not in checks:
            problems.append(f"fixtures/{language}/: no compile check for this language in {Path(__file__).name}")
            continue
        problems += checks[language](fixtures / language)
    for p in problems:
        print(p, file=sys.stderr)
    print(f"fixtures_compile: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
