"""The C++ frontend through the CLI: findings beside Python's, coverage, the clang backend."""
import json

CPP = 'void f() {\n  liboai::OpenAI oai;\n  oai.ChatCompletion->create("m");\n}\n'
PY = "from openai import OpenAI\nc = OpenAI()\nc.models.list()\n"


def test_cpp_findings_and_coverage_beside_python(qg, project):
    root = project({"svc/chat.cpp": CPP, "svc/app.py": PY, "svc/curl.cc": 'auto u = "https://api.openai.com/v1/embeddings";\n'})
    data, p = qg.json(root, check_exit=1)
    cpp = [(f["path"], f["line"], f["rule"]) for f in data["findings"] if f["language"] == "cpp"]
    assert cpp == [("svc/chat.cpp", 2, "QG001"), ("svc/chat.cpp", 3, "QG004"), ("svc/curl.cc", 1, "QG005")]
    assert data["coverage"]["call_sites"]["untracked"] == 3  # one Python call, two C++ sites
    assert data["coverage"]["clients"]["direct"] == 2


def test_every_cpp_extension_is_scanned(qg, project):
    files = {f"x{ext}": "liboai::OpenAI oai;\n" for ext in (".h", ".hh", ".hpp", ".hxx", ".c", ".cc", ".cpp", ".cxx", ".ipp")}
    data, _ = qg.json(project(files), check_exit=1)
    assert sorted(f["path"] for f in data["findings"]) == sorted(files)


def test_suppression_comment(qg, project):
    root = project({"a.cpp": "liboai::OpenAI oai;  // quotaguard: ignore[QG001]\n"})
    data, _ = qg.json(root, check_exit=0)
    assert data["findings"] == []


def test_clang_backend_without_database_says_so_and_keeps_exit_code(qg, project):
    root = project({"a.cpp": CPP})
    plain = qg("scan", root, check_exit=1)
    clang = qg("scan", "--cpp-backend", "clang", root, check_exit=1)
    assert "compile_commands.json" in clang.stderr
    assert clang.stdout.splitlines()[:2] == plain.stdout.splitlines()[:2]


def test_clang_backend_with_database_sees_through_auto(qg, project, tmp_path):
    header = ("namespace liboai { struct C { void create(const char*); }; struct OpenAI { C* ChatCompletion; }; }\n"
              "liboai::OpenAI& get();\n")  # only the compiler follows the include to this declaration
    code = '#include "lib.h"\nvoid f() {\n  auto& c = get();\n  c.ChatCompletion->create("m");\n}\n'
    root = project({"lib.h": header, "a.cpp": code})
    db = tmp_path / "db"
    db.mkdir()
    src = root / "a.cpp"
    (db / "compile_commands.json").write_text(json.dumps(
        [{"directory": str(root), "file": str(src), "arguments": ["clang++", "-std=c++20", "-c", str(src)]}]))
    data, _ = qg.json(root, check_exit=0)
    assert [f for f in data["findings"] if f["path"] == "a.cpp"] == []
    data, _ = qg.json("--cpp-backend", "clang", "-p", db, root, check_exit=1)
    assert [(f["line"], f["rule"]) for f in data["findings"] if f["path"] == "a.cpp"] == [(4, "QG004")]


def test_fix_rewrites_cpp_constructions_and_adds_the_include_once(qg, project):
    root = project({
        "quotaguard.toml": '[factory.cpp]\n"liboai::OpenAI" = "qg::tracked_liboai()"\ninclude = "\\"qg/tracked_liboai.h\\""\n',
        "main.cpp": "#include <liboai.h>\n\nusing namespace liboai;\n\nint main() {\n  OpenAI oai;\n"
                    "  oai.ChatCompletion->create(\"gpt-4o-mini\", Conversation());\n}\n",
        "other.cpp": "#include \"liboai.h\"\nstatic liboai::OpenAI client;\nstatic liboai::OpenAI spare;\n",
    })
    qg("fix", root, check_exit=0)
    assert (root / "main.cpp").read_text() == (
        "#include <liboai.h>\n#include \"qg/tracked_liboai.h\"\n\nusing namespace liboai;\n\nint main() {\n"
        "  auto& oai = qg::tracked_liboai();\n  oai.ChatCompletion->create(\"gpt-4o-mini\", Conversation());\n}\n")
    # Two constructions in one file: the include is added once.
    assert (root / "other.cpp").read_text() == (
        "#include \"liboai.h\"\n#include \"qg/tracked_liboai.h\"\n"
        "static auto& client = qg::tracked_liboai();\nstatic auto& spare = qg::tracked_liboai();\n")
    data, _ = qg.json(root, check_exit=0)
    assert data["findings"] == []
    p = qg("fix", "--check", root, check_exit=0)  # a second run changes nothing
    assert "Nothing to fix" in p.stderr
