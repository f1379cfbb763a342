// The fixture driver: every fixtures/<language>/<group>/ is scanned as one project (with its own
// quotaguard.toml if it has one). For every source file:
//  - its inline marks (`# expect: QG001, QG004` / `// expect: QG001`, written in a comment at the
//    end of the line where a finding starts) must equal, as a multiset of (line, rule), what the
//    scanner reports for that file; unmarked lines must yield nothing;
//  - it must be scanned (not skipped, not filtered out), and parse without errors unless its
//    group is `syntax_errors`.
// What users see beyond (line, rule) — column, end, message, fixable, provenance, api — is
// pinned by one snapshot per group, fixtures/<language>/<group>.snap; QG_UPDATE_GOLDEN=1
// rewrites the snapshots that differ (and fails, so an update is never a silent pass).
// Finally every rule has a positive mark in each language rules.toml gives it, and every message
// wording in rules.toml is produced by some fixture.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/catalogue.h"
#include "scan/frontends.h"
#include "scan/scanner.h"

namespace fs = std::filesystem;

namespace {

using Expectations = std::multiset<std::pair<uint32_t, std::string>>;

struct Coverage {
  std::set<std::pair<std::string, qg::Language>> marked;  // (rule, language) with a positive mark
  std::set<qg::MessageId> rendered;
};

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct MarkedFile {
  Expectations marks;
  std::vector<std::string> problems;  // marks that are not comments
};

// With the clang backend, `// expect-clang:` marks add what only the compiler's types reveal.
MarkedFile read_marks(const std::string& bytes, qg::Language language, bool clang) {
  const std::string comment(qg::info(language).line_comment);
  std::vector<std::string> tags{comment + " expect:"};
  if (clang && language == qg::Language::Cpp) tags.push_back("// expect-clang:");
  const std::size_t bom = bytes.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  const auto comments = qg::frontend(language).comments(std::string_view(bytes).substr(bom));
  auto in_comment = [&](std::size_t at, std::size_t size) {
    return std::any_of(comments.begin(), comments.end(), [&](auto& c) { return c.first <= at && at + size <= c.second; });
  };
  MarkedFile out;
  std::size_t line_start = 0;
  for (uint32_t n = 1; line_start < bytes.size(); ++n) {
    std::size_t line_end = bytes.find('\n', line_start);
    if (line_end == std::string::npos) line_end = bytes.size();
    const std::string_view line(bytes.data() + line_start, line_end - line_start);
    for (const std::string& tag : tags) {
      const auto at = line.rfind(tag);
      if (at == std::string_view::npos) continue;
      if (!in_comment(line_start + at - bom, tag.size())) {
        out.problems.push_back(fmt::format("line {}: `{}` is not in a comment (a string literal?)", n, tag));
        break;
      }
      std::stringstream ids{std::string(line.substr(at + tag.size()))};
      std::string id;
      while (std::getline(ids, id, ',')) {
        id.erase(0, id.find_first_not_of(" \t\r"));
        id.erase(id.find_last_not_of(" \t\r") + 1);
        if (!id.empty()) out.marks.emplace(n, id);
      }
      break;
    }
    line_start = line_end + 1;
  }
  return out;
}

std::string describe(const Expectations& e) {
  std::string s;
  for (const auto& [line, rule] : e) s += "  line " + std::to_string(line) + ": " + rule + "\n";
  return s.empty() ? "  (nothing)\n" : s;
}

std::string snapshot_line(const qg::Finding& f) {
  std::string line = fmt::format("{}:{}:{}: {}{} {} (end {}:{}; provenance {}", f.path, f.range.line, f.range.column,
                                 f.rule, f.fixable ? " [*]" : "", f.message, f.range.end_line, f.range.end_column,
                                 qg::to_string(f.provenance));
  if (!f.api.empty()) line += "; api " + f.api;
  return line + ")\n";
}

std::string snapshot(const fs::path& group, const qg::ScanResult& result) {
  std::string s = fmt::format("# {}/{}: what the scanner reports, one finding a line. `QG_UPDATE_GOLDEN=1 ctest -R "
                              "fixtures` rewrites this file.\n",
                              group.parent_path().filename().string(), group.filename().string());
  for (const auto& f : result.findings) s += snapshot_line(f);
  for (const auto& f : result.vendored_findings) s += "vendored " + snapshot_line(f);
  return s;
}

// Compares with fixtures/<language>/<group>.snap (clang: <group>.clang.snap where the compiler's
// types change what is reported).
void check_snapshot(const fs::path& group, const qg::ScanResult& result, bool clang) {
  const std::string got = snapshot(group, result);
  const fs::path plain = group.parent_path() / (group.filename().string() + ".snap");
  const fs::path clang_snap = group.parent_path() / (group.filename().string() + ".clang.snap");
  fs::path file = clang && fs::exists(clang_snap) ? clang_snap : plain;
  const std::string want = fs::exists(file) ? read_file(file) : std::string();
  if (got == want) return;
  if (std::getenv("QG_UPDATE_GOLDEN")) {
    if (clang) file = clang_snap;
    std::ofstream(file, std::ios::binary | std::ios::trunc) << got;
    FAIL_CHECK("snapshot written: " << file.string() << " (run again without QG_UPDATE_GOLDEN)");
    return;
  }
  INFO("snapshot " << file.string() << " differs (QG_UPDATE_GOLDEN=1 rewrites it)\nexpected:\n"
                   << want << "\nreported:\n" << got);
  CHECK(got == want);
}

void check_group(const fs::path& group, Coverage& coverage) {
  qg::ScanOptions options;
  options.paths = {group};
  if (fs::exists(group / "quotaguard.toml")) options.config_file = group / "quotaguard.toml";
  options.jobs = 2;
  if (const char* backend = std::getenv("QG_FIXTURE_CPP_BACKEND")) options.cpp_backend = backend;
  if (const char* db = std::getenv("QG_FIXTURE_COMPILE_COMMANDS")) options.compile_commands_dir = fs::path(db);
  const bool clang = options.cpp_backend == "clang";
  const qg::ScanResult result = qg::run_scan(options);
  const std::string group_name = (group.parent_path().filename() / group.filename()).generic_string();
  const bool expect_syntax_errors = group.filename() == "syntax_errors";

  std::map<std::string, Expectations> actual;
  for (const auto& f : result.findings) {
    actual[f.path].emplace(f.range.line, f.rule);
    coverage.rendered.insert(f.message_id);
  }
  const std::set<std::string> scanned(result.files.paths.begin(), result.files.paths.end());
  const std::set<std::string> with_errors(result.files.parse_errors.begin(), result.files.parse_errors.end());
  std::set<std::string> seen;
  for (const auto& entry : fs::recursive_directory_iterator(group)) {
    if (!entry.is_regular_file()) continue;
    const auto file_language = qg::language_of_file(entry.path().filename().string());
    if (!file_language) continue;
    const std::string rel = fs::relative(entry.path(), result.root).generic_string();
    seen.insert(rel);
    const MarkedFile marked = read_marks(read_file(entry.path()), *file_language, clang);
    const Expectations& got = actual[rel];
    INFO("fixture " << group_name << "/" << rel << "\nexpected:\n" << describe(marked.marks) << "reported:\n"
                    << describe(got));
    for (const auto& problem : marked.problems) FAIL_CHECK(problem);
    CHECK(marked.marks == got);
    // A file the scan never read passes any expectation of silence: it must be read.
    CHECK_MESSAGE(scanned.contains(rel), "skipped or filtered out of the scan");
    // (That `syntax_errors/` files do not compile is tests/fixtures_compile.py's to check: the
    // grammar recovers from, or even accepts, some of what CPython refuses.)
    if (!expect_syntax_errors) CHECK_MESSAGE(!with_errors.contains(rel), "has syntax errors (only syntax_errors/ may)");
    for (const auto& [line, rule] : marked.marks) coverage.marked.emplace(rule, *file_language);
  }
  for (const auto& [path, findings] : actual) {
    INFO("finding in a file the driver did not read: " << path);
    CHECK((seen.contains(path) || findings.empty()));
  }
  for (const auto& skipped : result.files.skipped) FAIL_CHECK(group_name << ": skipped " << skipped.path << ": " << skipped.reason);
  check_snapshot(group, result, clang);
}

}  // namespace

TEST_CASE("fixtures: inline expectations and snapshots hold for every group; every rule and message has a case") {
  const fs::path root = QG_FIXTURES_DIR;
  Coverage coverage;
  for (const qg::LanguageInfo& language : qg::languages()) {
    const fs::path dir = root / language.name;
    REQUIRE_MESSAGE(fs::is_directory(dir), "no fixtures for " << language.display_name << ": " << dir.string());
    std::vector<fs::path> groups;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_directory()) groups.push_back(e.path());
    std::sort(groups.begin(), groups.end());
    CHECK_MESSAGE(!groups.empty(), dir.string() << " has no fixture groups");
    for (const auto& g : groups) check_group(g, coverage);
  }

  for (const qg::RuleInfo& rule : qg::Catalogue::get().rules())
    for (qg::Language language : rule.languages)
      CHECK_MESSAGE(coverage.marked.contains({rule.id, language}),
                    rule.id << " applies to " << qg::info(language).display_name << " (rules.toml `languages`) but no "
                            << "fixture under fixtures/" << qg::to_string(language) << "/ expects it");
  for (std::size_t i = 0; i < qg::kMessageCount; ++i) {
    const qg::MessageKey& key = qg::kMessageKeys[i];
    CHECK_MESSAGE(coverage.rendered.contains(static_cast<qg::MessageId>(i)),
                  "no fixture produces " << qg::to_string(key.rule) << "'s message "
                                         << (key.variant.empty() ? std::string("`message`") : "`" + std::string(key.variant) + "`"));
  }
}
