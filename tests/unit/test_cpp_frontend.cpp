// The C++ frontend's contracts beyond the fixtures: the library model is data, bad input never
// crashes, the clang backend falls back without a compilation database.
#include <doctest/doctest.h>

#include <stdexcept>

#include "cpp/library_model.h"
#include "scan/scanner.h"
#include "temp_tree.h"

namespace {

qg::ScanResult scan(const qg::test::TempTree& t, const std::string& backend = "tree-sitter") {
  qg::ScanOptions o;
  o.paths = {t.root()};
  o.jobs = 2;
  o.cpp_backend = backend;
  return qg::run_scan(o);
}

}  // namespace

TEST_CASE("cpp model: a third library is data; `_async` methods map to the same API") {
  const auto m = qg::cpp::LibraryModel::from_texts({{"cpp/acme.toml", R"(
library = "acme"
namespaces = ["acme"]
client-types = ["acme::Client"]
async-suffix = "Async"
[members]
chat = { send = "chat.completions.create" }
)"}});
  const qg::cpp::Library* lib = m.library_of_type("acme::Client");
  REQUIRE(lib);
  CHECK(lib->name == "acme");
  REQUIRE(m.api(*lib, "chat", "sendAsync"));
  CHECK(*m.api(*lib, "chat", "sendAsync") == "chat.completions.create");
  CHECK_FALSE(m.api(*lib, "chat", "receive"));
  CHECK(m.in_library_namespace("acme::Client::send"));
  CHECK_FALSE(m.in_library_namespace("acmex::Client"));
  CHECK(std::find(m.words().begin(), m.words().end(), "Client") != m.words().end());
}

TEST_CASE("cpp model: malformed data is an error, not a silent gap") {
  CHECK_THROWS_AS(qg::cpp::LibraryModel::from_texts({{"x.toml", "library = \"x\"\nclient-types = \"X\"\n"}}),
                  std::runtime_error);
  CHECK_THROWS_AS(qg::cpp::LibraryModel::from_texts({{"x.toml", "library = \"x\"\n[members]\nm = 3\n"}}),
                  std::runtime_error);
  CHECK_THROWS_AS(qg::cpp::LibraryModel::from_texts({{"x.toml", "library = [\n"}}), std::runtime_error);
}

TEST_CASE("cpp model: the shipped rules/cpp files load and know both libraries") {
  const auto& m = qg::cpp::LibraryModel::get();
  CHECK(m.library_of_type("liboai::OpenAI"));
  CHECK(m.library_of_type("openai::OpenAI"));
  CHECK(m.library_of_starter("openai::start"));
  CHECK(m.accessor("openai::fineTune").first);
  CHECK_FALSE(m.url_functions().empty());
}

TEST_CASE("cpp frontend: bad input never crashes") {
  qg::test::TempTree t;
  std::string deep = "void f() { liboai::OpenAI a; a.Model->list(";
  for (int i = 0; i < 20000; ++i) deep += "(";
  t.write("deep.cpp", deep);
  std::string derefs = "void g(liboai::OpenAI* p) { (";
  for (int i = 0; i < 20000; ++i) derefs += "*";
  t.write("derefs.cpp", derefs + "p).Model->list(); }\n");
  std::string blocks = "void h() {";
  for (int i = 0; i < 5000; ++i) blocks += "{ liboai::OpenAI a; ";
  t.write("blocks.cpp", blocks);
  t.write("unterminated.cpp", "void f() { const char* s = \"https://api.openai.com/v1\n; liboai::OpenAI");
  t.write("garbage.hpp", "}}}{{{ ::: <<<>>> liboai:: OpenAI :: -> ->-> openai::start(((");
  t.write("empty.cc", "");
  t.write("weird.h", "using namespace;\nnamespace = ;\ntypedef;\nusing A = ;\n#include\n#define\n");
  const auto r = scan(t);
  CHECK(r.files.scanned == 7);
}

TEST_CASE("cpp frontend: the clang backend without a compilation database falls back to the same findings") {
  qg::test::TempTree t;
  t.write("a.cpp", "void f() { liboai::OpenAI a; a.Model->list(); }\n");
  const auto ts = scan(t);
  const auto clang = scan(t, "clang");
  REQUIRE(ts.findings.size() == 2);
  REQUIRE(clang.findings.size() == ts.findings.size());
  for (std::size_t i = 0; i < ts.findings.size(); ++i) {
    CHECK(clang.findings[i].rule == ts.findings[i].rule);
    CHECK(clang.findings[i].range.line == ts.findings[i].range.line);
  }
}
