// Unit tests for the gate library (fingerprints, baseline file, coverage gate), the report
// escaping helpers and the subprocess runner behind the git scopes.
#include <doctest/doctest.h>

#include <string>

#include "gate/baseline.h"
#include "gate/coverage_gate.h"
#include "gate/fingerprint.h"
#include "git/process.h"
#include "report/escape.h"

using namespace qg;

namespace {
Finding finding(std::string rule, std::string path, uint32_t line, std::string code) {
  Finding f;
  f.rule = std::move(rule);
  f.path = std::move(path);
  f.range.line = line;
  f.range.column = 1;
  f.range.start_byte = line * 100;
  f.code = std::move(code);
  return f;
}
}  // namespace

TEST_CASE("normalised code ignores layout, keeps words apart") {
  CHECK(gate::normalise_code("  OpenAI(\n    api_key=k,\n)  ") == "OpenAI(api_key=k,)");
  CHECK(gate::normalise_code("OpenAI( )") == "OpenAI()");
  CHECK(gate::normalise_code("await  client.files.list()") == "await client.files.list()");
  CHECK(gate::normalise_code("a if  b else\tc") == "a if b else c");
  CHECK(gate::normalise_code("") == "");
}

TEST_CASE("fingerprints: no line numbers, occurrence in source order") {
  std::vector<Finding> v{finding("QG001", "a.py", 9, "OpenAI()"), finding("QG001", "a.py", 3, "OpenAI()"),
                         finding("QG004", "a.py", 3, "OpenAI()"), finding("QG001", "b.py", 3, "OpenAI()")};
  gate::assign_fingerprints(v);
  CHECK(v[1].fingerprint == gate::fingerprint("QG001", "a.py", "OpenAI()", 0));
  CHECK(v[0].fingerprint == gate::fingerprint("QG001", "a.py", "OpenAI()", 1));
  CHECK(v[2].fingerprint != v[1].fingerprint);  // rule
  CHECK(v[3].fingerprint != v[1].fingerprint);  // path
  CHECK(v[0].fingerprint.size() == 16);
  // Shifted by inserted lines: the same fingerprints.
  for (auto& f : v) {
    f.range.line += 5;
    f.range.start_byte += 40;
  }
  auto before = v;
  gate::assign_fingerprints(v);
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i].fingerprint == before[i].fingerprint);
  // FNV-1a 64 reference value.
  CHECK(gate::fnv1a64("a") == 0xaf63dc4c8601ec8cull);
}

TEST_CASE("baseline file: stable, sorted, validated") {
  std::vector<Finding> v{finding("QG004", "b.py", 2, "c.files.list()"), finding("QG001", "a.py", 1, "OpenAI()")};
  gate::assign_fingerprints(v);
  const auto b = gate::Baseline::from_findings(v);
  REQUIRE(b.entries.size() == 2);
  CHECK(b.entries[0].path == "a.py");
  const std::string text = b.to_json();
  CHECK(text.find("\"line\"") == std::string::npos);
  const auto again = gate::parse_baseline(text, "b.json");
  CHECK(again.to_json() == text);
  CHECK_THROWS_WITH_AS(gate::parse_baseline("{}", "b.json"), doctest::Contains("b.json: not a quotaguard baseline"),
                       gate::BaselineError);
  CHECK_THROWS_AS(gate::parse_baseline(R"({"version":1,"findings":[{"fingerprint":"ABCDEF0123456789"}]})", "b"),
                  gate::BaselineError);
  CHECK_THROWS_AS(gate::parse_baseline(R"({"version":1,"findings":[{"fingerprint":"0123456789abcdef","occurrence":-1}]})", "b"),
                  gate::BaselineError);
  CHECK(gate::parse_baseline(R"({"version":1,"findings":[{"fingerprint":"0123456789abcdef"}]})", "b").entries.size() == 1);
}

TEST_CASE("baseline comparison: new, matched, gone only in scope") {
  std::vector<Finding> old{finding("QG001", "a.py", 1, "OpenAI()"), finding("QG001", "gone.py", 1, "OpenAI()"),
                           finding("QG001", "elsewhere.py", 1, "OpenAI()")};
  gate::assign_fingerprints(old);
  const auto base = gate::Baseline::from_findings(old);
  ScanResult r;
  r.root = "/nonexistent-qg-root";
  r.rules = {"QG001"};
  r.files.paths = {"a.py", "new.py"};
  r.findings = {finding("QG001", "a.py", 7, "OpenAI()"), finding("QG001", "new.py", 1, "OpenAI()")};
  gate::assign_fingerprints(r.findings);
  auto cmp = gate::compare(base, r);
  CHECK(cmp.matched == 1);
  REQUIRE(cmp.new_findings.size() == 1);
  CHECK(cmp.new_findings[0].path == "new.py");
  // gone.py and elsewhere.py do not exist under the root: both gone.
  CHECK(cmp.gone.size() == 2);
  // A rule the scan did not select cannot make its entries gone.
  r.rules = {"QG004"};
  cmp = gate::compare(base, r);
  CHECK(cmp.gone.empty());
  CHECK(cmp.kept.size() == 3);
}

TEST_CASE("coverage gate: one definition with the headline, and it says what it measured") {
  CoverageCounts c;
  c.tracked = 12;
  c.untracked = 5;
  c.unresolved = 1;
  // Apart (the default): 12 / 17 = 70.6%, the summary's own figure.
  auto v = gate::check_min_coverage(c, 70.0, Unresolved::Apart);
  CHECK(v.passed);
  CHECK(v.message.find("coverage gate passed: call-site coverage 70.6% is at or above --min-coverage 70%") == 0);
  CHECK(v.message.find("12 of 17 call sites tracked") != std::string::npos);
  CHECK(v.message.find("1 of unresolved origin counted apart, as in the summary") != std::string::npos);
  v = gate::check_min_coverage(c, 71.0, Unresolved::Apart);
  CHECK_FALSE(v.passed);
  CHECK(v.message.find("coverage gate failed: call-site coverage 70.6% is below --min-coverage 71%") == 0);
  // Counted as untracked: 12 / 18 = 66.7%, and it names the summary's figure beside it.
  v = gate::check_min_coverage(c, 70.0, Unresolved::Untracked);
  CHECK_FALSE(v.passed);
  CHECK(v.message.find("66.7% is below --min-coverage 70%") != std::string::npos);
  CHECK(v.message.find("12 of 18 call sites tracked") != std::string::npos);
  CHECK(v.message.find("the summary's 70.6% counts them apart") != std::string::npos);
  CHECK(gate::format_percent_below(69.96, 70.0) == "69.96");
  CHECK(gate::format_percent_below(69.94, 70.0) == "69.9");
  // Nothing to measure: passes, and says so.
  v = gate::check_min_coverage(CoverageCounts{}, 100.0, Unresolved::Untracked);
  CHECK(v.passed);
  CHECK(v.message.find("n/a") != std::string::npos);
  v = gate::check_min_coverage(CoverageCounts{0, 0, 3}, 50.0, Unresolved::Untracked);
  CHECK_FALSE(v.passed);
  CHECK(v.message.find("0.0% is below") != std::string::npos);
}

TEST_CASE("report escaping") {
  CHECK(report::xml_escape("a<b>&\"'\x01") == "a&lt;b&gt;&amp;&quot;&#39;\xEF\xBF\xBD");
  CHECK(report::github_data_escape("100%\nx") == "100%25%0Ax");
  CHECK(report::github_property_escape("a:b,c") == "a%3Ab%2Cc");
  CHECK(report::markdown_cell("a|b<c>") == "a\\|b&lt;c&gt;");
  CHECK(report::markdown_code("x") == "`x`");
  CHECK(report::markdown_code("a`b") == "``a`b``");
  CHECK(report::markdown_code("`a") == "`` `a ``");
  CHECK(report::uri_path("svc/a b&é.py") == "svc/a%20b%26%C3%A9.py");
}

TEST_CASE("subprocess: argv without a shell, large stdin and stdout without deadlock") {
  const std::string big(1 << 20, 'x');
  auto r = git::run_process({"cat"}, big);
  CHECK(r.exit_code == 0);
  CHECK(r.out == big);
  r = git::run_process({"sh", "-c", "echo out; echo err >&2; exit 3"});
  CHECK(r.exit_code == 3);
  CHECK(r.out == "out\n");
  CHECK(r.err == "err\n");
  r = git::run_process({"echo", "$HOME; rm -rf /"});  // an argument, never shell text
  CHECK(r.out == "$HOME; rm -rf /\n");
  CHECK_THROWS_AS(git::run_process({"quotaguard-no-such-program"}), git::SpawnError);
}
