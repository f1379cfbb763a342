"""Bad input is reported under `skipped` (or `parse_errors`) and never crashes the scan."""
import os

DIRECT = "from openai import OpenAI\nOpenAI()\n"


def skipped(data):
    return {s["path"]: s["reason"] for s in data["files"]["skipped"]}


def test_binary_and_invalid_utf8_are_skipped(qg, project):
    root = project({"bin.py": b"\x00\x01openai\x00", "latin1.py": b"# caf\xe9\nimport openai\n", "ok.py": DIRECT})
    data, _ = qg.json(root, check_exit=1)
    s = skipped(data)
    assert s["bin.py"].startswith("binary file")
    assert s["latin1.py"].startswith("invalid UTF-8")
    assert [f["path"] for f in data["findings"]] == ["ok.py"]


def test_file_over_size_cap(qg, project):
    big = "import openai\n" + "x = 1\n" * 2000
    root = project({"quotaguard.toml": "max-file-size = 1000\n", "big.py": big, "ok.py": DIRECT})
    data, _ = qg.json(root, check_exit=1)
    assert "too large" in skipped(data)["big.py"]


def test_symlink_loop_and_broken_symlink(qg, project):
    root = project({"pkg/a.py": DIRECT})
    os.symlink(root / "pkg", root / "pkg" / "loop")
    os.symlink(root / "nowhere.py", root / "dangling.py")
    data, p = qg.json(root, check_exit=1)
    reasons = " ".join(skipped(data).values())
    assert "symlink loop" in reasons and "broken symlink" in reasons
    assert [f["path"] for f in data["findings"]] == ["pkg/a.py"]


def test_syntax_errors_still_scanned_and_listed(qg, project):
    root = project({"broken.py": "from openai import OpenAI\ndef f(:\n    pass\nclient = OpenAI()\n"})
    data, _ = qg.json(root, check_exit=1)
    assert data["files"]["parse_errors"] == ["broken.py"]
    assert [(f["rule"], f["line"]) for f in data["findings"]] == [("QG001", 4)]


def test_bom_crlf_and_unicode_columns(qg, project):
    src = "\ufeff# é\r\nfrom openai import OpenAI\r\nnom = 'ü'; c = OpenAI()\r\n"
    root = project({"u.py": src.encode("utf-8")})
    data, _ = qg.json(root, check_exit=1)
    f = data["findings"][0]
    # Columns count code points: "nom = 'ü'; c = " is 15 characters.
    assert (f["line"], f["column"]) == (3, 16)


def test_deeply_nested_and_huge_line_do_not_crash(qg, project):
    deep = "import openai\nx = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    wide = "import openai\nx = [" + ", ".join(["1"] * 200000) + "]\nopenai.OpenAI()\n"
    chain = "import openai\ny = 1" + " + 1" * 20000 + "\n"
    root = project({"deep.py": deep, "wide.py": wide, "chain.py": chain})
    data, p = qg.json(root)
    assert p.returncode in (0, 1), p.stderr
    assert ("wide.py", 3) in [(f["path"], f["line"]) for f in data["findings"]]


def test_class_whose_methods_return_the_class(qg, project):
    # Found at scale (_pydecimal.py with a construction injected): each method's return value
    # was explored again for every method, depth after depth, and the scan never ended.
    # The runner's timeout turns such a hang into a failure.
    methods = "".join(f"    def op{i}(self, other):\n        return Number()\n\n" for i in range(200))
    root = project({"number.py": "from openai import OpenAI\n\nclient = OpenAI()\n\n\nclass Number:\n" + methods})
    data, _ = qg.json(root, check_exit=1)
    assert [(f["rule"], f["line"]) for f in data["findings"]] == [("QG001", 3)]


def test_empty_and_directory_named_like_a_source(qg, project):
    root = project({"empty.py": "", "dir.py/inner.py": DIRECT})
    data, _ = qg.json(root, check_exit=1)
    assert [f["path"] for f in data["findings"]] == ["dir.py/inner.py"]


def test_unreadable_file_is_skipped(qg, project, open_tmp_path):
    root = project({"secret.py": DIRECT, "ok.py": DIRECT}, open_tmp_path)
    os.chmod(root / "secret.py", 0)
    data, _ = qg.json(root, check_exit=1, unprivileged=True)  # root reads anything
    assert skipped(data) == {"secret.py": "unreadable: Permission denied"}
    assert [f["path"] for f in data["findings"]] == ["ok.py"]


def test_named_file_of_unknown_type(qg, project):
    root = project({"notes.txt": "OpenAI()"})
    data, _ = qg.json(root / "notes.txt", check_exit=0)
    assert data["findings"] == []
