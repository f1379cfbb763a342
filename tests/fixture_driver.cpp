// The fixture driver: every fixtures/<language>/<group>/ is scanned as one project (with its
// own quotaguard.toml if it has one), and every source file's inline marks
// (`# expect: QG001, QG004` / `// expect: QG001`) must equal, as a multiset of (line, rule),
// what the scanner reports for that file. Unmarked lines must yield nothing.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "scan/scanner.h"

namespace fs = std::filesystem;

namespace {

using Expectations = std::multiset<std::pair<uint32_t, std::string>>;

// With the clang backend, `// expect-clang:` marks add what only the compiler's types reveal.
Expectations read_marks(const fs::path& file, bool clang) {
  Expectations out;
  std::ifstream in(file, std::ios::binary);
  std::string line;
  std::vector<const char*> tags{"# expect:", "// expect:"};
  if (clang) tags.push_back("// expect-clang:");
  for (uint32_t n = 1; std::getline(in, line); ++n) {
    for (const char* tag : tags) {
      auto at = line.rfind(tag);
      if (at == std::string::npos) continue;
      std::stringstream ids(line.substr(at + std::string(tag).size()));
      std::string id;
      while (std::getline(ids, id, ',')) {
        id.erase(0, id.find_first_not_of(" \t\r"));
        id.erase(id.find_last_not_of(" \t\r") + 1);
        if (!id.empty()) out.emplace(n, id);
      }
      break;
    }
  }
  return out;
}

std::string describe(const Expectations& e) {
  std::string s;
  for (const auto& [line, rule] : e) s += "  line " + std::to_string(line) + ": " + rule + "\n";
  return s.empty() ? "  (nothing)\n" : s;
}

bool is_source(const fs::path& p) {
  static const std::set<std::string> exts{".py", ".pyi", ".h", ".hh", ".hpp", ".hxx", ".c", ".cc", ".cpp", ".cxx", ".ipp"};
  return exts.contains(p.extension().string());
}

void check_group(const fs::path& group) {
  qg::ScanOptions options;
  options.paths = {group};
  if (fs::exists(group / "quotaguard.toml")) options.config_file = group / "quotaguard.toml";
  options.jobs = 2;
  if (const char* backend = std::getenv("QG_FIXTURE_CPP_BACKEND")) options.cpp_backend = backend;
  if (const char* db = std::getenv("QG_FIXTURE_COMPILE_COMMANDS")) options.compile_commands_dir = fs::path(db);
  const qg::ScanResult result = qg::run_scan(options);

  std::map<std::string, Expectations> actual;
  for (const auto& f : result.findings) actual[f.path].emplace(f.range.line, f.rule);
  std::set<std::string> seen;
  for (const auto& entry : fs::recursive_directory_iterator(group)) {
    if (!entry.is_regular_file() || !is_source(entry.path())) continue;
    const std::string rel = fs::relative(entry.path(), result.root).generic_string();
    seen.insert(rel);
    const Expectations expected = read_marks(entry.path(), options.cpp_backend == "clang");
    const Expectations& got = actual[rel];
    INFO("fixture " << (group.filename() / rel).generic_string() << "\nexpected:\n"
                    << describe(expected) << "reported:\n" << describe(got));
    CHECK(expected == got);
  }
  for (const auto& [path, findings] : actual) {
    INFO("finding in a file the driver did not read: " << path);
    CHECK((seen.contains(path) || findings.empty()));
  }
}

}  // namespace

TEST_CASE("fixtures: inline expectations hold for every group") {
  const fs::path root = QG_FIXTURES_DIR;
  for (const char* language : {"python", "cpp"}) {
    if (!fs::exists(root / language)) continue;
    std::vector<fs::path> groups;
    for (const auto& e : fs::directory_iterator(root / language))
      if (e.is_directory()) groups.push_back(e.path());
    std::sort(groups.begin(), groups.end());
    for (const auto& g : groups) {
      SUBCASE(g.filename().string().c_str()) { check_group(g); }
    }
  }
}
