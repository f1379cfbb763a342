// The C++ rewrite: QG001 declarations become references to the configured factory, and the
// factory's #include is added once after the last #include (docs/cpp.md, "Fix").
#include <doctest/doctest.h>

#include <algorithm>

#include "scan/scanner.h"
#include "temp_tree.h"

namespace {

qg::ScanResult scan(const qg::test::TempTree& t) {
  qg::ScanOptions o;
  o.paths = {t.root()};
  o.config_file = t / "quotaguard.toml";
  o.jobs = 1;
  return qg::run_scan(o);
}

std::string apply(std::string text, std::vector<qg::Edit> edits) {
  std::sort(edits.begin(), edits.end(), [](auto& a, auto& b) { return a.start_byte > b.start_byte; });
  for (const auto& e : edits) text.replace(e.start_byte, e.end_byte - e.start_byte, e.replacement);
  return text;
}

const char* kConfig = R"toml([factory.cpp]
"liboai::OpenAI" = "qg::tracked_liboai()"
include = "qg/tracked.h"
)toml";

}  // namespace

TEST_CASE("cpp fix: a plain declaration becomes a reference to the factory, include added once") {
  qg::test::TempTree t;
  t.write("quotaguard.toml", kConfig);
  const std::string src =
      "#include <string>\n#include \"liboai.h\"\n\nvoid f() {\n  liboai::OpenAI a;\n  static liboai::OpenAI b{};\n"
      "  a.Model->list();\n}\n";
  t.write("app.cpp", src);
  const auto r = scan(t);
  std::vector<const qg::Finding*> fixable;
  for (const auto& f : r.findings)
    if (f.fixable) fixable.push_back(&f);
  REQUIRE(fixable.size() == 2);
  REQUIRE(fixable[0]->fix);
  REQUIRE(fixable[0]->fix->edits.size() == 2);
  CHECK(fixable[0]->fix->edits[1].replacement == fixable[1]->fix->edits[1].replacement);
  CHECK(fixable[0]->fix->edits[1].start_byte == fixable[1]->fix->edits[1].start_byte);
  std::vector<qg::Edit> all = fixable[0]->fix->edits;
  all.push_back(fixable[1]->fix->edits[0]);  // the include edit once
  CHECK(apply(src, all) ==
        "#include <string>\n#include \"liboai.h\"\n#include \"qg/tracked.h\"\n\nvoid f() {\n"
        "  auto& a = qg::tracked_liboai();\n  static auto& b = qg::tracked_liboai();\n  a.Model->list();\n}\n");
}

TEST_CASE("cpp fix: arguments, several declarators, fields and heap forms stay report-only") {
  qg::test::TempTree t;
  t.write("quotaguard.toml", kConfig);
  t.write("app.cpp",
          "#include \"liboai.h\"\nstruct S { liboai::OpenAI member; };\nvoid f() {\n  liboai::OpenAI a(\"https://x\");\n"
          "  liboai::OpenAI b, c;\n  auto* d = new liboai::OpenAI;\n  auto e = std::make_unique<liboai::OpenAI>();\n}\n");
  const auto r = scan(t);
  CHECK(std::count_if(r.findings.begin(), r.findings.end(), [](auto& f) { return f.rule == "QG001"; }) == 6);
  for (const auto& f : r.findings) CHECK_FALSE(f.fixable);
}

TEST_CASE("cpp fix: no include edit when the file already includes the factory header; none without config") {
  qg::test::TempTree t;
  t.write("quotaguard.toml", kConfig);
  t.write("app.cpp", "#include \"qg/tracked.h\"\nvoid f() { liboai::OpenAI a; }\n");
  auto r = scan(t);
  REQUIRE(r.findings.size() == 1);
  REQUIRE(r.findings[0].fix);
  CHECK(r.findings[0].fix->edits.size() == 1);

  t.write("quotaguard.toml", "");
  r = scan(t);
  REQUIRE(r.findings.size() == 1);
  CHECK_FALSE(r.findings[0].fixable);
  CHECK_FALSE(r.findings[0].fix);
}

TEST_CASE("cpp fix: a BOM shifts every edit") {
  qg::test::TempTree t;
  t.write("quotaguard.toml", kConfig);
  const std::string src = "\xEF\xBB\xBFvoid f() { liboai::OpenAI a; }\n";
  t.write("app.cpp", src);
  const auto r = scan(t);
  REQUIRE(r.findings.size() == 1);
  REQUIRE(r.findings[0].fix);
  CHECK(apply(src, r.findings[0].fix->edits) ==
        "\xEF\xBB\xBF#include \"qg/tracked.h\"\nvoid f() { auto& a = qg::tracked_liboai(); }\n");
}
