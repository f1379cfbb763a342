// Unit tests for the fix engine's safety nets and building blocks: what the fixture pairs
// (tests/cli/test_fix.py) cannot provoke through the scanner.
#include <doctest/doctest.h>

#include "core/source_text.h"
#include "fix/edits.h"
#include "fix/file_fixer.h"
#include "fix/unified_diff.h"
#include "python/fix_arguments.h"

using namespace qg;

namespace {

// A QG001 finding on `OpenAI(...)` at `at` in `text`, as the Python checker fills it.
Finding construction(const std::string& text, std::size_t at, std::size_t callee_len) {
  const auto open = static_cast<uint32_t>(at + callee_len);
  const auto close = static_cast<uint32_t>(text.find(')', open) + 1);
  Finding f;
  f.rule = "QG001";
  f.language = Language::Python;
  f.range.start_byte = static_cast<uint32_t>(at);
  f.range.end_byte = close;
  f.code = text.substr(at, close - at);
  FixSite site;
  site.callee.start_byte = static_cast<uint32_t>(at);
  site.callee.end_byte = open;
  site.arguments.start_byte = open;
  site.arguments.end_byte = close;
  site.bound_name = text.substr(at, callee_len);
  f.fix = site;
  return f;
}

}  // namespace

TEST_CASE("fix: a rewrite that would add a syntax error is refused and the text kept") {
  const std::string text = "from openai import OpenAI\nclient = OpenAI()\n";
  Finding f = construction(text, text.find("OpenAI()"), 6);
  f.fix->callee.end_byte += 1;  // a frontend bug: the callee range swallows the `(`
  const FactoryConfig none;
  const auto out = fix::fix_file(make_source(text, 1 << 20), {f}, {&none, false});
  CHECK_FALSE(out.text);
  CHECK(out.skip_reason == "the fixed file would have a syntax error");
  REQUIRE(out.left.size() == 1);
  CHECK(out.left[0].reason == fix::LeftReason::FileSkipped);
}

TEST_CASE("fix: a finding whose text is no longer in the file leaves the file alone") {
  const std::string text = "from openai import OpenAI\nclient = OpenAI()\n";
  Finding f = construction(text, text.find("OpenAI()"), 6);
  f.code = "AsyncOpenAI()";
  const FactoryConfig none;
  const auto out = fix::fix_file(make_source(text, 1 << 20), {f}, {&none, false});
  CHECK_FALSE(out.text);
  CHECK(out.skip_reason == "the file changed since it was scanned");
}

TEST_CASE("fix: a file with syntax errors elsewhere is still fixed") {
  const std::string text = "from openai import OpenAI\nclient = OpenAI()\ndef broken(:\n    pass\n";
  const FactoryConfig none;
  const auto out = fix::fix_file(make_source(text, 1 << 20), {construction(text, text.find("OpenAI()"), 6)}, {&none, false});
  REQUIRE(out.text);
  CHECK(*out.text == "from quotaguard import openai_client\nclient = openai_client()\ndef broken(:\n    pass\n");
}

TEST_CASE("fix: a BOM stays and offsets address the whole file") {
  const std::string text = "\xEF\xBB\xBF" "from openai import OpenAI\nc = OpenAI()\n";
  const FactoryConfig none;
  const auto out = fix::fix_file(make_source(text, 1 << 20), {construction(text, text.find("OpenAI()"), 6)}, {&none, false});
  REQUIRE(out.text);
  CHECK(*out.text == "\xEF\xBB\xBF" "from quotaguard import openai_client\nc = openai_client()\n");
}

TEST_CASE("fix: pass-arguments = false judges every argument") {
  const std::string base = "import os\nfrom os import getenv as ge\nfrom openai import AzureOpenAI, OpenAI\n";
  auto judge = [&](const std::string& call, ClientKind kind) {
    const std::string text = base + "c = " + call + "\n";
    const python::Tree tree(text);
    const auto open = static_cast<uint32_t>(text.find('(', base.size()));
    const auto close = static_cast<uint32_t>(text.rfind(')') + 1);
    return python::judge_dropped_arguments(tree, tree.node_at(open, close, python::Syntax::get().argument_list), kind,
                                        python::collect_imports(tree));
  };
  CHECK(judge("OpenAI()", ClientKind::Sync).safe);
  CHECK(judge("OpenAI(api_key=ge('OPENAI_API_KEY'), organization=None, timeout=600.0)", ClientKind::Sync).safe);
  CHECK(judge("AzureOpenAI(api_key=os.environ['AZURE_OPENAI_API_KEY'], api_version=os.getenv('OPENAI_API_VERSION'))",
              ClientKind::Azure).safe);
  // The sync key on an Azure client is not the Azure default.
  CHECK_FALSE(judge("AzureOpenAI(api_key=os.getenv('OPENAI_API_KEY'))", ClientKind::Azure).safe);
  const auto v = judge("OpenAI('sk', max_retries=3, *a, **kw)", ClientKind::Sync);
  CHECK_FALSE(v.safe);
  CHECK(v.lost == "'sk', max_retries=3, *a, **kw");
  CHECK(judge("OpenAI(api_key=environ['OPENAI_API_KEY'])", ClientKind::Sync).lost == "api_key=environ['OPENAI_API_KEY']");
}

TEST_CASE("fix: edits splice the original and insertions at one offset conflict") {
  CHECK(fix::apply_edits("abcdef", {{4, 5, "E"}, {0, 1, "A"}, {2, 2, "+"}, {0, 1, "A"}}) == "Ab+cdEf");
  CHECK(fix::overlaps({2, 2, "x"}, {2, 2, "y"}));
  CHECK_FALSE(fix::overlaps({2, 2, "x"}, {0, 2, ""}));
  CHECK_FALSE(fix::overlaps({2, 2, "x"}, {2, 4, ""}));
  CHECK(fix::overlaps({1, 3, ""}, {2, 4, ""}));
}

TEST_CASE("fix: unified diffs mark a missing final newline and keep CRLF") {
  CHECK(fix::unified_diff("a.py", "x\n", "x\n").empty());
  CHECK(fix::unified_diff("a.py", "a\nb", "a\nc") ==
        "--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n");
  CHECK(fix::unified_diff("w.py", "a\r\nb\r\n", "a\r\nn\r\nb\r\n") == "--- a/w.py\n+++ b/w.py\n@@ -1,2 +1,3 @@\n a\r\n+n\r\n b\r\n");
  // Changes more than six unchanged lines apart make two hunks.
  std::string before, after;
  for (int i = 0; i < 20; ++i) {
    before += std::to_string(i) + "\n";
    after += (i == 2 || i == 15 ? "x" : std::to_string(i)) + "\n";
  }
  const std::string d = fix::unified_diff("n.py", before, after);
  CHECK(d.find("@@ -1,6 +1,6 @@") != std::string::npos);
  CHECK(d.find("@@ -13,7 +13,7 @@") != std::string::npos);
}
