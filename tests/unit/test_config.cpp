// Config discovery (upward, precedence) and strict loading with `PATH:LINE: reason` errors.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/config.h"
#include "core/factory_choice.h"
#include "temp_tree.h"

namespace fs = std::filesystem;
using qg::ConfigError;
using qg::test::TempTree;

namespace {

// The message load_config throws for `text` written to `name`, or "" when it loads.
std::string load_error(const TempTree& t, const std::string& text, const std::string& name = "quotaguard.toml") {
  const fs::path file = t.write(name, text);
  try {
    qg::load_config(file);
  } catch (const ConfigError& e) {
    const std::string prefix = file.string() + ":";
    REQUIRE(std::string(e.what()).rfind(prefix, 0) == 0);
    return std::string(e.what()).substr(prefix.size());  // "LINE: reason"
  }
  return "";
}

}  // namespace

TEST_CASE("find_config walks upward and prefers quotaguard.toml") {
  TempTree t;
  t.mkdir("a/b/c");
  t.write("a/b/c/mod.py");
  CHECK_FALSE(qg::find_config(t / "a/b/c").has_value());

  t.write("a/pyproject.toml", "[tool.quotaguard]\nsrc = [\"src\"]\n");
  CHECK(qg::find_config(t / "a/b/c") == t / "a/pyproject.toml");
  CHECK(qg::find_config(t / "a/b/c/mod.py") == t / "a/pyproject.toml");  // from a file

  t.write("a/quotaguard.toml", "");
  CHECK(qg::find_config(t / "a/b/c") == t / "a/quotaguard.toml");  // wins in the same directory

  t.write("a/b/pyproject.toml", "[tool.black]\nline-length = 100\n");  // no table: passed over
  CHECK(qg::find_config(t / "a/b/c") == t / "a/quotaguard.toml");

  t.write("a/b/pyproject.toml", "[tool.quotaguard]\n");
  CHECK(qg::find_config(t / "a/b/c") == t / "a/b/pyproject.toml");  // nearest wins
}

TEST_CASE("find_config accepts relative paths and reports a broken pyproject that names us") {
  TempTree t;
  t.write("p/pyproject.toml", "[tool.quotaguard\n");
  const fs::path old = fs::current_path();
  fs::current_path(t.root());
  CHECK_THROWS_AS(qg::find_config("p"), ConfigError);
  t.write("p/pyproject.toml", "[tool.other\n");  // broken, but not ours: ignored
  CHECK_FALSE(qg::find_config("p").has_value());
  fs::current_path(old);
}

TEST_CASE("load_config reads every key") {
  TempTree t;
  t.write("proj/backend/__init__.py", "");
  t.write("proj/lib/__init__.py", "");
  const fs::path file = t.write("proj/quotaguard.toml", R"toml(
src = ["backend", "lib"]
exclude = ["tests/fixtures", "*.pyi"]
extend-exclude = ["migrations/"]
select = ["QG0", "QG005"]
ignore = ["QG007"]
extra-hosts = ["llm.internal.example.com", "localhost:8080"]
max-file-size = 1048576
baseline = "ci/quotaguard-baseline.json"

[factory]
sync = "utils.openai_client_factory:get_openai_client"
async = "utils.openai_client_factory:get_async_openai_client"
azure = "utils.factory:get_azure"
async-azure = "utils.factory:get_async_azure"
modules = ["utils.openai_client_factory", "backend/utils/*.py"]
pass-arguments = false
tracked-methods = ["chat.completions.create", "embeddings.create"]

[factory.cpp]
include = "quota/client.h"
"liboai::OpenAI" = "quota::make_client()"
)toml");
  const qg::Config c = qg::load_config(file);
  CHECK(c.root == fs::canonical(t / "proj"));
  CHECK(c.file == c.root / "quotaguard.toml");
  CHECK(c.src == std::vector<std::string>{"backend", "lib"});
  CHECK(c.exclude == std::vector<std::string>{"tests/fixtures", "*.pyi"});
  CHECK(c.extend_exclude == std::vector<std::string>{"migrations/"});
  CHECK(c.select == std::vector<std::string>{"QG0", "QG005"});
  CHECK(c.ignore == std::vector<std::string>{"QG007"});
  CHECK(c.extra_hosts.size() == 2);
  CHECK(c.max_file_size == 1048576u);
  CHECK(c.baseline == c.root / "ci" / "quotaguard-baseline.json");
  REQUIRE(c.factory.sync.size() == 1);
  CHECK(c.factory.sync[0].module == "utils.openai_client_factory");
  CHECK(c.factory.sync[0].function == "get_openai_client");
  CHECK(c.factory.sync[0].line == 12);
  CHECK(c.factory.async_[0].spec() == "utils.openai_client_factory:get_async_openai_client");
  CHECK(c.factory.azure[0].function == "get_azure");
  CHECK(c.factory.async_azure[0].function == "get_async_azure");
  CHECK(c.factory.modules.size() == 2);
  CHECK_FALSE(c.factory.pass_arguments);
  REQUIRE(c.factory.tracked_methods.has_value());
  CHECK(c.factory.tracked_methods->at(1) == "embeddings.create");
  CHECK(c.factory.cpp_include == "quota/client.h");
  CHECK(c.factory.cpp_factories.size() == 1);
  CHECK(c.factory.cpp_factories.at("liboai::OpenAI") == "quota::make_client()");
}

TEST_CASE("load_config defaults and pyproject tables") {
  TempTree t;
  const qg::Config empty = qg::load_config(t.write("quotaguard.toml", ""));
  CHECK(empty.src == std::vector<std::string>{"."});
  CHECK(empty.max_file_size == (8u << 20));
  CHECK(empty.factory.pass_arguments);
  CHECK_FALSE(empty.factory.tracked_methods.has_value());

  t.write("sub/app/__init__.py", "");
  const qg::Config py = qg::load_config(t.write("sub/pyproject.toml", R"([project]
name = "x"
unknown-to-us = 1

[tool.quotaguard]
src = ["app"]

[tool.quotaguard.factory]
sync = "app.llm:client"
)"));
  CHECK(py.src == std::vector<std::string>{"app"});
  CHECK(py.factory.sync[0].spec() == "app.llm:client");
  CHECK(py.root == fs::canonical(t / "sub"));

  const qg::Config none = qg::load_config(t.write("other/pyproject.toml", "[project]\nname = \"y\"\n"));
  CHECK(none.src == std::vector<std::string>{"."});
}

TEST_CASE("several factories for one kind of client") {
  TempTree t;
  const qg::Config c = qg::load_config(t.write("quotaguard.toml", R"toml(
[factory]
sync = [
  "utils.f:get_openai_client",
  "utils.g:get_client",
]
async = ["utils.f:get_async_openai_client"]
)toml"));
  REQUIRE(c.factory.sync.size() == 2);
  CHECK(c.factory.sync[0].spec() == "utils.f:get_openai_client");
  CHECK(c.factory.sync[1].spec() == "utils.g:get_client");
  CHECK(c.factory.sync[1].line == 5);
  CHECK(c.factory.of(qg::ClientKind::Async).size() == 1);
  CHECK(c.factory.of(qg::ClientKind::Azure).empty());
  // The first one is what `quotaguard fix` rewrites to.
  CHECK(qg::choose_factory(c.factory, qg::ClientKind::Sync).target->function.function == "get_openai_client");
  CHECK(load_error(t, "[factory]\nsync = []\n") ==
        "2: `factory.sync` must be \"module.path:function\" or a list of them");
  CHECK(load_error(t, "[factory]\nsync = [\"a:f\", 3]\n") ==
        "2: `factory.sync` must be \"module.path:function\" or a list of them");
  CHECK(load_error(t, "[factory]\nsync = [\"a:f\",\n  \"a:f\"]\n") == "3: `factory.sync` names `a:f` twice");
  CHECK(load_error(t, "[factory]\nsync = [\"a:f\", \"a-b\"]\n") ==
        "2: `factory.sync` must be \"module.path:function\", got `a-b`");
}

TEST_CASE("a src folder that does not exist is an error at its line") {
  TempTree t;
  t.write("backend/app.py", "");
  CHECK(load_error(t, "src = [\"backend\", \".\"]\n").empty());
  CHECK(load_error(t, "src = [\n  \"backend\",\n  \"bakend\",\n]\n") ==
        "3: `src` entry `bakend` is not a folder of the project (no " + (t / "bakend").generic_string() + ")");
  CHECK(load_error(t, "src = [\"backend/app.py\"]\n").find("1: `src` entry `backend/app.py` is not a folder") == 0);
}

TEST_CASE("config errors carry the line and an exact reason") {
  TempTree t;
  CHECK(load_error(t, "src = [\".\"]\n\nfacotry = 1\n") == "3: unknown key `facotry` (did you mean `factory`?)");
  CHECK(load_error(t, "extend_exclude = []\n") == "1: unknown key `extend_exclude` (did you mean `extend-exclude`?)");
  CHECK(load_error(t, "bogus = 1\n") == "1: unknown key `bogus`");
  CHECK(load_error(t, "[factory]\nsynk = \"a:b\"\n") == "2: unknown key `synk` (did you mean `sync`?)");
  CHECK(load_error(t, "[factory.cpp]\n\"bad type\" = \"x()\"\n") ==
        "2: `[factory.cpp]` key `bad type` is not a C++ type name (like `liboai::OpenAI`)");
  CHECK(load_error(t, "[factory.cpp]\ninclude = 3\n") == "2: `factory.cpp.include` must be a string");

  CHECK(load_error(t, "src = \"app\"\n") == "1: `src` must be a list of strings");
  CHECK(load_error(t, "exclude = [\n  \"a\",\n  3,\n]\n") == "3: `exclude` must be a list of strings");
  CHECK(load_error(t, "factory = 1\n") == "1: `factory` must be a table");
  CHECK(load_error(t, "max-file-size = 0\n") == "1: `max-file-size` must be a positive integer (bytes)");
  CHECK(load_error(t, "max-file-size = \"1MB\"\n") == "1: `max-file-size` must be a positive integer (bytes)");
  CHECK(load_error(t, "[factory]\npass-arguments = \"no\"\n") == "2: `factory.pass-arguments` must be true or false");
  CHECK(load_error(t, "auto-install = 1\n") == "1: `auto-install` must be true or false");

  CHECK(load_error(t, "select = [\"QG001\", \"E501\"]\n") ==
        "1: `select` entry `E501` is not a rule id (`QG` + 3 digits) or prefix (like `QG00`)");
  CHECK(load_error(t, "ignore = [\"QG0001\"]\n") ==
        "1: `ignore` entry `QG0001` is not a rule id (`QG` + 3 digits) or prefix (like `QG00`)");
  CHECK(load_error(t, "extra-hosts = [\"https://x.example\"]\n") ==
        "1: `extra-hosts` entry `https://x.example` is not a hostname (like `api.example.com`)");
  CHECK(load_error(t, "[factory]\ntracked-methods = [\"chat..create\"]\n") ==
        "2: `factory.tracked-methods` entry `chat..create` is not a dotted method name (like "
        "`chat.completions.create`)");

  for (const char* bad : {"utils.factory", "utils.factory:a:b", "utils..f:get", "utils.f:1get", ":get", "u.f:"}) {
    CAPTURE(bad);
    CHECK(load_error(t, std::string("\n[factory]\nasync = \"") + bad + "\"\n") ==
          std::string("3: `factory.async` must be \"module.path:function\", got `") + bad + "`");
  }
}

TEST_CASE("config errors in pyproject.toml count lines of the whole file") {
  TempTree t;
  CHECK(load_error(t, "[project]\nname = \"x\"\n\n[tool.quotaguard]\nsrcs = []\n", "pyproject.toml") ==
        "5: unknown key `srcs` (did you mean `src`?)");
  CHECK(load_error(t, "[tool]\nquotaguard = 3\n", "pyproject.toml") == "2: `tool.quotaguard` must be a table");
}

TEST_CASE("TOML syntax errors and unreadable files") {
  TempTree t;
  const std::string syntax = load_error(t, "src = [\"a\"]\nexclude = [\n");
  CHECK(syntax.rfind("2: ", 0) == 0);
  CHECK(syntax.size() > 3);

  try {
    qg::load_config(t / "missing.toml");
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == (t / "missing.toml").string() + ": cannot read config file: No such file or directory");
  }
  CHECK_THROWS_AS(qg::load_config(t.mkdir("dir.toml")), ConfigError);
}

TEST_CASE("default excludes are noise, vendored names are kept apart") {
  const auto& ex = qg::default_excludes();
  const auto& vendored = qg::vendored_dir_names();
  for (const char* name : {".git", "__pycache__", ".mypy_cache", ".tox", ".vscode"})
    CHECK(std::find(ex.begin(), ex.end(), name) != ex.end());
  for (const char* name : {"venv", ".venv", "node_modules", "site-packages", "build"}) {
    CHECK(std::find(vendored.begin(), vendored.end(), name) != vendored.end());
    CHECK(std::find(ex.begin(), ex.end(), name) == ex.end());
  }
  CHECK(std::find(vendored.begin(), vendored.end(), "__pycache__") == vendored.end());
}
